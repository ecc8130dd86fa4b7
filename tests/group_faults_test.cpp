// Bad input and faults (rules 18, 19, 20, 22): empty callables are refused at go(); a callable
// that cannot be moved or allocated fails go() and leaves the group usable; destroying a group
// without wait() cancels, joins and never throws; cancelling twice keeps the first cause.

#include <gtest/gtest.h>

#include <atomic>
#include <cstddef>
#include <functional>
#include <memory>
#include <new>
#include <stdexcept>
#include <string>
#include <thread>
#include <type_traits>

#include "cascade/cascade.hpp"
#include "support/group_helpers.hpp"

namespace {

using cascade::Cancelled;
using cascade::Context;
using cascade::Error;
using Group = cascade::testing::TestGroup;
using cascade::testing::CancellableParent;
using cascade::testing::describe;
using cascade::testing::failure_id;
using cascade::testing::has_spare_thread;
using cascade::testing::is_cancelled_because_of;
using cascade::testing::is_success;
using cascade::testing::kPatience;
using cascade::testing::mentions;
using cascade::testing::task_failure;
using cascade::testing::TaskFailure;
using cascade::testing::TimedLatch;
using cascade::testing::what_of_thrown;

static_assert(std::is_nothrow_destructible_v<Group>);

[[noreturn]] void raise_bad_alloc() { throw std::bad_alloc(); }
[[noreturn]] void raise_task_failure() { throw TaskFailure(19); }

// A task whose copy and move constructors throw, as when go() cannot store or move it.
class FailsToTransfer {
 public:
  FailsToTransfer(std::atomic<int>& runs, void (*raise)()) : runs_(&runs), raise_(raise) {}
  FailsToTransfer(const FailsToTransfer& other) : runs_(other.runs_), raise_(other.raise_) {
    raise_();
  }
  // NOLINTNEXTLINE(performance-noexcept-move-constructor): throwing here is what it is for
  FailsToTransfer(FailsToTransfer&& other) : runs_(other.runs_), raise_(other.raise_) { raise_(); }
  FailsToTransfer& operator=(const FailsToTransfer&) = delete;
  FailsToTransfer& operator=(FailsToTransfer&&) = delete;
  ~FailsToTransfer() = default;

  void operator()() const { runs_->fetch_add(1); }

