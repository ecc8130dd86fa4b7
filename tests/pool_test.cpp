// cascade::Pool (issue 4, item 1): groups bound to a pool run every task in it, whichever thread
// calls go() (an external thread, a task of another pool), and wait() works from any thread. Each
// test runs with pools of 1, 2 and 4 threads, and CTest runs the whole file with 1, 2 and 4 TBB
// threads in the harness's own arena.

#include <gtest/gtest.h>

#include <oneapi/tbb/info.h>
#include <oneapi/tbb/task_arena.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <limits>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>

#include "cascade/cascade.hpp"
#include "support/group_helpers.hpp"

namespace {

using cascade::Context;
using cascade::Error;
using cascade::Group;
using cascade::Pool;
using cascade::PoolOptions;
using cascade::testing::ActivityGauge;
using cascade::testing::configured_threads;
using cascade::testing::is_same_error;
using cascade::testing::is_success;
using cascade::testing::task_failure;
using cascade::testing::TimedLatch;
using cascade::testing::what_of_thrown;

constexpr int kTasks = 100;

class PoolTest : public ::testing::TestWithParam<int> {
 protected:
  Pool pool_{GetParam()};
};

INSTANTIATE_TEST_SUITE_P(Threads, PoolTest, ::testing::Values(1, 2, 4),
                         [](const ::testing::TestParamInfo<int>& size) {
                           return "pool_of_" + std::to_string(size.param);
                         });

// Whether the calling task runs in a pool's arena rather than the harness's, as far as an arena's
// size can tell: a pool's arena has slots for waiters besides its threads, so it is larger.
bool runs_in(const Pool& pool) {
  return tbb::this_task_arena::max_concurrency() > std::max(pool.threads(), configured_threads());
}

// Submits kTasks tasks that count themselves in `ran` and count those that ran outside `pool`.
void go_counted(Group& group, const Pool& pool, std::atomic<int>& ran, std::atomic<int>& outside) {
  for (int i = 0; i < kTasks; ++i)
    group.go([&] {
      if (!runs_in(pool)) outside.fetch_add(1);
      ran.fetch_add(1);
    });
}

TEST_P(PoolTest, TasksRunInThePool) {
  std::atomic<int> ran{0};
  std::atomic<int> outside{0};
  Group group(Context::background(), pool_);
  go_counted(group, pool_, ran, outside);
  EXPECT_TRUE(is_success(group.wait()));
  EXPECT_EQ(ran.load(), kTasks);
  EXPECT_EQ(outside.load(), 0);
}

// oneTBB issue 2056: a wait on one thread for tasks another thread submitted.
TEST_P(PoolTest, GoFromOneExternalThreadAndWaitFromAnother) {
  std::atomic<int> ran{0};
  std::atomic<int> outside{0};
  Group group(pool_);
  std::thread submitter([&] { go_counted(group, pool_, ran, outside); });
  submitter.join();
  Error result = Error::make(std::runtime_error("not waited"));
  std::thread waiter([&] { result = group.wait(); });
  waiter.join();
  EXPECT_TRUE(is_success(result));
  EXPECT_EQ(ran.load(), kTasks);
  EXPECT_EQ(outside.load(), 0);
}

// oneTBB issue 1684: run in one arena, wait from another.
TEST_P(PoolTest, TaskOfAnotherPoolSubmitsAndWaits) {
  Pool other(3);
  std::atomic<int> ran{0};
  std::atomic<int> outside{0};
  Group outer(Context::background(), other);
  outer.go([&](const Context& context) {
    Group inner(context, pool_);
    go_counted(inner, pool_, ran, outside);
    return inner.wait();
  });
  EXPECT_TRUE(is_success(outer.wait()));
  EXPECT_EQ(ran.load(), kTasks);
  EXPECT_EQ(outside.load(), 0);
}

// A task of one pool waits for a group of another pool whose task waits for a group of the first,
// while the main thread waits too: waits that enter pools nest on their own threads' stacks and
// never deadlock (a wait handed to a full arena as a task could).
TEST_P(PoolTest, WaitsThatCrossPoolsBothWaysDoNotDeadlock) {
  Pool other(GetParam());
  std::atomic<int> leaves{0};
  for (int round = 0; round < 20; ++round) {
    Group outer(Context::background(), pool_);
    for (int branch = 0; branch < 4; ++branch)
      outer.go([&](const Context& context) {
        Group across(context, other);
        across.go([&](const Context& across_context) {
          Group back(across_context, pool_);
          back.go([&] { leaves.fetch_add(1); });
          return back.wait();
        });
        return across.wait();
      });
    ASSERT_TRUE(is_success(outer.wait()));
  }
  EXPECT_EQ(leaves.load(), 20 * 4);
}

// Runs a chain of `depth` blocking tasks, each of which waits in `pool` for a group that holds
// the next one; returns the deepest task's context error (success when nothing failed).
Error wait_in_a_chain_of_blocking_tasks(const Context& context, Pool& pool, int depth,
                                        std::atomic<int>& deepest) {
  Group group(context, pool);
  group.go_blocking([&pool, depth, &deepest](const Context& task_context) {
    if (depth == 1) {
      deepest.fetch_add(1);
      return Error();
    }
    return wait_in_a_chain_of_blocking_tasks(task_context, pool, depth - 1, deepest);
  });
  return group.wait();
}

// More threads wait inside one pool at once than it has slots for waiters (16), and each waits
// for the next: a wait oneTBB handed to the arena as a task would run on top of one of the
// others, which waits for it in turn, and neither would end (found by the fuzzer). The waiters
// beyond the slots wait outside until a slot is free.
TEST_P(PoolTest, MoreNestedWaitersThanEntrySlotsDoNotDeadlock) {
  constexpr int kDepth = 40;
  std::atomic<int> deepest{0};
  for (int round = 0; round < 5; ++round)
    ASSERT_TRUE(is_success(
        wait_in_a_chain_of_blocking_tasks(Context::background(), pool_, kDepth, deepest)));
  EXPECT_EQ(deepest.load(), 5);
}

TEST_P(PoolTest, GoFromABlockingTaskRunsInThePool) {
  std::atomic<int> ran{0};
  std::atomic<int> outside{0};
  Group work(Context::background(), pool_);
  Group blocking(Context::background(), pool_);
  blocking.go_blocking([&] { go_counted(work, pool_, ran, outside); });
  EXPECT_TRUE(is_success(blocking.wait()));
  EXPECT_TRUE(is_success(work.wait()));
  EXPECT_EQ(ran.load(), kTasks);
  EXPECT_EQ(outside.load(), 0);
}

// Tasks suspended in Context::wait may resume on another thread: they still submit into the pool
// correctly afterwards (the thread's pool mark travels with the task).
TEST_P(PoolTest, TasksResumedFromContextWaitStillUseThePool) {
  constexpr int kWaiters = 20;
  const cascade::testing::CancellableParent release;
  TimedLatch all_waiting(kWaiters);
  std::atomic<int> ran{0};
  std::atomic<int> outside{0};
  Group work(Context::background(), pool_);
  Group waiters(Context::background(), pool_);
  for (int i = 0; i < kWaiters; ++i)
    waiters.go([&] {
      all_waiting.count_down();
      release.context.wait();
      work.go([&] {
        if (!runs_in(pool_)) outside.fetch_add(1);
        ran.fetch_add(1);
      });
    });
  all_waiting.wait();
  release.cancel();
  EXPECT_TRUE(is_success(waiters.wait()));
  EXPECT_TRUE(is_success(work.wait()));
  EXPECT_EQ(ran.load(), kWaiters);
  EXPECT_EQ(outside.load(), 0);
}

TEST_P(PoolTest, NestedGroupWithoutAPoolStaysInTheTasksPool) {
  std::atomic<int> ran{0};
  std::atomic<int> outside{0};
  Group outer(Context::background(), pool_);
  outer.go([&](const Context& context) {
    Group nested(context);
    go_counted(nested, pool_, ran, outside);
    return nested.wait();
  });
  EXPECT_TRUE(is_success(outer.wait()));
  EXPECT_EQ(ran.load(), kTasks);
  EXPECT_EQ(outside.load(), 0);
}

TEST_P(PoolTest, NestedFailureCancelsTheTreeAndComesBack) {
  const Error failure = task_failure(5);
  std::atomic<int> skipped_leaves_ran{0};
  Group root(Context::background(), pool_);
  root.go([&](const Context& context) {
    Group child(context, pool_);
    child.go([failure] { return failure; });
    const Error child_result = child.wait();
    Group late(child.context(), pool_);  // under the failed child: born cancelled
    late.go([&] { skipped_leaves_ran.fetch_add(1); });
    (void)late.wait();
    return child_result;
  });
  EXPECT_TRUE(is_same_error(root.wait(), failure));
  EXPECT_TRUE(root.context().cancelled());
  EXPECT_EQ(skipped_leaves_ran.load(), 0);
}

TEST_P(PoolTest, LimitHoldsInAPool) {
  ActivityGauge gauge;
  std::atomic<int> ran{0};
  Group group(Context::background(), pool_);
  group.set_limit(2);
  for (int i = 0; i < 20; ++i)
    group.go([&] {
      const ActivityGauge::Scope active(gauge);
      for (int spin = 0; spin < 100; ++spin) std::this_thread::yield();
      ran.fetch_add(1);
    });
  EXPECT_TRUE(is_success(group.wait()));
  EXPECT_EQ(ran.load(), 20);
  EXPECT_LE(gauge.peak(), 2);
}

TEST_P(PoolTest, WaitInsideItsOwnTaskIsRefused) {
  Group group(pool_);
  cascade::testing::expect_wait_inside_own_task_refused(
      group, [](Group& to, auto task) { to.go(std::move(task)); });
}

TEST_P(PoolTest, ManySubmittersAndWaitersAtOnce) {
  constexpr int kThreads = 4;
  std::atomic<int> ran{0};
  std::atomic<int> outside{0};
  std::atomic<int> failed_waits{0};
  Group group(Context::background(), pool_);
  TimedLatch all_submitted(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&] {
      go_counted(group, pool_, ran, outside);
      all_submitted.count_down();
      all_submitted.wait();
      if (group.wait()) failed_waits.fetch_add(1);
    });
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(ran.load(), kThreads * kTasks);
  EXPECT_EQ(outside.load(), 0);
  EXPECT_EQ(failed_waits.load(), 0);
}

