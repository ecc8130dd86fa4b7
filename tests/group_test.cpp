// cascade::Group: the callables go() accepts, what wait() returns (rules 1, 2, 21), when the
// group's context is cancelled (rules 3, 4, 9), and which tasks are skipped (rules 5, 6).

#include <gtest/gtest.h>

#include <atomic>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include "cascade/cascade.hpp"
#include "support/group_helpers.hpp"
#include "support/test_threads.hpp"

namespace {

using cascade::Cancelled;
using cascade::Context;
using cascade::Error;
using Group = cascade::testing::TestGroup;
using cascade::testing::CancellableParent;
using cascade::testing::configured_threads;
using cascade::testing::describe;
using cascade::testing::failure_id;
using cascade::testing::has_spare_thread;
using cascade::testing::is_cancelled_because_of;
using cascade::testing::is_same_error;
using cascade::testing::is_success;
using cascade::testing::kPatience;
using cascade::testing::mentions;
using cascade::testing::task_failure;
using cascade::testing::TaskFailure;
using cascade::testing::TimedLatch;

struct NotAStdException {
  int code;
};

Error fails_with_seven() { return task_failure(7); }

// The most tasks that can have started before the main thread cancels, when every task blocks
// until the main thread lets it go: one per worker thread, none on the main thread.
int most_tasks_started_by_workers() { return configured_threads() - 1; }

// ---- callables --------------------------------------------------------------------------------

TEST(Group, RunsVoidTasksAndWaitsForAllOfThem) {
  constexpr std::size_t kTasks = 200;
  std::vector<std::size_t> squares(kTasks, 0);
  Group group;
  for (std::size_t i = 0; i < kTasks; ++i) {
    group.go([&squares, i] { squares[i] = i * i; });
  }
  EXPECT_TRUE(is_success(group.wait()));
  for (std::size_t i = 0; i < kTasks; ++i) EXPECT_EQ(squares[i], i * i) << "task " << i;
}

TEST(Group, ErrorReturningTaskThatSucceedsGivesSuccess) {
  Group group;
  std::atomic<bool> ran{false};
  group.go([&ran] {
    ran = true;
    return Error();
  });
  EXPECT_TRUE(is_success(group.wait()));
  EXPECT_TRUE(ran);
}

TEST(Group, NonZeroErrorCodeIsAFailureHoldingASystemErrorWithThatCode) {
  const std::error_code code = std::make_error_code(std::errc::timed_out);
  Group group;
  group.go([code] { return code; });
  const Error result = group.wait();
  const auto* system_error = result.as<std::system_error>();
  ASSERT_NE(system_error, nullptr) << describe(result);
  EXPECT_EQ(system_error->code(), code);
}

TEST(Group, ZeroErrorCodeIsSuccess) {
  Group group;
  std::atomic<bool> ran{false};
  group.go([&ran] {
    ran = true;
    return std::error_code();
  });
  EXPECT_TRUE(is_success(group.wait()));
  EXPECT_TRUE(ran);
}

TEST(Group, TasksTakingAContextReceiveTheGroupsContext) {
  const CancellableParent parent;
  Group group(parent.context);
  std::atomic<int> saw_group_context{0};
  const auto check = [&group, &saw_group_context](const Context& context) {
    if (context == group.context()) saw_group_context.fetch_add(1);
  };
  group.go([check](const Context& context) { check(context); });
  group.go([check](const Context& context) {
    check(context);
    return Error();
  });
  group.go([check](const Context& context) {
    check(context);
    return std::error_code();
  });
  EXPECT_TRUE(is_success(group.wait()));
  EXPECT_EQ(saw_group_context.load(), 3);
}

TEST(Group, ContextTakingTasksReportTheirFailures) {
  const std::error_code code = std::make_error_code(std::errc::io_error);
  Group error_group;
  error_group.go([](const Context&) { return task_failure(1); });
  EXPECT_EQ(failure_id(error_group.wait()), 1);

  Group code_group;
  code_group.go([code](const Context&) { return code; });
  const Error result = code_group.wait();
  ASSERT_TRUE(result.is<std::system_error>()) << describe(result);
  EXPECT_EQ(result.as<std::system_error>()->code(), code);

  Group throwing_group;
  throwing_group.go([](const Context&) { throw TaskFailure(3); });
  EXPECT_EQ(failure_id(throwing_group.wait()), 3);
}

TEST(Group, MutableLambdaMayChangeItsCaptures) {
  std::atomic<int> observed{0};
  Group group;
  group.go([count = 41, &observed]() mutable {
    ++count;
    observed = count;
  });
  EXPECT_TRUE(is_success(group.wait()));
  EXPECT_EQ(observed.load(), 42);
}

TEST(Group, MoveOnlyCaptureIsMovedIntoTheTask) {
  auto payload = std::make_unique<int>(7);
  std::atomic<int> observed{0};
  Group group;
  group.go([owned = std::move(payload), &observed]() mutable {
    *owned *= 6;
    observed = *owned;
  });
  EXPECT_TRUE(is_success(group.wait()));
  EXPECT_EQ(observed.load(), 42);
}

TEST(Group, AcceptsFunctionPointersAndNonEmptyStdFunctions) {
  Group group;
  Error (*pointer)() = &fails_with_seven;
  group.go(pointer);
  EXPECT_EQ(failure_id(group.wait()), 7);

  Group by_name;  // a function by name is a reference to it, never null
  by_name.go(fails_with_seven);
  EXPECT_EQ(failure_id(by_name.wait()), 7);

  std::atomic<bool> ran{false};
  Group function_group;
  const std::function<void(const Context&)> function = [&ran](const Context&) { ran = true; };
  function_group.go(function);
  EXPECT_TRUE(is_success(function_group.wait()));
  EXPECT_TRUE(ran);
}

// ---- failures (rules 1 and 21) ----------------------------------------------------------------

TEST(Group, WaitReturnsTheSameErrorObjectTheTaskReturned) {
  const Error failure = task_failure(11);
  Group group;
  group.go([failure] { return failure; });
  EXPECT_TRUE(is_same_error(group.wait(), failure));
}

TEST(Group, ThrownExceptionIsTheFailure) {
  Group group;
  group.go([] { throw TaskFailure(5); });
  const Error result = group.wait();
  EXPECT_EQ(failure_id(result), 5) << describe(result);
  EXPECT_EQ(result.message(), "task failure 5");
}

TEST(Group, ExceptionsOfAnyTypeAreFailures) {
  Group not_std_group;
  not_std_group.go([] { throw NotAStdException{17}; });
  const Error not_std = not_std_group.wait();
  ASSERT_TRUE(not_std.is<NotAStdException>()) << describe(not_std);
  EXPECT_EQ(not_std.as<NotAStdException>()->code, 17);

  Group string_group;
  string_group.go([] { throw std::string("thrown text"); });
  const Error text = string_group.wait();
  ASSERT_TRUE(text.is<std::string>()) << describe(text);
  EXPECT_EQ(*text.as<std::string>(), "thrown text");
}

TEST(Group, NonStdExceptionIsAFailureWithAReadableMessage) {
  Group group;
  group.go([] { throw 42; });
  const Error result = group.wait();
  ASSERT_TRUE(result);
  ASSERT_TRUE(result.is<int>());
  EXPECT_EQ(*result.as<int>(), 42);
  const std::string message = result.message();
  EXPECT_FALSE(message.empty());
  EXPECT_NE(message, "success");
  EXPECT_NE(message.find("int"), std::string::npos)
      << "message does not name the type: " << message;
}

// The first failure by completion wins: a second failure that completes after the first one
// cancelled the group must not replace it.
TEST(Group, FirstFailureByCompletionWins) {
  const Error early = task_failure(1);
  const Error late = task_failure(2);
  std::atomic<bool> late_completed{false};
  if (has_spare_thread()) {
    // The late task is running when the early one fails; it fails once it sees the cancellation.
    const CancellableParent parent;
    Group group(parent.context);
    group.go([&](const Context& context) {
      group.go([early] { return early; });
      const bool saw_cancel = context.wait_for(kPatience);
      late_completed = true;
      return saw_cancel ? late : task_failure(3);
    });
    EXPECT_TRUE(is_same_error(group.wait(), early));
  } else {
    // One thread: the late task can only start after the early one has completed.
    Group group;
    group.go([&] {
      group.go([&] {
        late_completed = true;
        return late;
      });
      return early;
    });
    EXPECT_TRUE(is_same_error(group.wait(), early));
  }
  EXPECT_TRUE(late_completed);
}

TEST(Group, WaitReportsTheCauseWhenSubmittedWorkWasSkipped) {
  const Error cause = task_failure(9);
  Group group;
  group.cancel(cause);
  std::atomic<bool> ran{false};
  group.go([&ran] { ran = true; });
  const Error result = group.wait();
  EXPECT_TRUE(is_same_error(result, cause));
  EXPECT_TRUE(is_same_error(result, group.context().cause()));
  EXPECT_FALSE(ran);
}

// ---- waiting again (rule 2) -------------------------------------------------------------------

TEST(Group, WaitMayBeCalledAgainAndReturnsTheSameResult) {
  const Error failure = task_failure(4);
  const CancellableParent parent;
  Group group(parent.context);
  group.go([failure] { return failure; });
  EXPECT_TRUE(is_same_error(group.wait(), failure));
  EXPECT_TRUE(is_same_error(group.wait(), failure));

  Group succeeding;
  succeeding.go([] {});
  EXPECT_TRUE(is_success(succeeding.wait()));
  EXPECT_TRUE(is_success(succeeding.wait()));
}

TEST(Group, ZeroGroupRunsTasksSubmittedAfterWaitAndKeepsTheFirstFailure) {
  const Error first = task_failure(1);
  const Error second = task_failure(2);
  Group group;
  group.go([] {});
  EXPECT_TRUE(is_success(group.wait()));

  group.go([first] { return first; });
  EXPECT_TRUE(is_same_error(group.wait(), first));

  std::atomic<bool> ran_after_failure{false};
  group.go([&ran_after_failure] { ran_after_failure = true; });
  EXPECT_TRUE(is_same_error(group.wait(), first));
  EXPECT_TRUE(ran_after_failure);

  group.go([second] { return second; });
  EXPECT_TRUE(is_same_error(group.wait(), first));
}

TEST(Group, SkipIsStickyAcrossWaits) {
  const Error cause = task_failure(8);
  Group group;
  group.cancel(cause);
  group.go([] {});
  EXPECT_TRUE(is_same_error(group.wait(), cause));
  EXPECT_TRUE(is_same_error(group.wait(), cause));
}

TEST(Group, GoAfterWaitOnAContextGroupIsSkippedWithTheGroupFinishedCause) {
  const CancellableParent parent;
  Group group(parent.context);
  group.go([] {});
  EXPECT_TRUE(is_success(group.wait()));

  std::atomic<bool> ran{false};
  group.go([&ran] { ran = true; });
  const Error result = group.wait();
  EXPECT_FALSE(ran);
  ASSERT_TRUE(result.is<Cancelled>()) << describe(result);
  EXPECT_TRUE(mentions(group.context().cause(), "finished")) << describe(group.context().cause());
  EXPECT_TRUE(is_same_error(result, group.context().cause()));
}

// ---- the context of Group(parent) (rule 3) ----------------------------------------------------

TEST(Group, FirstFailureCancelsTheContextAtOnceWithThatFailureAsCause) {
  const Error failure = task_failure(3);
  const CancellableParent parent;
  Group group(parent.context);
  std::atomic<bool> sibling_saw_cancel{false};
  std::atomic<bool> later_task_ran{false};
  if (has_spare_thread()) {
    // A running sibling observes the cancellation while the group is still working.
    group.go([&](const Context& context) {
      group.go([failure] { return failure; });
      sibling_saw_cancel = context.wait_for(kPatience);
    });
  } else {
    // One thread: a task submitted by the failing task starts after it failed, so it is skipped.
    group.go([&] {
      group.go([&later_task_ran] { later_task_ran = true; });
      return failure;
    });
  }
  EXPECT_TRUE(is_same_error(group.wait(), failure));
  EXPECT_TRUE(is_cancelled_because_of(group.context(), failure));
  EXPECT_TRUE(group.context().err().is<Cancelled>()) << describe(group.context().err());
  EXPECT_EQ(sibling_saw_cancel.load(), has_spare_thread());
  EXPECT_FALSE(later_task_ran);
  EXPECT_FALSE(parent.context.cancelled()) << "a group's failure must not cancel its parent";
}

TEST(Group, WaitCancelsTheContextWithAGroupFinishedCause) {
  const CancellableParent parent;
  Group group(parent.context);
  group.go([] {});
  EXPECT_FALSE(group.context().cancelled());
  EXPECT_TRUE(is_success(group.wait()));
  ASSERT_TRUE(group.context().cancelled());
  const Error cause = group.context().cause();
  EXPECT_TRUE(cause.is<Cancelled>()) << describe(cause);
  EXPECT_TRUE(mentions(cause, "finished")) << describe(cause);
  EXPECT_TRUE(group.context().err().is<Cancelled>());
  EXPECT_FALSE(parent.context.cancelled());
}

// ---- the context of Group() (rule 4) ----------------------------------------------------------

TEST(Group, ZeroGroupFailuresCancelNothing) {
  const Error failure = task_failure(6);
  constexpr int kSiblings = 100;
  std::atomic<int> siblings_ran{0};
  Group group;
  group.go([failure] { return failure; });
  for (int i = 0; i < kSiblings; ++i) group.go([&siblings_ran] { siblings_ran.fetch_add(1); });
  EXPECT_TRUE(is_same_error(group.wait(), failure));
  EXPECT_EQ(siblings_ran.load(), kSiblings);
  EXPECT_FALSE(group.context().cancelled());
}

TEST(Group, ZeroGroupContextIsCancelledOnlyByCancel) {
  Group group;
  group.go([] {});
  EXPECT_TRUE(is_success(group.wait()));
  EXPECT_FALSE(group.context().cancelled()) << "wait() of a Group() must not cancel its context";
  group.cancel();
  ASSERT_TRUE(group.context().cancelled());
  EXPECT_TRUE(group.context().cause().is<Cancelled>()) << describe(group.context().cause());
}

// ---- skipping (rules 5 and 6) -----------------------------------------------------------------

TEST(Group, TasksNotStartedWhenTheContextIsCancelledAreSkipped) {
  constexpr int kTasks = 1000;
  const Error cause = task_failure(5);
  TimedLatch gate;
  std::atomic<int> started{0};
  Group group;
  for (int i = 0; i < kTasks; ++i) {
    group.go([&] {
      started.fetch_add(1);
      gate.wait();
    });
  }
  group.cancel(cause);
  gate.count_down();
  EXPECT_TRUE(is_same_error(group.wait(), cause));
  EXPECT_LE(started.load(), most_tasks_started_by_workers());
}

// A skipped task's callable is destroyed unrun: a task whose captures have a destructor gives
// them up (its destructor runs), one whose captures are trivial is skipped without it; both count
// as skipped.
TEST(Group, SkippedTasksGiveUpTheirCapturesWithoutRunning) {
  constexpr int kTasks = 100;
  const auto token = std::make_shared<int>(0);
  std::atomic<int> ran{0};
  Group group;
  group.cancel();
  for (int i = 0; i < kTasks; ++i) {
    group.go([token, &ran] { ran.fetch_add(1); });
    group.go([&ran] { ran.fetch_add(1); });
  }
  EXPECT_TRUE(group.wait().is<Cancelled>());
  EXPECT_EQ(ran.load(), 0);
  EXPECT_EQ(token.use_count(), 1);
}

// Cancelling does not interrupt a running task. It ran to the end, failed nothing and nothing
// was skipped, so wait() reports success (rule 1).
TEST(Group, RunningTaskIsNotInterruptedAndSeesCancellation) {
  Group group;
  TimedLatch running;
  std::atomic<bool> saw_cancel{false};
  std::atomic<bool> finished{false};
  group.go([&](const Context& context) {
    running.count_down();
    saw_cancel = context.wait_for(kPatience);
    finished = true;
  });
  std::thread canceller([&] {
    running.wait();
    group.cancel();
  });
  const Error result = group.wait();
  canceller.join();
  EXPECT_TRUE(saw_cancel);
  EXPECT_TRUE(finished);
  EXPECT_TRUE(is_success(result));
}

TEST(Group, TaskFailingAfterTheGroupWasCancelledStillReportsItsFailure) {
  Group group;
  TimedLatch running;
  TimedLatch cancelled;
  group.go([&] {
    running.count_down();
    cancelled.wait();
    throw TaskFailure(6);
  });
  std::thread canceller([&] {
    running.wait();
    group.cancel(task_failure(99));
    cancelled.count_down();
  });
  const Error result = group.wait();
  canceller.join();
  EXPECT_EQ(failure_id(result), 6) << describe(result);
}

TEST(Group, TaskThatCancelsItsOwnGroupAndThrowsReportsItsFailure) {
  const CancellableParent parent;
  Group group(parent.context);
  group.go([&group] {
    group.cancel(task_failure(98));
    throw TaskFailure(7);
  });
  const Error result = group.wait();
  EXPECT_EQ(failure_id(result), 7) << describe(result);
}

// ---- the parent's cancellation (rule 9) -------------------------------------------------------

TEST(Group, ParentCancellationSkipsPendingTasksAndWaitReturnsTheParentsCause) {
  constexpr int kTasks = 200;
  const Error cause = task_failure(10);
  const CancellableParent parent;
  Group group(parent.context);
  TimedLatch gate;
  std::atomic<int> started{0};
  for (int i = 0; i < kTasks; ++i) {
    group.go([&] {
      started.fetch_add(1);
      gate.wait();
    });
  }
  parent.cancel(cause);
  EXPECT_TRUE(is_cancelled_because_of(group.context(), cause));
  gate.count_down();
  EXPECT_TRUE(is_same_error(group.wait(), cause));
  EXPECT_LE(started.load(), most_tasks_started_by_workers());
}

TEST(Group, GroupOnACancelledParentSkipsEveryTask) {
  const Error cause = task_failure(12);
  const CancellableParent parent;
  parent.cancel(cause);
  Group group(parent.context);
  EXPECT_TRUE(is_cancelled_because_of(group.context(), cause));
  std::atomic<int> ran{0};
  for (int i = 0; i < 10; ++i) group.go([&ran] { ran.fetch_add(1); });
  EXPECT_TRUE(is_same_error(group.wait(), cause));
  EXPECT_EQ(ran.load(), 0);
}

TEST(Group, FailureOfATaskBeatsTheParentsCause) {
  const Error cause = task_failure(13);
  const CancellableParent parent;
  Group group(parent.context);
  group.go([&] {
    parent.cancel(cause);
    throw TaskFailure(14);
  });
  group.go([] {});
  const Error result = group.wait();
  EXPECT_EQ(failure_id(result), 14) << describe(result);
  EXPECT_TRUE(is_cancelled_because_of(group.context(), cause));
}

}  // namespace
