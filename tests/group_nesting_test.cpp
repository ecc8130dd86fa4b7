// Nesting: a chain of 1,000 groups, each waited inside a task of the one above, works on the main
// thread and entirely on a TBB worker thread (rule 15); wait() on the task's own group, or on an
// ancestor from a nested task on the same thread, throws std::logic_error at once (rule 16).

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <functional>
#include <stdexcept>
#include <thread>

#include <oneapi/tbb/task_arena.h>

#include "cascade/cascade.hpp"
#include "support/group_helpers.hpp"
#include "support/test_threads.hpp"

namespace {

using cascade::Context;
using cascade::Error;
using Group = cascade::testing::TestGroup;
using cascade::testing::CancellableParent;
using cascade::testing::configured_threads;
using cascade::testing::describe;
using cascade::testing::is_same_error;
using cascade::testing::is_success;
using cascade::testing::Leaf;
using cascade::testing::run_nested;
using cascade::testing::task_failure;
using cascade::testing::TimedLatch;
using cascade::testing::Visit;

constexpr int kDepth = 1000;

// Where the levels of a chain ran.
struct ChainTrace {
  std::atomic<int> levels{0};
  std::atomic<int> levels_on_main_thread{0};
  std::thread::id main_thread = std::this_thread::get_id();

  Visit recorder() {
    return [this](const Context&) {
      levels.fetch_add(1);
      if (std::this_thread::get_id() == main_thread) levels_on_main_thread.fetch_add(1);
    };
  }
};

Error chain_of_depth(const Context& root, const Leaf& leaf, ChainTrace& trace) {
  return run_nested(root, kDepth - 1, leaf, trace.recorder());
}

Error succeeding_leaf(const Context&) { return Error(); }

// Runs `work` as a task enqueued into an arena with no slot for the main thread, so that a TBB
// worker thread (with its 4 MiB stack) runs it; the main thread only waits outside TBB.
void on_a_tbb_worker(const std::function<void()>& work) {
  tbb::task_arena workers_only(std::max(1, configured_threads() - 1), 0);
  TimedLatch done;
  workers_only.enqueue([&] {
    work();
    done.count_down();
  });
  done.wait();
}

TEST(GroupNesting, ThousandNestedGroupsFromTheMainThread) {
  const CancellableParent parent;
  ChainTrace trace;
  EXPECT_TRUE(is_success(chain_of_depth(parent.context, succeeding_leaf, trace)));
  EXPECT_EQ(trace.levels.load(), kDepth);
}

TEST(GroupNesting, ThousandNestedGroupsReturnTheLeafFailure) {
  const Error leaf_failure = task_failure(1);
  const CancellableParent parent;
  ChainTrace trace;
  const Leaf failing_leaf = [&leaf_failure](const Context&) { return leaf_failure; };
  EXPECT_TRUE(is_same_error(chain_of_depth(parent.context, failing_leaf, trace), leaf_failure));
  EXPECT_EQ(trace.levels.load(), kDepth);
}

TEST(GroupNesting, ThousandNestedGroupsEntirelyOnATbbWorkerThread) {
  const CancellableParent parent;
  ChainTrace trace;
  Error result = task_failure(0);
  on_a_tbb_worker([&] { result = chain_of_depth(parent.context, succeeding_leaf, trace); });
  EXPECT_TRUE(is_success(result));
  EXPECT_EQ(trace.levels.load(), kDepth);
  EXPECT_EQ(trace.levels_on_main_thread.load(), 0);
}

TEST(GroupNesting, ThousandNestedGroupsInsideATaskOfAnOuterGroup) {
  const Error leaf_failure = task_failure(2);
  const CancellableParent parent;
  ChainTrace trace;
  const Leaf failing_leaf = [&leaf_failure](const Context&) { return leaf_failure; };
  Group outer(parent.context);
  outer.go([&](const Context& context) { return chain_of_depth(context, failing_leaf, trace); });
  EXPECT_TRUE(is_same_error(outer.wait(), leaf_failure));
  EXPECT_EQ(trace.levels.load(), kDepth);
}

TEST(GroupNesting, WaitFromInsideItsOwnTaskThrowsLogicError) {
  Group group;
  std::atomic<bool> threw_logic_error{false};
  group.go([&] {
    try {
      (void)group.wait();
    } catch (const std::logic_error&) {
      threw_logic_error = true;
    }
  });
  EXPECT_TRUE(is_success(group.wait()));
  EXPECT_TRUE(threw_logic_error);
}

TEST(GroupNesting, UncaughtSelfWaitErrorIsTheTaskFailure) {
  const CancellableParent parent;
  Group group(parent.context);
  group.go([&group] { (void)group.wait(); });
  const Error result = group.wait();
  EXPECT_TRUE(result.is<std::logic_error>()) << describe(result);
}

// Waits on the ancestors of a task nested two groups down. Only a nested task that runs on the
// same thread as its ancestors' tasks waits: had another thread stolen one of them, the wait would
// be a real deadlock cycle that no thread can see, so such an attempt only counts as stolen.
struct AncestorWaits {
  std::atomic<int> same_thread_attempts{0};
  std::atomic<int> logic_errors{0};

  void try_wait(Group& ancestor) {
    try {
      (void)ancestor.wait();
    } catch (const std::logic_error&) {
      logic_errors.fetch_add(1);
    }
  }

  // outer's task opens `middle`, whose task opens `inner`, whose task waits on middle and outer.
  Error attempt(Group& outer, const Context& context) {
    const std::thread::id outer_thread = std::this_thread::get_id();
    Group middle(context);
    middle.go([&](const Context& middle_context) {
      if (std::this_thread::get_id() != outer_thread) return Error();
      Group inner(middle_context);
      inner.go([&] {
        if (std::this_thread::get_id() != outer_thread) return;
        same_thread_attempts.fetch_add(1);
        try_wait(middle);
        try_wait(outer);
      });
      return inner.wait();
    });
    return middle.wait();
  }
};

TEST(GroupNesting, WaitOnAnAncestorFromANestedTaskOnTheSameThreadThrowsLogicError) {
  constexpr int kMostAttempts = 100;
  AncestorWaits waits;
  Group outer;
  outer.go([&](const Context& context) {
    for (int i = 0; i < kMostAttempts && waits.same_thread_attempts.load() == 0; ++i) {
      const Error result = waits.attempt(outer, context);
      if (result) return result;
    }
    return Error();
  });
  EXPECT_TRUE(is_success(outer.wait()));
  ASSERT_GE(waits.same_thread_attempts.load(), 1) << "every nested task was stolen";
  EXPECT_EQ(waits.logic_errors.load(), 2 * waits.same_thread_attempts.load());
}

TEST(GroupNesting, WaitOnAnUnrelatedFinishedGroupFromATaskIsAllowed) {
  const Error failure = task_failure(3);
  Group finished;
  finished.go([&failure] { return failure; });
  EXPECT_TRUE(is_same_error(finished.wait(), failure));

  Error seen_from_task;
  Group group;
  group.go([&] { seen_from_task = finished.wait(); });
  EXPECT_TRUE(is_success(group.wait()));
  EXPECT_TRUE(is_same_error(seen_from_task, failure));
}

}  // namespace
