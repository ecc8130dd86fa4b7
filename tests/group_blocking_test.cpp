// Group::go_blocking and the blocking pool (cascade/blocking_pool.hpp): blocking tasks run
// outside oneTBB's arenas, so any number of them can block at once without freezing compute
// work, and otherwise they follow the rules of go() tasks (counted by wait(), failures cancel,
// skipped after a cancel, bounded by the limit).

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <string>
#include <system_error>
#include <thread>

#include "cascade/cascade.hpp"
#include "support/group_helpers.hpp"

namespace {

using cascade::BlockingPoolLimits;
using cascade::Context;
using cascade::Error;
using Group = cascade::testing::TestGroup;
using cascade::testing::ActivityGauge;
using cascade::testing::describe;
using cascade::testing::is_same_error;
using cascade::testing::is_success;
using cascade::testing::kPatience;
using cascade::testing::task_failure;
using cascade::testing::TimedLatch;

// Restores the pool's limits when a test that changes them ends.
class LimitsGuard {
 public:
  LimitsGuard() : saved_(cascade::blocking_pool_limits()) {}
  LimitsGuard(const LimitsGuard&) = delete;
  LimitsGuard& operator=(const LimitsGuard&) = delete;
  ~LimitsGuard() { cascade::set_blocking_pool_limits(saved_); }