 private:
  std::atomic<int>* runs_;
  void (*raise_)();
};

// ---- empty callables (rule 18) ----------------------------------------------------------------

TEST(GroupFaults, EmptyStdFunctionThrowsInvalidArgumentAtGo) {
  Group group;
  const std::function<void()> empty;
  const std::function<Error(const Context&)> empty_taking_context;
  EXPECT_THROW(group.go(empty), std::invalid_argument);
  EXPECT_THROW(group.go(empty_taking_context), std::invalid_argument);
  EXPECT_THROW((void)group.try_go(empty), std::invalid_argument);
  std::atomic<int> ran{0};
  group.go([&ran] { ran.fetch_add(1); });
  EXPECT_TRUE(is_success(group.wait()));
  EXPECT_EQ(ran.load(), 1);
}

TEST(GroupFaults, NullFunctionPointerThrowsInvalidArgumentAtGo) {
  Group group;
  void (*null_task)() = nullptr;
  Error (*null_task_taking_context)(const Context&) = nullptr;
  EXPECT_THROW(group.go(null_task), std::invalid_argument);
  EXPECT_THROW(group.go(null_task_taking_context), std::invalid_argument);
  EXPECT_THROW((void)group.try_go(null_task), std::invalid_argument);
  EXPECT_TRUE(is_success(group.wait()));
}

TEST(GroupFaults, RefusedEmptyCallableDoesNotTakeALimitSlot) {
  Group group;
  group.set_limit(1);
  const std::function<void()> empty;
  EXPECT_THROW((void)group.try_go(empty), std::invalid_argument);
  EXPECT_THROW(group.go(empty), std::invalid_argument);
  std::atomic<int> ran{0};
  EXPECT_TRUE(group.try_go([&ran] { ran.fetch_add(1); }));
  EXPECT_TRUE(is_success(group.wait()));
  EXPECT_EQ(ran.load(), 1);
}

// Each refusal names the call the caller made, not the one the library shares with it.
TEST(GroupFaults, ARefusalNamesTheCallThatWasMade) {
  Group group;
  const std::function<void()> empty;
  const auto names = [](const std::string& message, const std::string& call) {
    return message.find("cascade::Group::" + call + ":") != std::string::npos;
  };
  EXPECT_TRUE(names(what_of_thrown<std::invalid_argument>([&] { group.go(empty); }), "go"));
  EXPECT_TRUE(
      names(what_of_thrown<std::invalid_argument>([&] { (void)group.try_go(empty); }), "try_go"));
  EXPECT_TRUE(names(what_of_thrown<std::invalid_argument>([&] { group.go_blocking(empty); }),
                    "go_blocking"));
  EXPECT_TRUE(
      names(what_of_thrown<std::invalid_argument>([&] { (void)group.try_go_blocking(empty); }),
            "try_go_blocking"));
  group.set_limit(0);
  const std::string spawn_at_zero =
      what_of_thrown<std::logic_error>([&] { (void)group.spawn([] { return 1; }); });
  EXPECT_TRUE(names(spawn_at_zero, "go or spawn")) << spawn_at_zero;
  EXPECT_TRUE(is_success(group.wait()));
}

// ---- callables that cannot be stored (rule 19) ------------------------------------------------

// Two good tasks, then a failing submission, then two more: go() throws to its caller, the group
// stays usable, and wait() counts only the four tasks really submitted.
template <class Submit>
void expect_failed_submission_leaves_group_usable(Submit submit_failing) {
  const CancellableParent parent;
  std::atomic<int> good_runs{0};
  std::atomic<int> failing_runs{0};
  Group group(parent.context);
  const auto good = [&good_runs] { good_runs.fetch_add(1); };
  group.go(good);
  group.go(good);
  submit_failing(group, failing_runs);
  group.go(good);
  group.go(good);
  EXPECT_TRUE(is_success(group.wait())) << "a refused task is not a skipped one";
  EXPECT_EQ(good_runs.load(), 4);
  EXPECT_EQ(failing_runs.load(), 0);
}

TEST(GroupFaults, ThrowingMoveOfTheCallableReachesTheCallerOfGo) {
  expect_failed_submission_leaves_group_usable([](Group& group, std::atomic<int>& runs) {
    EXPECT_THROW(group.go(FailsToTransfer(runs, &raise_task_failure)), TaskFailure);
  });
}

TEST(GroupFaults, BadAllocInsideGoReachesTheCaller) {
  expect_failed_submission_leaves_group_usable([](Group& group, std::atomic<int>& runs) {
    const FailsToTransfer failing(runs, &raise_bad_alloc);
    EXPECT_THROW(group.go(failing), std::bad_alloc);
  });
}

TEST(GroupFaults, BadAllocInsideTryGoReachesTheCallerAndFreesTheSlot) {
  expect_failed_submission_leaves_group_usable([](Group& group, std::atomic<int>& runs) {
    EXPECT_THROW((void)group.try_go(FailsToTransfer(runs, &raise_bad_alloc)), std::bad_alloc);
  });

  std::atomic<int> runs{0};
  Group group;
  group.set_limit(1);
  EXPECT_THROW((void)group.try_go(FailsToTransfer(runs, &raise_bad_alloc)), std::bad_alloc);
  EXPECT_TRUE(group.try_go([&runs] { runs.fetch_add(1); })) << "the failed try_go kept the slot";
  EXPECT_TRUE(is_success(group.wait()));
  EXPECT_EQ(runs.load(), 1);
}

TEST(GroupFaults, FailedSubmissionAtTheLimitLeavesTheQueueWorking) {
  TimedLatch gate;
  std::atomic<int> runs{0};
  Group group;
  group.set_limit(1);
  group.go([&] {
    gate.wait();
    runs.fetch_add(1);
  });
  EXPECT_THROW(group.go(FailsToTransfer(runs, &raise_bad_alloc)), std::bad_alloc);
  group.go([&runs] { runs.fetch_add(1); });
  gate.count_down();
  EXPECT_TRUE(is_success(group.wait()));
  EXPECT_EQ(runs.load(), 2);
  EXPECT_TRUE(group.try_go([&runs] { runs.fetch_add(1); }));
  EXPECT_TRUE(is_success(group.wait()));
}

// ---- destruction (rule 20) --------------------------------------------------------------------

// The contexts of a Group(parent) and of a Group(), copied out before each group is destroyed.
struct ContextsOfDestroyedGroups {
  Context with_parent;
  Context without_parent;
};

void expect_destroyed_before_wait(const ContextsOfDestroyedGroups& contexts) {
  for (const Context& context : {contexts.with_parent, contexts.without_parent}) {
    ASSERT_TRUE(context.cancelled());
    EXPECT_TRUE(context.cause().is<Cancelled>()) << describe(context.cause());
    EXPECT_TRUE(mentions(context.cause(), "destroyed")) << describe(context.cause());
  }
}

TEST(GroupFaults, DestroyedWithoutWaitCancelsWithADestroyedBeforeWaitCause) {
  const CancellableParent parent;
  ContextsOfDestroyedGroups contexts;
  {
    Group group(parent.context);
    Group zero_group;
    contexts = {group.context(), zero_group.context()};
    group.go([] {});
    zero_group.go([] {});
    ASSERT_FALSE(contexts.with_parent.cancelled());
    ASSERT_FALSE(contexts.without_parent.cancelled());
  }
  expect_destroyed_before_wait(contexts);
  EXPECT_FALSE(parent.context.cancelled());
}

TEST(GroupFaults, EmptyGroupDestroyedWithoutWaitSaysSo) {
  const CancellableParent parent;
  ContextsOfDestroyedGroups contexts;
  {
    Group group(parent.context);
    Group zero_group;
    contexts = {group.context(), zero_group.context()};
  }
  expect_destroyed_before_wait(contexts);
}

// One task holds the only slot, the rest are queued. The destructor must cancel first (the task is
// released only once the context is cancelled), then wait for the running task, and drop the
// queued ones. With one thread (and no pool) nothing runs before the destructor, so everything is
// dropped.
TEST(GroupFaults, DestructorWaitsForTheRunningTaskAndDropsQueuedOnes) {
  constexpr int kQueued = 50;
  TimedLatch running;
  TimedLatch released;
  std::atomic<bool> running_task_finished{false};
  std::atomic<int> queued_ran{0};
  std::thread releaser;
  {
    Group group;
    group.set_limit(1);
    group.go([&] {
      running.count_down();
      released.wait();
      running_task_finished = true;
    });
    for (int i = 0; i < kQueued; ++i) group.go([&queued_ran] { queued_ran.fetch_add(1); });
    if (has_spare_thread()) running.wait();
    releaser = std::thread([&released, context = group.context()] {
      EXPECT_TRUE(context.wait_for(kPatience)) << "the destructor did not cancel";
      released.count_down();
    });
  }
  // A pool's worker may start the first task before the destructor whatever the pool's size.
  if (cascade::testing::harness_pool() == nullptr) {
    EXPECT_EQ(running_task_finished.load(), has_spare_thread());
  }
  EXPECT_EQ(queued_ran.load(), 0);
  releaser.join();
}

TEST(GroupFaults, DestroyingAGroupWithAFailedTaskDoesNotThrow) {
  const CancellableParent parent;
  TimedLatch failing;
  Context context;
  {
    Group group(parent.context);
    context = group.context();
    group.go([&failing] {
      failing.count_down();
      throw TaskFailure(20);
    });
    if (has_spare_thread()) failing.wait();
  }
  EXPECT_TRUE(context.cancelled());
  EXPECT_FALSE(parent.context.cancelled());
}

TEST(GroupFaults, ContextIsCancelledAndDetachedAfterACompletedWait) {
  const CancellableParent parent;
  const std::size_t children_before = parent.context.child_count();
  Context context;
  {
    Group group(parent.context);
    context = group.context();
    EXPECT_EQ(parent.context.child_count(), children_before + 1);
    group.go([] {});
    EXPECT_TRUE(is_success(group.wait()));
    EXPECT_TRUE(context.cancelled());
    EXPECT_EQ(parent.context.child_count(), children_before) << "a finished group stays attached";
  }
  EXPECT_TRUE(mentions(context.cause(), "finished")) << describe(context.cause());
  EXPECT_EQ(parent.context.child_count(), children_before);
  EXPECT_FALSE(parent.context.cancelled());
}

TEST(GroupFaults, ContextIsDetachedWhenDestroyedWithoutWait) {
  const CancellableParent parent;
  const std::size_t children_before = parent.context.child_count();
  Context context;
  {
    Group group(parent.context);
    context = group.context();
    group.go([] {});
    EXPECT_EQ(parent.context.child_count(), children_before + 1);
  }
  EXPECT_TRUE(context.cancelled());
  EXPECT_EQ(parent.context.child_count(), children_before);
}

TEST(GroupFaults, ManyShortLivedGroupsKeepTheParentsChildCountFlat) {
  const CancellableParent parent;
  const std::size_t children_before = parent.context.child_count();
  for (int i = 0; i < 2000; ++i) {
    Group group(parent.context);
    group.go([] {});
    (void)group.wait();
  }
  EXPECT_EQ(parent.context.child_count(), children_before);
}

TEST(GroupFaults, ZeroGroupContextEndsCancelledWhenTheGroupIsDestroyed) {
  Context context;
  {
    Group group;
    context = group.context();
    group.go([] {});
    EXPECT_TRUE(is_success(group.wait()));
    EXPECT_FALSE(context.cancelled());
  }
  EXPECT_TRUE(context.cancelled());
}

// ---- cancelling twice (rule 22) ---------------------------------------------------------------

TEST(CancellerFaults, CalledTwiceKeepsTheFirstCause) {
  const Error first = task_failure(1);
  auto [context, cancel] = cascade::with_cancel(Context::background());
  cancel(first);
  cancel(task_failure(2));
  cancel();
  EXPECT_TRUE(is_cancelled_because_of(context, first));
}

TEST(CancellerFaults, CalledAfterTheParentCancelledIsANoOp) {
  const Error parent_cause = task_failure(1);
  const CancellableParent parent;
  auto [child, cancel_child] = cascade::with_cancel(parent.context);
  parent.cancel(parent_cause);
  cancel_child(task_failure(2));
  EXPECT_TRUE(is_cancelled_because_of(child, parent_cause));
  EXPECT_TRUE(is_cancelled_because_of(parent.context, parent_cause));
}

TEST(CancellerFaults, GroupCancelCalledTwiceKeepsTheFirstCause) {
  const Error first = task_failure(1);
  const CancellableParent parent;
  Group group(parent.context);
  group.cancel(first);
  group.cancel(task_failure(2));
  group.cancel();
  EXPECT_TRUE(is_cancelled_because_of(group.context(), first));
  EXPECT_TRUE(is_success(group.wait())) << "nothing was submitted, so nothing was skipped";
}

TEST(CancellerFaults, GroupCancelAfterTheParentCancelledIsANoOp) {
  const Error parent_cause = task_failure(1);
  const CancellableParent parent;
  Group group(parent.context);
  parent.cancel(parent_cause);
  group.cancel(task_failure(2));
  EXPECT_TRUE(is_cancelled_because_of(group.context(), parent_cause));
  group.go([] {});
  EXPECT_EQ(failure_id(group.wait()), 1);
}

}  // namespace

namespace {

// A Group whose last owner is held by its own task's callable would be destroyed inside that
// task, where ~Group could only wait for itself: the process stops with a message, never hangs.
TEST(GroupFaultsDeathTest, GroupDestroyedByItsOwnTaskStopsWithAMessage) {
  ::testing::FLAGS_gtest_death_test_style = "threadsafe";
  EXPECT_DEATH(
      {
        static std::atomic<bool> local_owner_gone{false};
        auto group = std::make_shared<cascade::Group>();
        cascade::Group* const raw = group.get();
        group->go([last_owner = group] {
          while (!local_owner_gone.load()) std::this_thread::yield();
        });
        group.reset();  // the task's callable now holds the last owner
        local_owner_gone.store(true);
        (void)raw->wait();  // runs the task (at 1 thread), whose end destroys the group
      },
      "destroyed inside one of its own tasks");
}

}  // namespace
