// Context::wait, wait_for and wait_until (issue 4, item 3). Inside a oneTBB task they suspend the
// task, so its worker runs other tasks meanwhile; anywhere else (a plain thread, a go_blocking
// task) they block the thread. At most max_suspended_waits() tasks are suspended at once.
// Every wait here is bounded: the contexts hang below a Watchdog, which cancels them when a test
// is still going after kPatience, so a wait that the library fails to end fails the test instead
// of hanging the suite.

#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <chrono>
#include <climits>
#include <stdexcept>
#include <string>
#include <system_error>
#include <thread>

#include <oneapi/tbb/task_arena.h>
#include <oneapi/tbb/task_group.h>

#include "cascade/cascade.hpp"
#include "support/group_helpers.hpp"

namespace {

using namespace std::chrono_literals;
using cascade::Context;
using cascade::DeadlineExceeded;
using cascade::Error;
using cascade::Group;
using cascade::testing::CancellableParent;
using cascade::testing::describe;
using cascade::testing::is_cancelled_because_of;
using cascade::testing::is_success;
using cascade::testing::kPatience;
using cascade::testing::task_failure;
using cascade::testing::TimedLatch;

using Clock = std::chrono::steady_clock;

// A time limit that elapses during a test.
constexpr std::chrono::milliseconds kTimeout{20};

// Cancels context() with its own cause unless the test ends within kPatience (the latch records
// the failure), so that waits below it return even when the library fails to end them.
class Watchdog {
 public:
  Watchdog()
      : thread_([this] {
          if (!finished_.wait()) rescue_.cancel(Error::make(std::runtime_error("watchdog")));
        }) {}
  ~Watchdog() { finished_.count_down(); }
  Watchdog(const Watchdog&) = delete;
  Watchdog& operator=(const Watchdog&) = delete;

  const Context& context() const { return rescue_.context; }
  bool fired() const { return rescue_.context.cancelled(); }

 private:
  CancellableParent rescue_;
  TimedLatch finished_;
  std::jthread thread_;  // last: starts once the members it uses exist, joins before they go
};

// Restores the limit on suspended waits when a test that changes it ends.
class MaxSuspendedWaitsGuard {
 public:
  MaxSuspendedWaitsGuard() : saved_(cascade::max_suspended_waits()) {}
  ~MaxSuspendedWaitsGuard() { cascade::set_max_suspended_waits(saved_); }
  MaxSuspendedWaitsGuard(const MaxSuspendedWaitsGuard&) = delete;
  MaxSuspendedWaitsGuard& operator=(const MaxSuspendedWaitsGuard&) = delete;

