// The context tree: synchronous cascades (rule 7), children that never touch their parent and
// remove themselves (rule 8), the cause rules (rule 13), Canceller (rule 22) and without_cancel
// (rule 12, last sentence).

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <optional>
#include <utility>
#include <vector>

#include "cascade/cascade.hpp"
#include "support/context_helpers.hpp"

namespace {

using namespace std::chrono_literals;
using cascade::CancelCallback;
using cascade::Cancelled;
using cascade::Canceller;
using cascade::Context;
using cascade::DeadlineExceeded;
using cascade::Error;
using cascade::testing::Cancellable;
using cascade::testing::cancelled_with;
using cascade::testing::child_of;
using cascade::testing::ContextTree;
using cascade::testing::kFarDeadline;
using cascade::testing::live;
using cascade::testing::make_failure;
using cascade::testing::root_child;
using cascade::testing::run_on_threads;
using cascade::testing::timed_child;

// Registers on every node of `tree` a callback that counts its runs and counts the runs that saw
// a live node at or below its own.
class SubtreeObserver {
 public:
  explicit SubtreeObserver(const ContextTree& tree) {
    for (std::size_t node = 0; node < tree.size(); ++node) {
      callbacks_.push_back(tree.context(node).on_cancel([this, &tree, node] {
        if (tree.live_in_subtree(node) != 0) violations_.fetch_add(1);
        runs_.fetch_add(1);
      }));
    }
  }

  std::size_t runs() const { return runs_.load(); }
  std::size_t violations() const { return violations_.load(); }

