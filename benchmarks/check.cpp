// check: the cost of asking "am I cancelled?" from a task at the bottom of D nested groups
// (D = 1, 64): Context::cancelled() on the task's context (cascade) against
// task_group_context::is_group_execution_cancelled() on the task's context, which the task
// fetches once (oneTBB; tbb::is_current_task_group_canceling() would look the context up on every
// call, about three times the cost). The time counts a loop of 100,000 calls.
#include <oneapi/tbb/task.h>
#include <oneapi/tbb/task_group.h>

#include <array>
#include <string>

#include "arena.hpp"
#include "cascade/cascade.hpp"
#include "helpers.hpp"

namespace cascade_bench {
namespace {

constexpr std::array<int, 2> kDepths = {1, 64};
constexpr int kCalls = 100'000;

template <class Cancelled>
std::chrono::nanoseconds time_calls(const Cancelled& cancelled) {
  const Clock::time_point start = Clock::now();
  for (int call = 0; call < kCalls; ++call) benchmark::DoNotOptimize(cancelled());
  return since(start);
}

std::chrono::nanoseconds check_tbb(int depth) {
  std::chrono::nanoseconds elapsed{};
  tbb::task_group root;
  root.run([depth, &elapsed] {
    nest_tbb(depth - 1, [&elapsed] {
      tbb::task_group_context* const context = tbb::task::current_context();
      elapsed = time_calls([context] { return context->is_group_execution_cancelled(); });
    });
  });
  root.wait();
  return elapsed;
}

std::chrono::nanoseconds check_cascade(benchmark::State& state, int depth) {
  std::chrono::nanoseconds elapsed{};
  cascade::Group root(cascade::Context::background());
  root.go([depth, &elapsed](const cascade::Context& context) {
    return nest_cascade(context, depth - 1, [&elapsed](const cascade::Context& task_context) {
      elapsed = time_calls([&task_context] { return task_context.cancelled(); });
    });
  });
  skip_on_failure(state, root.wait());
  return elapsed;
}

bool register_depths() {
  for (const int depth : kDepths) {
    register_measured_pair(
        {.name = "check",
         .counter = "ns_per_call",
         .items_per_iteration = kCalls,
         .parameter = "depth:" + std::to_string(depth)},
        [depth](benchmark::State&) { return check_tbb(depth); },
        [depth](benchmark::State& state) { return check_cascade(state, depth); });
  }
  return true;
}

const bool registered = register_depths();

}  // namespace
}  // namespace cascade_bench