 private:
  int saved_;
};

// True once `count` tasks are suspended in waits; false if that takes longer than kPatience.
// Spins: only for a thread that the suspending tasks do not need.
bool suspended_waits_reach(int count) {
  const auto give_up = Clock::now() + kPatience;
  while (cascade::suspended_waits() < count) {
    if (Clock::now() > give_up) return false;
    std::this_thread::yield();
  }
  return true;
}

// The acceptance test of issue 4, item 3: kWaiters compute tasks wait for their context's
// cancellation. The last one to start submits one more compute task; it runs while they are all
// suspended (they do not hold the arena's threads) and cancels them, and they all wake.
void waiters_leave_the_arena_free() {
  constexpr int kWaiters = 1000;
  Watchdog watchdog;
  CancellableParent parent(cascade::with_cancel(watchdog.context()));
  const Error release = task_failure(1);
  std::atomic<int> started{0};
  std::atomic<int> woken{0};
  int suspended_when_it_ran = -1;
  int woken_when_it_ran = -1;
  Group further(Context::background());
  Group waiters(parent.context);
  for (int i = 0; i < kWaiters; ++i)
    waiters.go([&](const Context& context) {
      if (started.fetch_add(1) + 1 == kWaiters)
        further.go([&] {
          if (suspended_waits_reach(kWaiters)) suspended_when_it_ran = cascade::suspended_waits();
          woken_when_it_ran = woken.load();
          parent.cancel(release);
        });
      context.wait();
      woken.fetch_add(1);
    });
  EXPECT_TRUE(is_success(waiters.wait()));
  EXPECT_TRUE(is_success(further.wait()));
  EXPECT_EQ(suspended_when_it_ran, kWaiters);
  EXPECT_EQ(woken_when_it_ran, 0);
  EXPECT_EQ(woken.load(), kWaiters);
  EXPECT_TRUE(is_cancelled_because_of(parent.context, release)) << "woken by the watchdog";
  EXPECT_EQ(cascade::suspended_waits(), 0);
}

TEST(ContextWait, ThousandWaitingTasksLeaveTheArenaFree) { waiters_leave_the_arena_free(); }

TEST(ContextWait, ThousandWaitingTasksLeaveATwoThreadArenaFree) {
  tbb::task_arena arena(2);
  arena.execute([] { waiters_leave_the_arena_free(); });
}

TEST(ContextWait, ReturnsAtOnceOnACancelledContext) {
  Watchdog watchdog;
  CancellableParent target(cascade::with_cancel(watchdog.context()));
  target.cancel();
  target.context.wait();
  EXPECT_TRUE(target.context.wait_for(0ns));
  bool in_task = false;
  Group group(Context::background());
  group.go([&] {
    target.context.wait();
    in_task = target.context.wait_for(kPatience);
  });
  EXPECT_TRUE(is_success(group.wait()));
  EXPECT_TRUE(in_task);
  EXPECT_FALSE(watchdog.fired());
}

// A task that waits first submits another task of its group: with one thread, that one can only
// run while the first is suspended.
TEST(ContextWait, WaitForTimesOutInsideATaskWhileOtherTasksRun) {
  Watchdog watchdog;
  CancellableParent target(cascade::with_cancel(watchdog.context()));
  std::atomic<bool> wait_returned{false};
  bool other_ran_during_the_wait = false;
  bool result = true;
  Clock::duration waited{};
  Group group(Context::background());
  group.go([&] {
    group.go([&] { other_ran_during_the_wait = !wait_returned.load(); });
    const auto start = Clock::now();
    result = target.context.wait_for(kTimeout);
    waited = Clock::now() - start;
    wait_returned = true;
  });
  EXPECT_TRUE(is_success(group.wait()));
  EXPECT_FALSE(result);
  EXPECT_GE(waited, kTimeout);
  EXPECT_TRUE(other_ran_during_the_wait);
  EXPECT_FALSE(target.context.cancelled());
}

TEST(ContextWait, WaitForInsideATaskReturnsTrueWhenCancelledInTime) {
  Watchdog watchdog;
  CancellableParent target(cascade::with_cancel(watchdog.context()));
  const Error cause = task_failure(2);
  bool result = false;
  Group group(Context::background());
  group.go([&] {
    group.go([&] { target.cancel(cause); });
    result = target.context.wait_for(kPatience);
  });
  EXPECT_TRUE(is_success(group.wait()));
  EXPECT_TRUE(result);
  EXPECT_TRUE(is_cancelled_because_of(target.context, cause)) << "woken by the watchdog";
}

// A thread oneTBB has never seen blocks, and stays unknown to oneTBB.
TEST(ContextWait, WaitForOnAPlainThreadTimesOutOrSeesTheCancel) {
  Watchdog watchdog;
  CancellableParent target(cascade::with_cancel(watchdog.context()));
  bool timed_out = false;
  bool cancelled_in_time = false;
  bool unknown_to_tbb = false;
  Clock::duration waited{};
  TimedLatch about_to_wait;
  {
    std::jthread waiter([&] {
      const auto start = Clock::now();
      timed_out = !target.context.wait_for(kTimeout);
      waited = Clock::now() - start;
      about_to_wait.count_down();
      cancelled_in_time = target.context.wait_for(kPatience);
      unknown_to_tbb =
          tbb::this_task_arena::current_thread_index() == tbb::task_arena::not_initialized;
    });
    about_to_wait.wait();
    target.cancel();
  }
  EXPECT_TRUE(timed_out);
  EXPECT_GE(waited, kTimeout);
  EXPECT_TRUE(cancelled_in_time);
  EXPECT_TRUE(unknown_to_tbb);
  EXPECT_FALSE(watchdog.fired());
}

TEST(ContextWait, WaitOnADeadlineContextWakesAtTheDeadline) {
  Watchdog watchdog;
  Error in_task;
  Clock::duration waited_in_task{};
  Group group(Context::background());
  group.go([&] {
    const auto start = Clock::now();
    CancellableParent timed(cascade::with_timeout(watchdog.context(), kTimeout));
    timed.context.wait();
    waited_in_task = Clock::now() - start;
    in_task = timed.context.err();
  });
  EXPECT_TRUE(is_success(group.wait()));
  EXPECT_TRUE(in_task.is<DeadlineExceeded>()) << describe(in_task);
  EXPECT_GE(waited_in_task, kTimeout);

  const auto start = Clock::now();
  CancellableParent timed(cascade::with_timeout(watchdog.context(), kTimeout));
  timed.context.wait();
  EXPECT_GE(Clock::now() - start, kTimeout);
  EXPECT_TRUE(timed.context.err().is<DeadlineExceeded>()) << describe(timed.context.err());
  EXPECT_FALSE(watchdog.fired());
}

// Any oneTBB task is suspended, not only cascade's.
TEST(ContextWait, WaitInsideAPlainTbbTaskSuspendsIt) {
  Watchdog watchdog;
  CancellableParent target(cascade::with_cancel(watchdog.context()));
  bool suspended_seen = false;
  bool woken = false;
  tbb::task_group tasks;
  tasks.run([&] {
    tasks.run([&] {
      suspended_seen = suspended_waits_reach(1);
      target.cancel();
    });
    target.context.wait();
    woken = true;
  });
  tasks.wait();
  EXPECT_TRUE(suspended_seen);
  EXPECT_TRUE(woken);
  EXPECT_FALSE(watchdog.fired());
}

// The third of three waiting tasks finds two suspended under a limit of 2: its wait throws, the
// failure cancels the group, and the other two wake.
TEST(ContextWait, SuspensionBeyondTheLimitFailsWithAnErrorNamingIt) {
#if defined(__SANITIZE_ADDRESS__)
  GTEST_SKIP() << "AddressSanitizer cannot see oneTBB's coroutine stacks (it warns that it "
                  "does not support swapcontext): the exception thrown on one here is reported "
                  "as a false stack-buffer-overflow (google/sanitizers#189); valgrind finds "
                  "nothing";
#endif
  const MaxSuspendedWaitsGuard restore;
  cascade::set_max_suspended_waits(2);
  ASSERT_EQ(cascade::suspended_waits(), 0);
  Watchdog watchdog;
  std::atomic<int> woken{0};
  Group group(watchdog.context());
  for (int i = 0; i < 3; ++i)
    group.go([&](const Context& context) {
      context.wait();
      woken.fetch_add(1);
    });
  const Error refused = group.wait();
  const auto* error = refused.as<std::system_error>();
  ASSERT_NE(error, nullptr) << describe(refused);
  EXPECT_EQ(error->code(), std::errc::resource_unavailable_try_again);
  const std::string message = error->what();
  EXPECT_NE(message.find("the limit of 2 suspended waits"), std::string::npos) << message;
  EXPECT_NE(message.find("cascade::set_max_suspended_waits"), std::string::npos) << message;
  EXPECT_EQ(woken.load(), 2);
  EXPECT_EQ(cascade::suspended_waits(), 0);
  EXPECT_FALSE(watchdog.fired());
}

void expect_refused_limit(int limit, const std::string& mentions) {
  try {
    cascade::set_max_suspended_waits(limit);
    ADD_FAILURE() << "set_max_suspended_waits(" << limit << ") did not throw";
  } catch (const std::invalid_argument& error) {
    const std::string message = error.what();
    EXPECT_NE(message.find("cascade::set_max_suspended_waits"), std::string::npos) << message;
    EXPECT_NE(message.find(mentions), std::string::npos) << message;
  }
}

TEST(ContextWait, LimitOnSuspendedWaitsIsValidated) {
  const MaxSuspendedWaitsGuard restore;
  EXPECT_EQ(cascade::max_suspended_waits(), 16384);
  expect_refused_limit(0, "the limit is 0");
  expect_refused_limit(-1, "the limit is -1");
  expect_refused_limit(INT_MAX, "vm.max_map_count");
  EXPECT_EQ(cascade::max_suspended_waits(), 16384);
  cascade::set_max_suspended_waits(1);
  EXPECT_EQ(cascade::max_suspended_waits(), 1);
}

// A go_blocking task runs outside TBB's tasks: its waits block its own thread. Under a limit of
// 1, taken by a suspended compute task, they still wait (for a time limit, then for a cancel)
// without counting as suspended, and wake.
TEST(ContextWait, WaitsInBlockingTasksBlockTheirThreadAndWake) {
  constexpr int kBlockingTasks = 2;
  const MaxSuspendedWaitsGuard restore;
  cascade::set_max_suspended_waits(1);
  Watchdog watchdog;
  CancellableParent target(cascade::with_cancel(watchdog.context()));
  std::atomic<int> timed_out{0};
  std::atomic<int> timed_waits_done{0};
  std::atomic<int> woken{0};
  Group group(watchdog.context());
  group.go([&] {
    for (int i = 0; i < kBlockingTasks; ++i)
      group.go_blocking([&] {
        if (!suspended_waits_reach(1)) return;
        if (!target.context.wait_for(kTimeout)) timed_out.fetch_add(1);
        EXPECT_EQ(cascade::suspended_waits(), 1);
        if (timed_waits_done.fetch_add(1) + 1 == kBlockingTasks) target.cancel();
        target.context.wait();
        woken.fetch_add(1);
      });
    target.context.wait();
    woken.fetch_add(1);
  });
  EXPECT_TRUE(is_success(group.wait()));
  EXPECT_EQ(timed_out.load(), kBlockingTasks);
  EXPECT_EQ(woken.load(), kBlockingTasks + 1);
  EXPECT_FALSE(watchdog.fired());
}

// A task resumes, maybe on another thread, still marked as running in its group: its own
// group's wait() is refused there, as before it waited.
TEST(ContextWait, TaskThatWaitedStillCannotWaitForItsOwnGroup) {
  constexpr int kTasks = 8;
  Watchdog watchdog;
  CancellableParent timed(cascade::with_timeout(watchdog.context(), kTimeout));
  std::atomic<int> refused{0};
  Group group;
  for (int i = 0; i < kTasks; ++i)
    group.go([&] {
      timed.context.wait();
      try {
        (void)group.wait();
      } catch (const std::logic_error&) {
        refused.fetch_add(1);
      }
    });
  EXPECT_TRUE(is_success(group.wait()));
  EXPECT_EQ(refused.load(), kTasks);
  EXPECT_FALSE(watchdog.fired());
}

// A task whose nested wait ran other tasks, and so may have picked up a resumed one and moved to
// another thread, still counts as running in its group. One group per task: a thread that
// carried another task's marks would not see its own group.
TEST(ContextWait, TaskStillMarkedAfterANestedWaitThatRanResumedTasks) {
  constexpr int kTasks = 8;
  constexpr int kWaitersEach = 8;
  Watchdog watchdog;
  CancellableParent timed(cascade::with_timeout(watchdog.context(), kTimeout));
  std::atomic<int> refused{0};
  std::array<Group, kTasks> groups;
  for (Group& group : groups)
    group.go([&] {
      Group inner;
      for (int i = 0; i < kWaitersEach; ++i) inner.go([&] { timed.context.wait(); });
      (void)inner.wait();
      try {
        (void)group.wait();
      } catch (const std::logic_error&) {
        refused.fetch_add(1);
      }
    });
  for (Group& group : groups) EXPECT_TRUE(is_success(group.wait()));
  EXPECT_EQ(refused.load(), kTasks);
  EXPECT_FALSE(watchdog.fired());
}

// The thread a task was suspended on keeps no mark of it: a task of another group that runs
// there meanwhile may wait for the suspended task's group.
TEST(ContextWait, ThreadOfASuspendedTaskMayWaitForItsGroup) {
  Watchdog watchdog;
  CancellableParent target(cascade::with_cancel(watchdog.context()));
  Error seen_by_other = task_failure(3);
  std::string refusal;
  Group suspended;
  Group other;
  suspended.go([&] {
    other.go([&] {
      target.cancel();
      try {
        seen_by_other = suspended.wait();
      } catch (const std::logic_error& error) {
        refusal = error.what();
      }
    });
    target.context.wait();
  });
  EXPECT_TRUE(is_success(suspended.wait()));
  EXPECT_TRUE(is_success(other.wait()));
  EXPECT_TRUE(is_success(seen_by_other));
  EXPECT_EQ(refusal, "");
  EXPECT_FALSE(watchdog.fired());
}

}  // namespace
