// Trees of groups: a failure travels up through nested groups as the same Error and cancels the
// other branches on its way (rule 10); a parent's cancellation cascades down into nested groups
// (rule 9); the parent is the Context the user passed, whichever thread, arena or TBB task group
// the group is created in (rule 11).

#include <gtest/gtest.h>

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include <oneapi/tbb/task_arena.h>
#include <oneapi/tbb/task_group.h>

#include "cascade/cascade.hpp"
#include "support/group_helpers.hpp"

namespace {

using cascade::Context;
using cascade::Error;
using Group = cascade::testing::TestGroup;
using cascade::testing::CancellableParent;
using cascade::testing::describe;
using cascade::testing::failure_id;
using cascade::testing::is_cancelled_because_of;
using cascade::testing::is_same_error;
using cascade::testing::is_success;
using cascade::testing::kPatience;
using cascade::testing::Leaf;
using cascade::testing::mentions;
using cascade::testing::run_nested;
using cascade::testing::task_failure;
using cascade::testing::TimedLatch;
using cascade::testing::Visit;

// Every context a chain visited, in the order of visits.
class VisitedContexts {
 public:
  Visit recorder() {
    return [this](const Context& context) {
      std::lock_guard lock(mutex_);
      contexts_.push_back(context);
    };
  }

  std::vector<Context> all() {
    std::lock_guard lock(mutex_);
    return contexts_;
  }

 private:
  std::mutex mutex_;
  std::vector<Context> contexts_;
};

// Groups hung off each level of a chain, kept alive and un-waited until the test waits for them
// itself, so they are still open when a failure travels up past their parent.
class SideBranches {
 public:
  Visit opener() {
    return [this](const Context& context) {
      auto branch = std::make_unique<Group>(context);
      branch->go([] {});
      std::lock_guard lock(mutex_);
      branches_.push_back(std::move(branch));
    };
  }

  std::vector<std::unique_ptr<Group>>& all() { return branches_; }

