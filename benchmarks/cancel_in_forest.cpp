// cancel_in_forest: cancels one leaf context while 10,000 other contexts are live: a root, 100
// branches under it, 99 leaves under each branch. Each iteration adds 64 leaves under the first
// branch, then times cancelling them one by one.
// - cascade: the leaves are with_cancel children, cancelled through their Cancellers.
// - oneTBB: the contexts are task_group_contexts bound by first use inside a task of their parent;
//   each cancelled leaf has a child of its own, since only a context that has had children takes
//   the path that locks the process-wide propagation mutex and walks every live context.
#include <oneapi/tbb/task_group.h>

#include <array>
#include <memory>
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

struct TbbLeaf {
  tbb::task_group_context context;
  tbb::task_group_context child;  // destroyed first
};

MeasuredIteration cancel_in_tbb_forest(benchmark::State&) {
  auto forest = std::make_shared<TbbForest>();
  return [forest](benchmark::State& state) {
    std::array<TbbLeaf, kCancelsPerIteration> leaves;
    run_as_task_of(forest->first_branch(), [&leaves] {
      for (TbbLeaf& leaf : leaves) {
        run_as_task_of(leaf.context, [&leaf] { run_as_task_of(leaf.child, [] {}); });
      }
    });
    const Clock::time_point start = Clock::now();
    for (TbbLeaf& leaf : leaves) leaf.context.cancel_group_execution();
    const std::chrono::nanoseconds elapsed = since(start);
    if (!leaves.back().child.is_group_execution_cancelled()) {
      state.SkipWithError("the cancellation did not reach the leaf's child");
    }
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

MeasuredIteration cancel_in_cascade_forest(benchmark::State&) {
  auto forest = std::make_shared<CascadeForest>();
  return [forest](benchmark::State& state) {
    std::array<CascadeNode, kCancelsPerIteration> leaves;
    for (CascadeNode& leaf : leaves) leaf = cascade::with_cancel(forest->first_branch());
    const Clock::time_point start = Clock::now();
    for (CascadeNode& leaf : leaves) leaf.second();
    const std::chrono::nanoseconds elapsed = since(start);
    if (!leaves.back().first.cancelled()) state.SkipWithError("the leaf was not cancelled");
    return elapsed;
  };
}

const bool registered = register_prepared_pair({.name = "cancel_in_forest",
                                                .counter = "ns_per_cancel",
                                                .items_per_iteration = kCancelsPerIteration},
                                               cancel_in_tbb_forest, cancel_in_cascade_forest);

}  // namespace
}  // namespace cascade_bench