 private:
  std::atomic<std::size_t> runs_{0};
  std::atomic<std::size_t> violations_{0};
  std::vector<CancelCallback> callbacks_;
};

// ---- rule 7: the cascade ------------------------------------------------------------------

TEST(ContextTree, CancelMarksEveryDescendantBeforeReturning) {
  const ContextTree tree(Context::background(), 3, 3);
  const Error cause = make_failure("root cancelled");
  tree.canceller(0)(cause);
  for (std::size_t node = 0; node < tree.size(); ++node) {
    EXPECT_TRUE(cancelled_with(tree.context(node), cause)) << "node " << node;
  }
}

TEST(ContextTree, CancelWithoutCauseGivesEveryDescendantTheSameCause) {
  const ContextTree tree(Context::background(), 3, 3);
  tree.canceller(0)();
  const Error root_cause = tree.context(0).cause();
  ASSERT_TRUE(root_cause.is<Cancelled>());
  for (std::size_t node = 1; node < tree.size(); ++node) {
    EXPECT_TRUE(cancelled_with(tree.context(node), root_cause)) << "node " << node;
  }
}

TEST(ContextTree, DescendantsOfACancelWithAFailureCauseReportCancelledAsErr) {
  const ContextTree tree(Context::background(), 2, 2);
  tree.canceller(0)(make_failure("a failure"));
  for (std::size_t node = 0; node < tree.size(); ++node) {
    EXPECT_TRUE(tree.context(node).err().is<Cancelled>()) << "node " << node;
    EXPECT_FALSE(tree.context(node).err().is<DeadlineExceeded>()) << "node " << node;
  }
}

TEST(ContextTree, CancellingAMiddleNodeCancelsOnlyItsSubtree) {
  const ContextTree tree(Context::background(), 3, 2);
  const std::size_t middle = 2;
  tree.canceller(middle)();
  for (std::size_t node = 0; node < tree.size(); ++node) {
    EXPECT_EQ(tree.context(node).cancelled(), tree.in_subtree(node, middle)) << "node " << node;
  }
}

TEST(ContextTree, OverlappingConcurrentCancelsHaveMarkedTheirSubtreesWhenTheyReturn) {
  constexpr std::size_t kRounds = 200;
  constexpr std::size_t kLeaves = 16;
  std::atomic<std::size_t> early_returns{0};
  std::atomic<std::size_t> broken_causes{0};
  for (std::size_t round = 0; round < kRounds; ++round) {
    // Below the root: tree node 0, above a large subtree, and a few leaves that keep the root's
    // cancel busy while another thread starts on node 0. A root cancel that then finds node 0
    // already being marked would return early if it did not wait for that subtree.
    const Cancellable root = root_child();
    const ContextTree tree(root.context, 4, 4);
    std::vector<Cancellable> leaves;
    for (std::size_t i = 0; i < kLeaves; ++i) leaves.push_back(child_of(root.context));
    std::vector<Error> causes(tree.size());
    causes[0] = make_failure("cancel of the middle node");
    causes[1] = make_failure("cancel of a lower node");
    const Error root_cause = make_failure("cancel of the root");
    run_on_threads(3, [&](std::size_t thread) {
      if (thread == 0) root.cancel(root_cause);
      if (thread == 1) tree.canceller(0)(causes[0]);
      if (thread == 2) tree.canceller(1)(causes[1]);
      if (tree.live_in_subtree(thread == 2 ? 1 : 0) != 0) early_returns.fetch_add(1);
    });
    if (!tree.causes_follow_the_tree(causes)) broken_causes.fetch_add(1);
  }
  EXPECT_EQ(early_returns.load(), 0U);
  EXPECT_EQ(broken_causes.load(), 0U);
}

TEST(ContextTree, CallbacksRunAfterTheWholeSubtreeIsMarked) {
  const ContextTree tree(Context::background(), 3, 3);
  std::size_t runs = 0;
  std::size_t saw_live_node = 0;
  std::vector<CancelCallback> callbacks;
  for (std::size_t node = 0; node < tree.size(); ++node) {
    callbacks.push_back(tree.context(node).on_cancel([&tree, &runs, &saw_live_node] {
      ++runs;
      if (tree.live_in_subtree(0) != 0) ++saw_live_node;
    }));
  }
  tree.canceller(0)();
  EXPECT_EQ(runs, tree.size());
  EXPECT_EQ(saw_live_node, 0U);
}

TEST(ContextTree, CallbacksSeeTheirSubtreeMarkedUnderConcurrentCancels) {
  constexpr std::size_t kRounds = 100;
  const std::vector<std::size_t> targets = {0, 1, 4, 2};
  for (std::size_t round = 0; round < kRounds; ++round) {
    const ContextTree tree(Context::background(), 3, 3);
    const SubtreeObserver observer(tree);
    run_on_threads(targets.size(), [&](std::size_t i) { tree.canceller(targets[i])(); });
    ASSERT_EQ(observer.runs(), tree.size()) << "round " << round;
    ASSERT_EQ(observer.violations(), 0U) << "round " << round;
  }
}

TEST(ContextTree, CallbackMayCreateChildrenOfTheCancelledContext) {
  Cancellable parent = root_child();
  std::optional<Cancellable> grandchild;
  std::size_t count_seen = 1;
  const CancelCallback callback = parent.context.on_cancel([&] {
    grandchild.emplace(child_of(parent.context));
    count_seen = parent.context.child_count();
  });
  parent.cancel(make_failure("parent cause"));
  ASSERT_TRUE(grandchild.has_value());
  EXPECT_TRUE(cancelled_with(grandchild->context, parent.context.cause()));
  EXPECT_EQ(count_seen, 0U);
}

TEST(ContextTree, CallbackMayCountChildrenOfEveryNode) {
  Cancellable root = root_child();
  Cancellable middle = child_of(root.context);
  Cancellable leaf = child_of(middle.context);
  std::size_t counts_read = 0;
  const CancelCallback callback = leaf.context.on_cancel([&] {
    for (const Context* node : {&root.context, &middle.context, &leaf.context}) {
      static_cast<void>(node->child_count());
      ++counts_read;
    }
  });
  middle.cancel();
  EXPECT_EQ(counts_read, 3U);
  EXPECT_EQ(root.context.child_count(), 0U);
  EXPECT_EQ(middle.context.child_count(), 0U);
}

TEST(ContextTree, CallbackMayCancelAnUnrelatedContext) {
  Cancellable first = root_child();
  Cancellable second = root_child();
  Cancellable second_child = child_of(second.context);
  const Error cause = make_failure("forwarded");
  const CancelCallback forward =
      first.context.on_cancel([&second, cause] { second.cancel(cause); });
  first.cancel();
  EXPECT_TRUE(cancelled_with(second.context, cause));
  EXPECT_TRUE(cancelled_with(second_child.context, cause));
}

TEST(ContextTree, CallbackMayCancelTheParentOfItsContext) {
  Cancellable parent = root_child();
  Cancellable child = child_of(parent.context);
  Cancellable sibling = child_of(parent.context);
  const Error upward = make_failure("upward");
  const CancelCallback callback =
      child.context.on_cancel([&parent, upward] { parent.cancel(upward); });
  child.cancel();
  EXPECT_TRUE(child.context.cause().is<Cancelled>());
  EXPECT_TRUE(cancelled_with(parent.context, upward));
  EXPECT_TRUE(cancelled_with(sibling.context, upward));
}

TEST(ContextTree, CallbackMayCancelNodesOfTheSameTree) {
  const ContextTree tree(Context::background(), 2, 2);
  const std::size_t leaf = tree.size() - 1;
  const CancelCallback callback = tree.context(1).on_cancel([&tree, leaf] {
    tree.canceller(leaf)();
    tree.canceller(0)();
  });
  tree.canceller(1)();
  EXPECT_EQ(tree.live_in_subtree(0), 0U);
}

TEST(ContextTree, CallbackMayRegisterAnotherCallback) {
  Cancellable context = root_child();
  int inner_runs = 0;
  std::optional<CancelCallback> inner;
  const CancelCallback outer = context.context.on_cancel(
      [&] { inner.emplace(context.context.on_cancel([&inner_runs] { ++inner_runs; })); });
  context.cancel();
  EXPECT_EQ(inner_runs, 1);
}

TEST(ContextTree, ChildOfACancelledParentIsBornCancelledWithTheParentsCause) {
  Cancellable parent = root_child();
  const Error cause = make_failure("parent gone");
  parent.cancel(cause);
  const Cancellable child = child_of(parent.context);
  EXPECT_TRUE(cancelled_with(child.context, cause));
  EXPECT_TRUE(child.context.err().is<Cancelled>());
  const Cancellable grandchild = child_of(child.context);
  EXPECT_TRUE(cancelled_with(grandchild.context, cause));
}

TEST(ContextTree, TimedChildOfACancelledParentIsBornCancelledWithTheParentsCause) {
  Cancellable parent = root_child();
  const Error cause = make_failure("parent gone");
  parent.cancel(cause);
  const Cancellable child = timed_child(parent.context, kFarDeadline);
  EXPECT_TRUE(cancelled_with(child.context, cause));
  EXPECT_FALSE(child.context.err().is<DeadlineExceeded>());
}

TEST(ContextTree, ChildBornCancelledIsNotRegistered) {
  Cancellable parent = root_child();
  parent.cancel();
  const Cancellable child = child_of(parent.context);
  EXPECT_EQ(parent.context.child_count(), 0U);
}

// ---- rule 8: children never touch their parent, and remove themselves ----------------------

TEST(ContextTree, CancellingAChildLeavesItsParentAndSiblingsLive) {
  Cancellable parent = root_child();
  Cancellable child = child_of(parent.context);
  Cancellable sibling = child_of(parent.context);
  Cancellable nephew = child_of(sibling.context);
  child.cancel(make_failure("child only"));
  EXPECT_TRUE(child.context.cancelled());
  EXPECT_TRUE(live(parent.context));
  EXPECT_TRUE(live(sibling.context));
  EXPECT_TRUE(live(nephew.context));
}

TEST(ContextTree, CancelledChildRemovesItselfWhileItsHandleLives) {
  Cancellable parent = root_child();
  Cancellable child = child_of(parent.context);
  Cancellable sibling = child_of(parent.context);
  ASSERT_EQ(parent.context.child_count(), 2U);
  child.cancel();
  EXPECT_EQ(parent.context.child_count(), 1U);
  sibling.cancel();
  EXPECT_EQ(parent.context.child_count(), 0U);
}

TEST(ContextTree, DestroyedChildRemovesItself) {
  Cancellable parent = root_child();
  {
    const Cancellable child = child_of(parent.context);
    ASSERT_EQ(parent.context.child_count(), 1U);
  }
  EXPECT_EQ(parent.context.child_count(), 0U);
}

TEST(ContextTree, ChildCountCountsOnlyDirectChildren) {
  Cancellable parent = root_child();
  Cancellable child = child_of(parent.context);
  Cancellable grandchild = child_of(child.context);
  Cancellable second_grandchild = child_of(child.context);
  EXPECT_EQ(parent.context.child_count(), 1U);
  EXPECT_EQ(child.context.child_count(), 2U);
  EXPECT_EQ(grandchild.context.child_count(), 0U);
}

TEST(ContextTree, CancelledParentHasNoChildrenLeft) {
  const ContextTree tree(Context::background(), 3, 2);
  ASSERT_EQ(tree.context(0).child_count(), 3U);
  tree.canceller(0)();
  for (std::size_t node = 0; node < tree.size(); ++node) {
    EXPECT_EQ(tree.context(node).child_count(), 0U) << "node " << node;
  }
}

TEST(ContextTree, ShortLivedChildrenDoNotAccumulateOnALongLivedParent) {
  constexpr std::size_t kChildren = 1'000'000;
  Cancellable parent = root_child();
  std::size_t most_seen = 0;
  for (std::size_t i = 0; i < kChildren; ++i) {
    const Cancellable child = child_of(parent.context);
    most_seen = std::max(most_seen, parent.context.child_count());
  }
  EXPECT_EQ(most_seen, 1U);
  EXPECT_EQ(parent.context.child_count(), 0U);
  EXPECT_TRUE(live(parent.context));
}

TEST(ContextTree, ShortLivedTimedChildrenDoNotAccumulateOnALongLivedParent) {
  constexpr std::size_t kChildren = 20'000;
  Cancellable parent = root_child();
  for (std::size_t i = 0; i < kChildren; ++i) {
    const auto timed = cascade::with_timeout(parent.context, kFarDeadline);
  }
  EXPECT_EQ(parent.context.child_count(), 0U);
}

TEST(ContextTree, ChildrenCreatedAndCancelledConcurrentlyLeaveNoneBehind) {
  constexpr std::size_t kThreads = 4;
  constexpr std::size_t kChildrenPerThread = 5'000;
  Cancellable parent = root_child();
  run_on_threads(kThreads, [&parent](std::size_t) {
    for (std::size_t i = 0; i < kChildrenPerThread; ++i) {
      const Cancellable child = child_of(parent.context);
    }
  });
  EXPECT_EQ(parent.context.child_count(), 0U);
  EXPECT_TRUE(live(parent.context));
}

// ---- rule 13: causes ----------------------------------------------------------------------

TEST(ContextTree, ParentCancelledFirstGivesParentAndChildTheParentsCause) {
  Cancellable parent = root_child();
  Cancellable child = child_of(parent.context);
  const Error parent_cause = make_failure("parent");
  parent.cancel(parent_cause);
  child.cancel(make_failure("child"));
  EXPECT_TRUE(cancelled_with(parent.context, parent_cause));
  EXPECT_TRUE(cancelled_with(child.context, parent_cause));
}

TEST(ContextTree, ChildCancelledFirstKeepsItsOwnCause) {
  Cancellable parent = root_child();
  Cancellable child = child_of(parent.context);
  const Error parent_cause = make_failure("parent");
  const Error child_cause = make_failure("child");
  child.cancel(child_cause);
  parent.cancel(parent_cause);
  EXPECT_TRUE(cancelled_with(parent.context, parent_cause));
  EXPECT_TRUE(cancelled_with(child.context, child_cause));
}

TEST(ContextTree, CauseWithoutAnExplicitCauseEqualsErr) {
  Cancellable context = root_child();
  context.cancel();
  EXPECT_TRUE(context.context.cause().is<Cancelled>());
  EXPECT_EQ(context.context.cause(), context.context.err());
}

TEST(ContextTree, ExplicitCauseDoesNotChangeErr) {
  Cancellable context = root_child();
  const Error cause = make_failure("explicit");
  context.cancel(cause);
  EXPECT_EQ(context.context.cause(), cause);
  EXPECT_NE(context.context.err(), cause);
  EXPECT_TRUE(context.context.err().is<Cancelled>());
}

// ---- rule 22: Canceller -------------------------------------------------------------------

TEST(Canceller, SecondCallIsANoOpAndTheFirstCauseWins) {
  Cancellable context = root_child();
  const Error first = make_failure("first");
  context.cancel(first);
  context.cancel(make_failure("second"));
  context.cancel();
  EXPECT_TRUE(cancelled_with(context.context, first));
}

TEST(Canceller, CallAfterTheParentCancelledIsANoOp) {
  Cancellable parent = root_child();
  Cancellable child = child_of(parent.context);
  Cancellable grandchild = child_of(child.context);
  const Error parent_cause = make_failure("parent");
  parent.cancel(parent_cause);
  child.cancel(make_failure("child, too late"));
  EXPECT_TRUE(cancelled_with(child.context, parent_cause));
  EXPECT_TRUE(cancelled_with(grandchild.context, parent_cause));
  EXPECT_TRUE(cancelled_with(parent.context, parent_cause));
}

TEST(Canceller, EmptyCauseMeansCancelled) {
  Cancellable context = root_child();
  context.cancel(Error());
  EXPECT_TRUE(context.context.cancelled());
  EXPECT_TRUE(context.context.cause().is<Cancelled>());
  EXPECT_FALSE(context.context.cause().is<DeadlineExceeded>());
  EXPECT_TRUE(context.context.err().is<Cancelled>());
}

TEST(Canceller, DestroyingItCancels) {
  Context context;
  {
    auto [child, cancel] = cascade::with_cancel(Context::background());
    context = child;
    EXPECT_FALSE(context.cancelled());
  }
  EXPECT_TRUE(context.cancelled());
  EXPECT_TRUE(context.cause().is<Cancelled>());
}

TEST(Canceller, MovedFromCancellerIsInert) {
  Cancellable context = root_child();
  {
    const Canceller moved = std::move(context.cancel);
    context.cancel();  // NOLINT(bugprone-use-after-move): a moved-from Canceller does nothing
    EXPECT_FALSE(context.context.cancelled());
  }
  EXPECT_TRUE(context.context.cancelled());
}

TEST(Canceller, DestroyingAMovedFromCancellerDoesNotCancel) {
  std::optional<Cancellable> context = root_child();
  const Context observed = context->context;
  const Canceller owner = std::move(context->cancel);
  context.reset();
  EXPECT_TRUE(live(observed));
}

TEST(Canceller, MoveAssignmentTransfersTheContext) {
  Cancellable context = root_child();
  Canceller target;
  target = std::move(context.cancel);
  EXPECT_FALSE(context.context.cancelled());
  target();
  EXPECT_TRUE(context.context.cancelled());
}

TEST(Canceller, DefaultConstructedCancelsNothing) {
  const Canceller nothing;
  EXPECT_NO_THROW(nothing());
  EXPECT_NO_THROW(nothing(make_failure("ignored")));
  EXPECT_TRUE(live(Context::background()));
}

TEST(Canceller, ConcurrentCallsAgreeOnOneCause) {
  constexpr std::size_t kThreads = 4;
  constexpr std::size_t kRounds = 100;
  for (std::size_t round = 0; round < kRounds; ++round) {
    const ContextTree tree(Context::background(), 2, 2);
    std::vector<Error> causes;
    for (std::size_t i = 0; i < kThreads; ++i) causes.push_back(make_failure("racing cause"));
    run_on_threads(kThreads, [&](std::size_t i) { tree.canceller(0)(causes[i]); });
    const Error winner = tree.context(0).cause();
    ASSERT_NE(std::find(causes.begin(), causes.end(), winner), causes.end());
    for (std::size_t node = 0; node < tree.size(); ++node) {
      ASSERT_TRUE(cancelled_with(tree.context(node), winner)) << "node " << node;
    }
  }
}

// ---- without_cancel -----------------------------------------------------------------------

TEST(WithoutCancel, IsNotCancelledWhenTheParentIs) {
  Cancellable parent = root_child();
  const Context detached = cascade::without_cancel(parent.context);
  parent.cancel(make_failure("parent"));
  EXPECT_TRUE(live(detached));
  EXPECT_FALSE(detached.wait_for(1ms));
}

TEST(WithoutCancel, OfACancelledParentIsLive) {
  Cancellable parent = root_child();
  parent.cancel(make_failure("parent"));
  EXPECT_TRUE(live(cascade::without_cancel(parent.context)));
}

TEST(WithoutCancel, HasNoDeadline) {
  auto [parent, cancel] = cascade::with_timeout(Context::background(), kFarDeadline);
  ASSERT_TRUE(parent.deadline().has_value());
  EXPECT_FALSE(cascade::without_cancel(parent).deadline().has_value());
}

TEST(WithoutCancel, ChildrenAreCancellableOnTheirOwnAndNotRegistered) {
  Cancellable parent = root_child();
  const Context detached = cascade::without_cancel(parent.context);
  Cancellable child = child_of(detached);
  EXPECT_EQ(detached.child_count(), 0U);
  parent.cancel();
  EXPECT_TRUE(live(child.context));
  const Error cause = make_failure("child");
  child.cancel(cause);
  EXPECT_TRUE(cancelled_with(child.context, cause));
  EXPECT_TRUE(live(detached));
}

}  // namespace
