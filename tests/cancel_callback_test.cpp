// Context::on_cancel and CancelCallback (rule 14): exactly once, at once when already cancelled,
// never after stop() returned true or the registration was destroyed; stop() never waits; the
// destructor waits for a running function unless called from inside it.

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <latch>
#include <memory>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

#include "cascade/cascade.hpp"
#include "support/context_helpers.hpp"

namespace {

using namespace std::chrono_literals;
using cascade::CancelCallback;
using cascade::Context;
using cascade::testing::cancel_on_thread;
using cascade::testing::Cancellable;
using cascade::testing::child_of;
using cascade::testing::root_child;
using cascade::testing::run_on_threads;

using Clock = std::chrono::steady_clock;

// A callback body that blocks until the test releases it, and reports when it started and ended.
class BlockingFunction {
 public:
  auto body() {
    return [this] {
      started_.count_down();
      release_.wait();
      finished_.store(true);
    };
  }
  void wait_until_started() { started_.wait(); }
  void release() { release_.count_down(); }
  bool finished() const { return finished_.load(); }

 private:
  std::latch started_{1};
  std::latch release_{1};
  std::atomic<bool> finished_{false};
};

TEST(CancelCallback, RunsOnceWhenTheContextIsCancelled) {
  Cancellable parent = root_child();
  Cancellable context = child_of(parent.context);
  int runs = 0;
  const CancelCallback callback = context.context.on_cancel([&runs] { ++runs; });
  EXPECT_EQ(runs, 0);
  context.cancel();
  EXPECT_EQ(runs, 1);
  context.cancel();
  parent.cancel();
  EXPECT_EQ(runs, 1);
}

TEST(CancelCallback, RunsWhenAnAncestorIsCancelled) {
  Cancellable root = root_child();
  const cascade::testing::ContextTree tree(root.context, 1, 3);
  int runs = 0;
  const CancelCallback callback = tree.context(tree.size() - 1).on_cancel([&runs] { ++runs; });
  root.cancel();
  EXPECT_EQ(runs, 1);
}

TEST(CancelCallback, RunsOnTheCancellingThreadBeforeCancelReturns) {
  Cancellable context = root_child();
  std::thread::id ran_on;
  const CancelCallback callback =
      context.context.on_cancel([&ran_on] { ran_on = std::this_thread::get_id(); });
  bool ran_before_return = false;
  std::jthread canceller([&context, &ran_on, &ran_before_return] {
    context.cancel();
    ran_before_return = ran_on == std::this_thread::get_id();
  });
  canceller.join();
  EXPECT_TRUE(ran_before_return);
}

TEST(CancelCallback, RunsAtOnceOnTheCallingThreadWhenAlreadyCancelled) {
  Cancellable context = root_child();
  context.cancel();
  int runs = 0;
  std::thread::id ran_on;
  const CancelCallback callback = context.context.on_cancel([&] {
    ++runs;
    ran_on = std::this_thread::get_id();
  });
  EXPECT_EQ(runs, 1);
  EXPECT_EQ(ran_on, std::this_thread::get_id());
}

TEST(CancelCallback, NeverRunsOnBackground) {
  int runs = 0;
  const CancelCallback callback = Context::background().on_cancel([&runs] { ++runs; });
  Cancellable child = root_child();
  child.cancel();
  EXPECT_EQ(runs, 0);
}

TEST(CancelCallback, NeverRunsAfterStopReturnedTrue) {
  Cancellable context = root_child();
  int runs = 0;
  CancelCallback callback = context.context.on_cancel([&runs] { ++runs; });
  EXPECT_TRUE(callback.stop());
  context.cancel();
  EXPECT_EQ(runs, 0);
}

TEST(CancelCallback, SecondStopReturnsFalse) {
  Cancellable context = root_child();
  CancelCallback callback = context.context.on_cancel([] {});
  EXPECT_TRUE(callback.stop());
  EXPECT_FALSE(callback.stop());
}

TEST(CancelCallback, StopReturnsFalseOnceTheFunctionFinished) {
  Cancellable context = root_child();
  int runs = 0;
  CancelCallback callback = context.context.on_cancel([&runs] { ++runs; });
  context.cancel();
  EXPECT_FALSE(callback.stop());
  EXPECT_EQ(runs, 1);
}

TEST(CancelCallback, StopReturnsFalseAtOnceWhileTheFunctionRuns) {
  Cancellable context = root_child();
  BlockingFunction function;
  CancelCallback callback = context.context.on_cancel(function.body());
  std::jthread canceller = cancel_on_thread(context.cancel);
  function.wait_until_started();
  EXPECT_FALSE(callback.stop());
  EXPECT_FALSE(function.finished());  // stop() did not wait for the function
  function.release();
}

TEST(CancelCallback, StopOfAnEmptyRegistrationReturnsFalse) {
  CancelCallback empty;
  EXPECT_FALSE(empty.stop());
}

TEST(CancelCallback, NeverRunsAfterDestruction) {
  Cancellable context = root_child();
  int runs = 0;
  std::optional<CancelCallback> callback = context.context.on_cancel([&runs] { ++runs; });
  callback.reset();
  context.cancel();
  EXPECT_EQ(runs, 0);
}

TEST(CancelCallback, DestructorWaitsForTheFunctionRunningOnAnotherThread) {
  Cancellable context = root_child();
  BlockingFunction function;
  std::optional<CancelCallback> callback = context.context.on_cancel(function.body());
  std::jthread canceller = cancel_on_thread(context.cancel);
  function.wait_until_started();
  std::atomic<bool> destroyed{false};
  bool finished_when_destroyed = false;
  std::jthread destroyer([&] {
    callback.reset();
    finished_when_destroyed = function.finished();
    destroyed.store(true);
  });
  // While the function is blocked, the destructor must not return.
  bool returned_while_running = false;
  const auto watch_until = Clock::now() + 30ms;
  while (Clock::now() < watch_until && !returned_while_running) {
    returned_while_running = destroyed.load();
    std::this_thread::yield();
  }
  function.release();
  destroyer.join();
  EXPECT_FALSE(returned_while_running) << "the destructor returned while the function was running";
  EXPECT_TRUE(finished_when_destroyed);
}

TEST(CancelCallback, DestroyingTheRegistrationFromInsideTheFunctionDoesNotDeadlock) {
  Cancellable context = root_child();
  int runs = 0;
  std::optional<CancelCallback> callback;
  callback.emplace(context.context.on_cancel([&] {
    callback.reset();
    ++runs;
  }));
  context.cancel();
  EXPECT_EQ(runs, 1);
  EXPECT_FALSE(callback.has_value());
}

TEST(CancelCallback, StopFromInsideTheFunctionReturnsFalse) {
  Cancellable context = root_child();
  std::optional<bool> stopped;
  std::optional<CancelCallback> callback;
  callback.emplace(context.context.on_cancel([&] { stopped = callback->stop(); }));
  context.cancel();
  ASSERT_TRUE(stopped.has_value());
  EXPECT_FALSE(*stopped);
}

TEST(CancelCallback, StopRacingCancelPreventsTheCallExactlyWhenItReturnsTrue) {
  constexpr std::size_t kRounds = 500;
  for (std::size_t round = 0; round < kRounds; ++round) {
    Cancellable context = root_child();
    std::atomic<int> runs{0};
    CancelCallback callback = context.context.on_cancel([&runs] { runs.fetch_add(1); });
    bool stopped = false;
    run_on_threads(2, [&](std::size_t i) {
      if (i == 0) {
        context.cancel();
      } else {
        stopped = callback.stop();
      }
    });
    ASSERT_EQ(runs.load(), stopped ? 0 : 1) << "round " << round;
  }
}

TEST(CancelCallback, DestroyRacingCancelNeverLetsTheFunctionRunAfterwards) {
  constexpr std::size_t kRounds = 500;
  for (std::size_t round = 0; round < kRounds; ++round) {
    Cancellable context = root_child();
    std::atomic<int> runs{0};
    std::optional<CancelCallback> callback =
        context.context.on_cancel([&runs] { runs.fetch_add(1); });
    int runs_when_destroyed = -1;
    run_on_threads(2, [&](std::size_t i) {
      if (i == 0) {
        context.cancel();
      } else {
        callback.reset();
        runs_when_destroyed = runs.load();
      }
    });
    ASSERT_EQ(runs.load(), runs_when_destroyed) << "round " << round;
    ASSERT_LE(runs.load(), 1) << "round " << round;
  }
}

TEST(CancelCallback, RegistrationsRacingCancelEachRunExactlyOnce) {
  constexpr std::size_t kThreads = 4;
  constexpr std::size_t kPerThread = 500;
  Cancellable context = root_child();
  std::vector<std::atomic<int>> runs(kThreads * kPerThread);
  std::vector<std::vector<CancelCallback>> callbacks(kThreads);
  run_on_threads(kThreads + 1, [&](std::size_t thread) {
    if (thread == kThreads) {
      context.cancel();
      return;
    }
    for (std::size_t i = 0; i < kPerThread; ++i) {
      std::atomic<int>& counter = runs[thread * kPerThread + i];
      callbacks[thread].push_back(context.context.on_cancel([&counter] { counter.fetch_add(1); }));
    }
  });
  for (std::size_t i = 0; i < runs.size(); ++i) ASSERT_EQ(runs[i].load(), 1) << "callback " << i;
}

TEST(CancelCallback, ManyCallbacksOnOneContextEachRunOnce) {
  constexpr std::size_t kCallbacks = 100;
  Cancellable context = root_child();
  std::vector<int> runs(kCallbacks, 0);
  std::vector<CancelCallback> callbacks;
  for (std::size_t i = 0; i < kCallbacks; ++i) {
    callbacks.push_back(context.context.on_cancel([&runs, i] { ++runs[i]; }));
  }
  EXPECT_TRUE(callbacks[kCallbacks / 2].stop());
  context.cancel();
  for (std::size_t i = 0; i < kCallbacks; ++i) {
    EXPECT_EQ(runs[i], i == kCallbacks / 2 ? 0 : 1) << "callback " << i;
  }
}

TEST(CancelCallback, MovedRegistrationStillRunsAndTheMovedFromOneIsEmpty) {
  Cancellable context = root_child();
  int runs = 0;
  CancelCallback original = context.context.on_cancel([&runs] { ++runs; });
  CancelCallback moved = std::move(original);
  EXPECT_FALSE(original.stop());  // NOLINT(bugprone-use-after-move): moved-from is empty
  context.cancel();
  EXPECT_EQ(runs, 1);
  EXPECT_FALSE(moved.stop());
}

TEST(CancelCallback, MoveAssignmentDeregistersTheReplacedFunction) {
  Cancellable first = root_child();
  Cancellable second = root_child();
  int first_runs = 0;
  int second_runs = 0;
  CancelCallback callback = first.context.on_cancel([&first_runs] { ++first_runs; });
  callback = second.context.on_cancel([&second_runs] { ++second_runs; });
  first.cancel();
  second.cancel();
  EXPECT_EQ(first_runs, 0);
  EXPECT_EQ(second_runs, 1);
}

TEST(CancelCallback, AcceptsAMoveOnlyMutableFunction) {
  Cancellable context = root_child();
  int seen = 0;
  const CancelCallback callback =
      context.context.on_cancel([owned = std::make_unique<int>(7), &seen]() mutable {
        seen = *owned;
        owned.reset();
      });
  context.cancel();
  EXPECT_EQ(seen, 7);
}

TEST(CancelCallback, DestroyingTheCancellerRunsTheFunction) {
  std::optional<Cancellable> context = root_child();
  int runs = 0;
  const CancelCallback callback = context->context.on_cancel([&runs] { ++runs; });
  context.reset();
  EXPECT_EQ(runs, 1);
}

}  // namespace
