// flat: one producer submits 1,000,000 empty tasks into one group, then waits.
#include <oneapi/tbb/task_group.h>

#include "arena.hpp"
#include "cascade/cascade.hpp"

namespace cascade_bench {
namespace {

constexpr int kTasks = 1'000'000;

void flat_tbb(benchmark::State&) {
  tbb::task_group group;
  for (int task = 0; task < kTasks; ++task) group.run([] {});
  group.wait();
}

void flat_cascade(benchmark::State& state) {
  cascade::Group group(cascade::Context::background());
  for (int task = 0; task < kTasks; ++task) group.go([] {});
  skip_on_failure(state, group.wait());
}

const bool registered =
    register_pair({.name = "flat", .counter = "ns_per_task", .items_per_iteration = kTasks},
                  flat_tbb, flat_cascade);

}  // namespace
}  // namespace cascade_bench