TEST(Pool, BadSizesAndNodesAreRefusedByName) {
  try {
    Pool pool(0);
    ADD_FAILURE() << "Pool(0) was accepted";
  } catch (const std::invalid_argument& error) {
    EXPECT_NE(std::string(error.what()).find("at least 1 thread"), std::string::npos)
        << error.what();
  }
  PoolOptions negative;
  negative.threads = -2;
  EXPECT_THROW(Pool{negative}, std::invalid_argument);
  // oneTBB's arenas hold 65536 threads; a larger pool crashed inside oneTBB before it was refused.
  const std::string too_many = what_of_thrown<std::invalid_argument>([] { Pool pool(65521); });
  EXPECT_NE(too_many.find("threads is 65521; a pool has at most 65520"), std::string::npos)
      << too_many;
  PoolOptions largest_int;
  largest_int.threads = std::numeric_limits<int>::max();
  EXPECT_THROW(Pool{largest_int}, std::invalid_argument);
}

// Asking oneTBB for the NUMA nodes loads libtbbbind with RTLD_DEEPBIND, which AddressSanitizer
// refuses (it aborts the process): the check cannot run under it.
TEST(Pool, UnknownNumaNodeIsRefusedByName) {
#if defined(__SANITIZE_ADDRESS__)
  GTEST_SKIP() << "libtbbbind cannot be loaded under AddressSanitizer";
#endif
  PoolOptions far_node;
  far_node.threads = 1;
  far_node.numa_node = 12345;
  try {
    Pool pool(far_node);
    ADD_FAILURE() << "NUMA node 12345 was accepted";
  } catch (const std::invalid_argument& error) {
    EXPECT_NE(std::string(error.what()).find("NUMA node 12345"), std::string::npos) << error.what();
  }
}

