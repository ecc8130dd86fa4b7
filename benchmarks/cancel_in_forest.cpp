// cancel_in_forest: cancels one leaf context while 10,000 other contexts are live: a root, 100
// branches under it, 99 leaves under each branch. Each iteration adds 64 leaves under the first
// branch, then times cancelling them one by one.
// - cascade: the leaves are with_cancel children, cancelled through their Cancellers.
// - oneTBB: the contexts are task_group_contexts bound by first use inside a task of their parent.
// Two shapes, the same on both sides: a leaf with no child of its own ("leaf_children:0"), and a
// leaf with one ("leaf_children:1"), whose cancel must reach that child. oneTBB cancels a context
// that never had children without looking further (its fast path); one that has had children takes
// the path that locks the process-wide propagation mutex and walks every live context.
#include <oneapi/tbb/task_group.h>

#include <array>
#include <cstddef>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "arena.hpp"
#include "cascade/cascade.hpp"
#include "helpers.hpp"

namespace cascade_bench {
namespace {

constexpr int kBranches = 100;
constexpr int kLeavesPerBranch = 99;
constexpr std::size_t kCancelsPerIteration = 64;

class TbbForest {
 public:
  TbbForest() {
    run_as_task_of(root_, [this] {
      for (int branch = 0; branch < kBranches; ++branch) {
        run_as_task_of(add(branches_), [this] {
          for (int leaf = 0; leaf < kLeavesPerBranch; ++leaf) run_as_task_of(add(leaves_), [] {});
        });
      }
    });
  }

  tbb::task_group_context& first_branch() { return *branches_.front(); }

 private:
  using Contexts = std::vector<std::unique_ptr<tbb::task_group_context>>;

  static tbb::task_group_context& add(Contexts& contexts) {
    return *contexts.emplace_back(std::make_unique<tbb::task_group_context>());
  }

  // Declared parents first: a bound context must be destroyed before its parent.
  tbb::task_group_context root_;
  Contexts branches_;
  Contexts leaves_;
};

// A cancelled leaf and its children (none, or one), declared so that the children are destroyed
// first.
template <std::size_t kChildren>
struct TbbLeaf {
  tbb::task_group_context context;
  std::array<tbb::task_group_context, kChildren> children;

  // The context the cancel must reach last: the child, or the leaf itself.
  tbb::task_group_context& deepest() {
    if constexpr (kChildren > 0) return children.back();
    return context;
  }
};

template <std::size_t kChildren>
MeasuredIteration cancel_in_tbb_forest(benchmark::State&) {
  auto forest = std::make_shared<TbbForest>();
  return [forest](benchmark::State& state) {
    std::array<TbbLeaf<kChildren>, kCancelsPerIteration> leaves;
    run_as_task_of(forest->first_branch(), [&leaves] {
      for (TbbLeaf<kChildren>& leaf : leaves) {
        run_as_task_of(leaf.context, [&leaf] {
          for (tbb::task_group_context& child : leaf.children) run_as_task_of(child, [] {});
        });
      }
    });
    const Clock::time_point start = Clock::now();
    for (TbbLeaf<kChildren>& leaf : leaves) leaf.context.cancel_group_execution();
    const std::chrono::nanoseconds elapsed = since(start);
    if (!leaves.back().deepest().is_group_execution_cancelled())
      state.SkipWithError("the cancellation did not reach the leaf's child");
    return elapsed;
  };
}

using CascadeNode = std::pair<cascade::Context, cascade::Canceller>;

class CascadeForest {
 public:
  CascadeForest() {
    for (int branch = 0; branch < kBranches; ++branch) {
      const cascade::Context& parent =
          branches_.emplace_back(cascade::with_cancel(root_.first)).first;
      for (int leaf = 0; leaf < kLeavesPerBranch; ++leaf) {
        leaves_.push_back(cascade::with_cancel(parent));
      }
    }
  }

  const cascade::Context& first_branch() const { return branches_.front().first; }

 private:
  CascadeNode root_ = cascade::with_cancel(cascade::Context::background());
  std::vector<CascadeNode> branches_;
  std::vector<CascadeNode> leaves_;
};

// A cancelled leaf and its children (none, or one).
template <std::size_t kChildren>
struct CascadeLeaf {
  CascadeNode node;
  std::array<CascadeNode, kChildren> children;

  const cascade::Context& deepest() const {
    if constexpr (kChildren > 0) return children.back().first;
    return node.first;
  }
};

template <std::size_t kChildren>
MeasuredIteration cancel_in_cascade_forest(benchmark::State&) {
  auto forest = std::make_shared<CascadeForest>();
  return [forest](benchmark::State& state) {
    std::array<CascadeLeaf<kChildren>, kCancelsPerIteration> leaves;
    for (CascadeLeaf<kChildren>& leaf : leaves) {
      leaf.node = cascade::with_cancel(forest->first_branch());
      for (CascadeNode& child : leaf.children) child = cascade::with_cancel(leaf.node.first);
    }
    const Clock::time_point start = Clock::now();
    for (CascadeLeaf<kChildren>& leaf : leaves) leaf.node.second();
    const std::chrono::nanoseconds elapsed = since(start);
    if (!leaves.back().deepest().cancelled())
      state.SkipWithError("the cancellation did not reach the leaf's child");
    return elapsed;
  };
}

template <std::size_t kChildren>
bool register_shape() {
  return register_prepared_pair({.name = "cancel_in_forest",
                                 .counter = "ns_per_cancel",
                                 .items_per_iteration = kCancelsPerIteration,
                                 .parameter = "leaf_children:" + std::to_string(kChildren)},
                                cancel_in_tbb_forest<kChildren>,
                                cancel_in_cascade_forest<kChildren>);
}

const bool registered = register_shape<0>() && register_shape<1>();

}  // namespace
}  // namespace cascade_bench