 private:
  BlockingPoolLimits saved_;
};

// Waits, for at most kPatience, until the pool has at most `threads` threads.
bool pool_shrinks_to(int threads) {
  const auto give_up = std::chrono::steady_clock::now() + kPatience;
  while (cascade::blocking_pool_stats().threads > threads) {
    if (std::chrono::steady_clock::now() > give_up) return false;
    std::this_thread::yield();
  }
  return true;
}

// Submits `tasks` short blocking tasks that count themselves in `gauge` and `ran`.
void go_blocking_gauged(Group& group, int tasks, ActivityGauge& gauge, std::atomic<int>& ran) {
  for (int i = 0; i < tasks; ++i)
    group.go_blocking([&gauge, &ran] {
      const ActivityGauge::Scope active(gauge);
      for (int spin = 0; spin < 100; ++spin) std::this_thread::yield();
      ran.fetch_add(1);
    });
}

// Runs `tasks` blocking tasks that each wait until all of them have started (so all must run at
// once), waits for them, and returns how many saw the others start.
int run_blocking_tasks_together(int tasks) {
  TimedLatch all_started(tasks);
  std::atomic<int> released{0};
  Group group(Context::background());
  for (int i = 0; i < tasks; ++i)
    group.go_blocking([&] {
      all_started.count_down();
      if (all_started.wait()) released.fetch_add(1);
    });
  EXPECT_TRUE(is_success(group.wait()));
  return released.load();
}

TEST(GroupBlocking, SixtyFourTasksThatWaitForEachOtherAllStart) {
  EXPECT_EQ(run_blocking_tasks_together(64), 64);
}

// With one TBB thread, a blocking task on a TBB worker would leave no thread for the compute task
// that releases it.
TEST(GroupBlocking, BlockedTasksLeaveTbbWorkersToComputeTasks) {
  TimedLatch released;
  std::atomic<int> finished{0};
  Group group(Context::background());
  for (int i = 0; i < 4; ++i)
    group.go_blocking([&] {
      if (released.wait()) finished.fetch_add(1);
    });
  group.go([&] { released.count_down(); });
  EXPECT_TRUE(is_success(group.wait()));
  EXPECT_EQ(finished.load(), 4);
}

TEST(GroupBlocking, WaitReturnsOnlyAfterABlockingTaskFinished) {
  TimedLatch started;
  TimedLatch release;
  std::atomic<bool> finished{false};
  Group group(Context::background());
  group.go_blocking([&] {
    started.count_down();
    release.wait();
    finished.store(true);
  });
  std::thread releaser([&] {
    started.wait();
    release.count_down();
  });
  EXPECT_TRUE(is_success(group.wait()));
  EXPECT_TRUE(finished.load());
  releaser.join();
}

TEST(GroupBlocking, FailureCancelsTheGroupAndComesBackFromWait) {
  TimedLatch sibling_saw_cancel;
  Group group(Context::background());
  group.go_blocking([&](const Context& context) {
    auto callback = context.on_cancel([&] { sibling_saw_cancel.count_down(); });
    sibling_saw_cancel.wait();
  });
  const Error failure = task_failure(7);
  group.go_blocking([failure] { return failure; });
  EXPECT_TRUE(is_same_error(group.wait(), failure));
  EXPECT_TRUE(group.context().cancelled());
}

TEST(GroupBlocking, FollowsGoErrorRules) {
  Group throws(Context::background());
  throws.go_blocking([] { throw 42; });
  const Error thrown = throws.wait();
  ASSERT_TRUE(thrown);
  EXPECT_EQ(*thrown.as<int>(), 42);

  Group returns_code(Context::background());
  returns_code.go_blocking([] { return std::make_error_code(std::errc::timed_out); });
  const Error coded = returns_code.wait();
  ASSERT_NE(coded.as<std::system_error>(), nullptr) << describe(coded);
  EXPECT_EQ(coded.as<std::system_error>()->code(), std::make_error_code(std::errc::timed_out));
}

TEST(GroupBlocking, TaskSubmittedAfterCancelIsSkipped) {
  std::atomic<bool> ran{false};
  const Error cause = task_failure(3);
  Group group(Context::background());
  group.cancel(cause);
  group.go_blocking([&] { ran.store(true); });
  EXPECT_TRUE(is_same_error(group.wait(), cause));
  EXPECT_FALSE(ran.load());
}

TEST(GroupBlocking, LimitBoundsBlockingTasks) {
  constexpr int kTasks = 8;
  ActivityGauge gauge;
  std::atomic<int> ran{0};
  Group group(Context::background());
  group.set_limit(2);
  go_blocking_gauged(group, kTasks, gauge, ran);
  EXPECT_TRUE(is_success(group.wait()));
  EXPECT_EQ(ran.load(), kTasks);
  EXPECT_LE(gauge.peak(), 2);
}

TEST(GroupBlocking, QueuedBlockingTasksAreSkippedOnceCancelled) {
  TimedLatch first_started;
  TimedLatch release_first;
  std::atomic<int> ran{0};
  Group group(Context::background());
  group.set_limit(1);
  group.go_blocking([&] {
    ran.fetch_add(1);
    first_started.count_down();
    release_first.wait();
  });
  for (int i = 0; i < 5; ++i) group.go_blocking([&] { ran.fetch_add(1); });
  first_started.wait();
  const Error cause = task_failure(9);
  group.cancel(cause);
  release_first.count_down();
  EXPECT_TRUE(is_same_error(group.wait(), cause));
  EXPECT_EQ(ran.load(), 1);
}

// The blocking task frees the only slot on its own thread, which hands it to the queued compute
// task: that task must reach a TBB thread that runs it (with one TBB thread, a spawn into the
// blocking thread's own arena would wait there forever).
TEST(GroupBlocking, SlotFreedByABlockingTaskGoesToAComputeTaskThatRuns) {
  std::atomic<bool> compute_ran{false};
  Group group(Context::background());
  group.set_limit(1);
  group.go_blocking([] {});
  group.go([&] { compute_ran.store(true); });
  EXPECT_TRUE(is_success(group.wait()));
  EXPECT_TRUE(compute_ran.load());
}

TEST(GroupBlocking, ComputeTaskSubmittedFromABlockingTaskRuns) {
  std::atomic<bool> compute_ran{false};
  Group group(Context::background());
  group.go_blocking([&] { group.go([&] { compute_ran.store(true); }); });
  EXPECT_TRUE(is_success(group.wait()));
  EXPECT_TRUE(compute_ran.load());
}

TEST(GroupBlocking, TryGoBlockingRefusesAtTheLimitAndRunsBelowIt) {
  TimedLatch release;
  std::atomic<int> ran{0};
  Group group;  // a zero group: it takes new tasks after wait()
  group.set_limit(1);
  EXPECT_TRUE(group.try_go_blocking([&] {
    release.wait();
    ran.fetch_add(1);
  }));
  EXPECT_FALSE(group.try_go_blocking([&] { ran.fetch_add(100); }));
  EXPECT_FALSE(group.try_go([&] { ran.fetch_add(100); }));
  release.count_down();
  EXPECT_TRUE(is_success(group.wait()));
  EXPECT_EQ(ran.load(), 1);
  EXPECT_TRUE(group.try_go_blocking([&] { ran.fetch_add(1); }));
  EXPECT_TRUE(is_success(group.wait()));
  EXPECT_EQ(ran.load(), 2);
}

TEST(GroupBlocking, ZeroLimitRefusesBlockingTasksByName) {
  Group group(Context::background());
  group.set_limit(0);
  try {
    group.go_blocking([] {});
    ADD_FAILURE() << "go_blocking under a limit of 0 did not throw";
  } catch (const std::logic_error& error) {
    EXPECT_NE(std::string(error.what()).find("go_blocking"), std::string::npos) << error.what();
  }
  EXPECT_FALSE(group.try_go_blocking([] {}));
  EXPECT_TRUE(is_success(group.wait()));
}

TEST(GroupBlocking, WaitInsideItsOwnBlockingTaskIsRefused) {
  Group group(Context::background());
  cascade::testing::expect_wait_inside_own_task_refused(
      group, [](Group& to, auto task) { to.go_blocking(std::move(task)); });
}

TEST(GroupBlocking, BlockingTaskMayRunANestedComputeGroup) {
  constexpr int kLeaves = 100;
  std::atomic<int> leaves{0};
  Group group(Context::background());
  group.go_blocking([&](const Context& context) {
    Group nested(context);
    for (int i = 0; i < kLeaves; ++i) nested.go([&] { leaves.fetch_add(1); });
    return nested.wait();
  });
  EXPECT_TRUE(is_success(group.wait()));
  EXPECT_EQ(leaves.load(), kLeaves);
}

TEST(BlockingPool, LimitsAreValidated) {
  try {
    cascade::set_blocking_pool_limits({.max_threads = 0});
    ADD_FAILURE() << "max_threads 0 was accepted";
  } catch (const std::invalid_argument& error) {
    EXPECT_NE(std::string(error.what()).find("max_threads"), std::string::npos) << error.what();
  }
  EXPECT_THROW(cascade::set_blocking_pool_limits(
                   {.max_threads = 4, .idle_timeout = std::chrono::milliseconds(-1)}),
               std::invalid_argument);
}

TEST(BlockingPool, IdleThreadsEndAndTheFirstStays) {
  const LimitsGuard restore;
  cascade::set_blocking_pool_limits(
      {.max_threads = 512, .idle_timeout = std::chrono::milliseconds(1)});
  constexpr int kTasks = 8;
  EXPECT_EQ(run_blocking_tasks_together(kTasks), kTasks);
  EXPECT_GE(cascade::blocking_pool_stats().threads, 1);
  EXPECT_TRUE(pool_shrinks_to(1)) << cascade::blocking_pool_stats().threads << " threads left";
  EXPECT_EQ(cascade::blocking_pool_stats().threads, 1);
}

TEST(BlockingPool, LoweringTheBoundEndsIdleThreadsWithoutWaitingForTheTimeout) {
  const LimitsGuard restore;
  cascade::set_blocking_pool_limits({.max_threads = 512, .idle_timeout = std::chrono::hours(1)});
  constexpr int kTasks = 6;
  ASSERT_EQ(run_blocking_tasks_together(kTasks), kTasks);
  ASSERT_GE(cascade::blocking_pool_stats().threads, kTasks);
  cascade::set_blocking_pool_limits({.max_threads = 1, .idle_timeout = std::chrono::hours(1)});
  EXPECT_TRUE(pool_shrinks_to(1)) << cascade::blocking_pool_stats().threads << " threads left";
}

// milliseconds::max() is the natural "never shrink"; added to the time now it overflowed, and every
// idle thread ended at once.
TEST(BlockingPool, AnIdleTimeoutBeyondTheClocksRangeMeansNever) {
  const LimitsGuard restore;
  cascade::set_blocking_pool_limits(
      {.max_threads = 512, .idle_timeout = std::chrono::milliseconds::max()});
  constexpr int kTasks = 6;
  ASSERT_EQ(run_blocking_tasks_together(kTasks), kTasks);
  const auto give_up = std::chrono::steady_clock::now() + kPatience;
  while (cascade::blocking_pool_stats().idle_threads < kTasks &&
         std::chrono::steady_clock::now() < give_up)
    std::this_thread::yield();
  EXPECT_GE(cascade::blocking_pool_stats().idle_threads, kTasks)
      << cascade::blocking_pool_stats().threads << " threads left";
}

TEST(BlockingPool, MaxThreadsBoundsHowManyRunAtOnce) {
  const LimitsGuard restore;
  cascade::set_blocking_pool_limits(
      {.max_threads = 2, .idle_timeout = std::chrono::milliseconds(1)});
  ASSERT_TRUE(pool_shrinks_to(2));
  constexpr int kTasks = 6;
  ActivityGauge gauge;
  std::atomic<int> ran{0};
  Group group(Context::background());
  go_blocking_gauged(group, kTasks, gauge, ran);
  EXPECT_TRUE(is_success(group.wait()));
  EXPECT_EQ(ran.load(), kTasks);
  EXPECT_LE(gauge.peak(), 2);
}

}  // namespace