TEST(Pool, NamesAndSizes) {
  PoolOptions named;
  named.threads = 2;
  named.name = "io";
  Pool pool(named);
  EXPECT_EQ(pool.name(), "io");
  EXPECT_EQ(pool.threads(), 2);
  const Pool unnamed(1);
  EXPECT_EQ(unnamed.name().rfind("pool-", 0), 0U) << unnamed.name();
  EXPECT_EQ(Pool::default_pool().name(), "default");
  EXPECT_EQ(Pool::default_pool().threads(), tbb::info::default_concurrency());
  PoolOptions every_core;
  every_core.threads = 0;
  EXPECT_EQ(Pool(every_core).threads(), tbb::info::default_concurrency());
}

TEST(Pool, DefaultPoolRunsGroups) {
  std::atomic<int> ran{0};
  Group group(Context::background(), Pool::default_pool());
  for (int i = 0; i < kTasks; ++i) group.go([&] { ran.fetch_add(1); });
  EXPECT_TRUE(is_success(group.wait()));
  EXPECT_EQ(ran.load(), kTasks);
}

TEST(Pool, DestroyingAPoolThatAGroupStillUsesIsReportedAndTheGroupGoesOn) {
  PoolOptions options;
  options.threads = 1;
  options.name = "doomed";
  auto pool = std::make_unique<Pool>(options);
  Group group(Context::background(), *pool);
  ::testing::internal::CaptureStderr();
  pool.reset();
  const std::string report = ::testing::internal::GetCapturedStderr();
  EXPECT_NE(report.find("Pool 'doomed' was destroyed while 1 group(s) were still bound to it"),
            std::string::npos)
      << report;
  std::atomic<int> ran{0};
  for (int i = 0; i < kTasks; ++i) group.go([&] { ran.fetch_add(1); });
  EXPECT_TRUE(is_success(group.wait()));
  EXPECT_EQ(ran.load(), kTasks);
}