 private:
  std::mutex mutex_;
  std::vector<std::unique_ptr<Group>> branches_;
};

constexpr int kLevelsBelowTheRoot = 5;

TEST(GroupTree, LeafFailureFiveLevelsDownReturnsFromTheRootAsTheSameError) {
  const Error leaf_failure = task_failure(1);
  const CancellableParent parent;
  const Leaf failing_leaf = [&leaf_failure](const Context&) { return leaf_failure; };
  VisitedContexts visited;
  Group root(parent.context);
  root.go([&](const Context& context) {
    return run_nested(context, kLevelsBelowTheRoot - 1, failing_leaf, visited.recorder());
  });
  EXPECT_TRUE(is_same_error(root.wait(), leaf_failure));
  EXPECT_TRUE(is_cancelled_because_of(root.context(), leaf_failure));
  const std::vector<Context> levels = visited.all();
  ASSERT_EQ(levels.size(), static_cast<std::size_t>(kLevelsBelowTheRoot));
  for (std::size_t level = 0; level < levels.size(); ++level) {
    EXPECT_TRUE(is_cancelled_because_of(levels[level], leaf_failure)) << "level " << level + 1;
  }
  EXPECT_FALSE(parent.context.cancelled()) << "a failure must not cancel the root group's parent";
}

TEST(GroupTree, FailureCancelsEveryOtherBranchOnItsWayUp) {
  const Error leaf_failure = task_failure(2);
  const CancellableParent parent;
  SideBranches side_branches;
  const Visit open_side_branch = side_branches.opener();
  const Leaf failing_leaf = [&leaf_failure](const Context&) { return leaf_failure; };
  Group root(parent.context);
  root.go([&](const Context& context) {
    open_side_branch(context);
    return run_nested(context, kLevelsBelowTheRoot - 1, failing_leaf, open_side_branch);
  });
  EXPECT_TRUE(is_same_error(root.wait(), leaf_failure));

  auto& branches = side_branches.all();
  ASSERT_EQ(branches.size(), static_cast<std::size_t>(kLevelsBelowTheRoot + 1));
  for (std::size_t level = 0; level < branches.size(); ++level) {
    Group& branch = *branches[level];
    EXPECT_TRUE(is_cancelled_because_of(branch.context(), leaf_failure)) << "level " << level;
    const Error result = branch.wait();
    EXPECT_TRUE(!result || result == leaf_failure) << "level " << level << ": " << describe(result);
  }
}

TEST(GroupTree, SwallowedChildFailureDoesNotCancelTheParentGroup) {
  constexpr int kSiblings = 20;
  const Error child_failure = task_failure(3);
  const CancellableParent parent;
  Error child_result;
  std::atomic<int> siblings_ran{0};
  Group root(parent.context);
  root.go([&](const Context& context) {
    Group child(context);
    child.go([&child_failure] { return child_failure; });
    child_result = child.wait();
  });
  for (int i = 0; i < kSiblings; ++i) root.go([&siblings_ran] { siblings_ran.fetch_add(1); });
  EXPECT_TRUE(is_success(root.wait()));
  EXPECT_TRUE(is_same_error(child_result, child_failure));
  EXPECT_EQ(siblings_ran.load(), kSiblings);
  EXPECT_TRUE(mentions(root.context().cause(), "finished")) << describe(root.context().cause());
}

// A running leaf three levels down sees its parent's cancellation; a group it creates afterwards
// skips its task, and the cause comes back up through every wait() as the same Error.
TEST(GroupTree, ParentCancellationCascadesIntoNestedGroups) {
  const Error cause = task_failure(4);
  const CancellableParent parent;
  VisitedContexts visited;
  TimedLatch leaf_running;
  std::atomic<bool> leaf_saw_cancel{false};
  std::atomic<bool> late_task_ran{false};
  const Leaf leaf = [&](const Context& context) {
    leaf_running.count_down();
    leaf_saw_cancel = context.wait_for(kPatience);
    Group late(context);
    late.go([&late_task_ran] { late_task_ran = true; });
    return late.wait();
  };
  Group root(parent.context);
  root.go([&](const Context& context) { return run_nested(context, 2, leaf, visited.recorder()); });
  std::thread canceller([&] {
    leaf_running.wait();
    parent.cancel(cause);
  });
  const Error result = root.wait();
  canceller.join();
  EXPECT_TRUE(leaf_saw_cancel);
  EXPECT_FALSE(late_task_ran);
  EXPECT_TRUE(is_same_error(result, cause));
  EXPECT_EQ(visited.all().size(), 3U);
  for (const Context& level : visited.all()) EXPECT_TRUE(is_cancelled_because_of(level, cause));
}

// Runs `create_and_use` on a thread that is not one of the test's TBB threads.
void on_another_thread(const std::function<void()>& create_and_use) {
  std::thread other(create_and_use);
  other.join();
}

TEST(GroupTree, GroupCreatedOnAnotherThreadRunsTasksAndIsAChildOfTheGivenContext) {
  const CancellableParent parent;
  const std::size_t children_before = parent.context.child_count();
  std::atomic<int> ran{0};
  Error result = task_failure(0);
  std::size_t children_while_alive = 0;
  on_another_thread([&] {
    Group group(parent.context);
    children_while_alive = parent.context.child_count();
    for (int i = 0; i < 10; ++i) group.go([&ran] { ran.fetch_add(1); });
    result = group.wait();
  });
  EXPECT_TRUE(is_success(result));
  EXPECT_EQ(ran.load(), 10);
  EXPECT_EQ(children_while_alive, children_before + 1);
  EXPECT_EQ(parent.context.child_count(), children_before);
}

TEST(GroupTree, GroupCreatedOnAnotherThreadIsCancelledWithItsParent) {
  const Error cause = task_failure(5);
  const CancellableParent parent;
  TimedLatch created;
  TimedLatch parent_cancelled;
  Error result;
  bool cascaded = false;
  std::atomic<bool> ran{false};
  std::thread other([&] {
    Group group(parent.context);
    created.count_down();
    parent_cancelled.wait();
    cascaded = is_cancelled_because_of(group.context(), cause);
    group.go([&ran] { ran = true; });
    result = group.wait();
  });
  created.wait();
  parent.cancel(cause);
  parent_cancelled.count_down();
  other.join();
  EXPECT_TRUE(cascaded);
  EXPECT_FALSE(ran);
  EXPECT_TRUE(is_same_error(result, cause));
}

TEST(GroupTree, GroupCreatedInAnotherArenaIsAChildOfTheGivenContext) {
  const Error cause = task_failure(6);
  const CancellableParent parent;
  tbb::task_arena other_arena(2);
  std::atomic<int> ran{0};
  Error before_cancel = task_failure(0);
  Error after_cancel;
  other_arena.execute([&] {
    Group first(parent.context);
    for (int i = 0; i < 10; ++i) first.go([&ran] { ran.fetch_add(1); });
    before_cancel = first.wait();

    Group second(parent.context);
    parent.cancel(cause);
    second.go([&ran] { ran.fetch_add(100); });
    after_cancel = second.wait();
  });
  EXPECT_TRUE(is_success(before_cancel));
  EXPECT_EQ(ran.load(), 10);
  EXPECT_TRUE(is_same_error(after_cancel, cause));
}

// oneTBB binds a task_group created inside a task to the running task's TBB context; cascade must
// not: its tasks run although the enclosing tbb::task_group was cancelled.
TEST(GroupTree, GroupInsideACancelledTbbTaskGroupStillRunsItsTasks) {
  constexpr int kTasks = 10;
  const CancellableParent parent;
  std::atomic<int> ran{0};
  Error result = task_failure(0);
  tbb::task_group enclosing;
  enclosing.run([&] {
    enclosing.cancel();
    Group group(parent.context);
    for (int i = 0; i < kTasks; ++i) group.go([&ran] { ran.fetch_add(1); });
    result = group.wait();
  });
  EXPECT_EQ(enclosing.wait(), tbb::task_group_status::canceled);
  EXPECT_TRUE(is_success(result));
  EXPECT_EQ(ran.load(), kTasks);
}

TEST(GroupTree, CancellingAGroupDoesNotCancelTheEnclosingTbbTaskGroup) {
  std::atomic<int> ran{0};
  tbb::task_group enclosing;
  enclosing.run([&] {
    Group group;
    group.cancel();
    group.go([] {});
    (void)group.wait();
    enclosing.run([&ran] { ran.fetch_add(1); });
  });
  EXPECT_EQ(enclosing.wait(), tbb::task_group_status::complete);
  EXPECT_EQ(ran.load(), 1);
}

TEST(GroupTree, ErrorFromAZeroGroupInsideATaskTravelsUp) {
  const Error failure = task_failure(7);
  Group root;
  root.go([&failure] {
    Group inner;
    inner.go([&failure] { return failure; });
    return inner.wait();
  });
  EXPECT_TRUE(is_same_error(root.wait(), failure));
  EXPECT_EQ(failure_id(root.wait()), 7);
}

}  // namespace
