#pragma once

#include <oneapi/tbb/parallel_for.h>
#include <oneapi/tbb/task_group.h>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <vector>

#include "arena.hpp"
#include "cascade/cascade.hpp"

// Helpers that several workloads share; both variants of a workload use the same ones.
namespace cascade_bench {

// Busy-waits for about a microsecond: a loop the optimiser cannot remove, whose length is
// calibrated once per process.
void spin_one_microsecond();

// `count` non-negative ints drawn from a fixed seed: the same sequence on every run.
std::vector<int> fixed_seed_ints(std::size_t count);

// The time from `start` to now.
// The time from `start` to `end`, in nanoseconds.
inline std::chrono::nanoseconds between(Clock::time_point start, Clock::time_point end) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(end - start);
}

inline std::chrono::nanoseconds since(Clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - start);
}

// The median of `count` calls of measure(), each returning a time: a call that was preempted does
// not move it.
template <class Measure>
std::chrono::nanoseconds median_of(std::size_t count, const Measure& measure) {
  std::vector<std::chrono::nanoseconds> times(count);
  for (std::chrono::nanoseconds& time : times) time = measure();
  const auto middle = times.begin() + static_cast<std::ptrdiff_t>(count / 2);
  std::nth_element(times.begin(), middle, times.end());
  return *middle;
}

// Runs body() as a task of `context`, on this thread. A context not yet bound binds to the context
// of the task running here: the rule that makes a nested task_group a child of its caller's.
template <class Body>
void run_as_task_of(tbb::task_group_context& context, const Body& body) {
  tbb::parallel_for(
      0, 1, [&body](int) { body(); }, context);
}

// Runs leaf() inside `levels` nested task_groups, each one a task of the one above (0: here).
template <class Leaf>
void nest_tbb(int levels, const Leaf& leaf) {
  if (levels == 0) {
    leaf();
    return;
  }
  tbb::task_group group;
  group.run([levels, &leaf] { nest_tbb(levels - 1, leaf); });
  group.wait();
}

// Runs leaf(context) inside `levels` nested Groups, each one a task of the one above (0: here,
// with `context`). Returns the outermost group's result.
template <class Leaf>
cascade::Error nest_cascade(const cascade::Context& context, int levels, const Leaf& leaf) {
  if (levels == 0) {
    leaf(context);
    return {};
  }
  cascade::Group group(context);
  group.go([levels, &leaf](const cascade::Context& inner) {
    return nest_cascade(inner, levels - 1, leaf);
  });
  return group.wait();
}

}  // namespace cascade_bench