// A chain of `depth` nested groups that alternates between `here` and `there`: a task of one pool
// waits for a group of the other, whose task waits for a group of the first, and so on.
Error hop_between(Pool& here, Pool& there, int depth) {
  if (depth == 0) return Error();
  Group group(here);
  group.go([&here, &there, depth] { return hop_between(there, here, depth - 1); });
  return group.wait();
}

// Runs a chain of 40 hops between two pools of one thread, and ends the process after 8 s.
[[noreturn]] void hop_until_the_places_run_out() {
  std::thread([] {
    std::this_thread::sleep_for(std::chrono::seconds(8));  // the chain never ends by itself
    std::_Exit(3);
  }).detach();
  Pool one(1);
  Pool other(1);
  (void)hop_between(one, other, 40);
  std::_Exit(0);
}

// Each level of nested waits that alternate between two pools takes one of a pool's 16 places for
// waiters; past them every thread waits at a gate and nothing frees one, so the chain cannot end
// (docs/pools.md, "Limits"). cascade says so on stderr after about 5 s instead of hanging
// silently.
TEST(PoolDeathTest, NestedWaitsThatTakeEveryPlaceAreReported) {
  ::testing::FLAGS_gtest_death_test_style = "threadsafe";
  EXPECT_EXIT(hop_until_the_places_run_out(), ::testing::ExitedWithCode(3),
              "all 16 places for waiters taken for 5 s");
}

}  // namespace
