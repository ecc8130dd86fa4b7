// lifecycle: inside one task of an outer group, 100,000 times: create a child group, run one
// empty task in it, wait, destroy it. Running inside a task makes each group a real child (a
// tbb::task_group binds to the running task's context; a cascade::Group takes the task's
// Context), so the cost of joining and leaving the parent is measured.
#include <oneapi/tbb/task_group.h>

#include "arena.hpp"
#include "cascade/cascade.hpp"

namespace cascade_bench {
namespace {

constexpr int kGroups = 100'000;

void lifecycle_tbb(benchmark::State&) {
  tbb::task_group outer;
  outer.run([] {
    for (int round = 0; round < kGroups; ++round) {
      tbb::task_group child;
      child.run([] {});
      child.wait();
    }
  });
  outer.wait();
}

void lifecycle_cascade(benchmark::State& state) {
  cascade::Group outer(cascade::Context::background());
  outer.go([](const cascade::Context& context) -> cascade::Error {
    for (int round = 0; round < kGroups; ++round) {
      cascade::Group child(context);
      child.go([] {});
      if (cascade::Error failure = child.wait()) return failure;
    }
    return {};
  });
  skip_on_failure(state, outer.wait());
}

const bool registered =
    register_pair({.name = "lifecycle", .counter = "ns_per_group", .items_per_iteration = kGroups},
                  lifecycle_tbb, lifecycle_cascade);

}  // namespace
}  // namespace cascade_bench
