// tree: a binary tree of nested groups, 12 levels deep: each internal node is a group that runs
// its two children as tasks and waits; each of the 4,096 leaves busy-waits about 1 us.
#include <oneapi/tbb/task_group.h>

#include "arena.hpp"
#include "cascade/cascade.hpp"
#include "helpers.hpp"

namespace cascade_bench {
namespace {

constexpr int kDepth = 12;
constexpr double kLeaves = 1 << kDepth;

void subtree_tbb(int depth) {
  if (depth == 0) {
    spin_one_microsecond();
    return;
  }
  tbb::task_group group;
  group.run([depth] { subtree_tbb(depth - 1); });
  group.run([depth] { subtree_tbb(depth - 1); });
  group.wait();
}

cascade::Error subtree_cascade(const cascade::Context& context, int depth) {
  if (depth == 0) {
    spin_one_microsecond();
    return {};
  }
  cascade::Group group(context);
  const auto child = [depth](const cascade::Context& child_context) {
    return subtree_cascade(child_context, depth - 1);
  };
  group.go(child);
  group.go(child);
  return group.wait();
}

void tree_tbb(benchmark::State&) { subtree_tbb(kDepth); }

void tree_cascade(benchmark::State& state) {
  skip_on_failure(state, subtree_cascade(cascade::Context::background(), kDepth));
}

const bool registered =
    register_pair({.name = "tree", .counter = "ns_per_leaf", .items_per_iteration = kLeaves},
                  tree_tbb, tree_cascade);

}  // namespace
}  // namespace cascade_bench
