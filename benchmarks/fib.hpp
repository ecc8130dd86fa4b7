#pragma once

// Nested fib, shared by the fib and fib_grain workloads: a group per node above the cutoff, which
// spawns fib(n-1) as a task of the node's group, computes fib(n-2) inline in the caller's context,
// and waits. At or below the cutoff the node computes serially.
#include <oneapi/tbb/task_group.h>

#include <cstdint>
#include <string>

#include "arena.hpp"
#include "cascade/cascade.hpp"

namespace cascade_bench::fib {

// The expected result, at compile time.
constexpr std::uint64_t expected(int n) {
  return n < 2 ? static_cast<std::uint64_t>(n) : expected(n - 1) + expected(n - 2);
}

// Internal nodes above the cutoff: the groups (and spawned tasks) one fib(n) creates.
constexpr double groups_of(int n, int cutoff) {
  return n < 2 || n <= cutoff ? 0.0 : 1.0 + groups_of(n - 1, cutoff) + groups_of(n - 2, cutoff);
}

// The serial part, on an input the optimiser cannot see: it cannot fold the recursion.
inline std::uint64_t serial(int n) {
  return n < 2 ? static_cast<std::uint64_t>(n) : serial(n - 1) + serial(n - 2);
}

inline std::uint64_t opaque_serial(int n) {
  benchmark::DoNotOptimize(n);
  return serial(n);
}

template <int kCutoff>
std::uint64_t with_tbb(int n) {
  if (n < 2) return static_cast<std::uint64_t>(n);
  if constexpr (kCutoff > 0) {
    if (n <= kCutoff) return opaque_serial(n);
  }
  std::uint64_t spawned = 0;
  tbb::task_group group;
  group.run([&spawned, n] { spawned = with_tbb<kCutoff>(n - 1); });
  const std::uint64_t inline_part = with_tbb<kCutoff>(n - 2);
  group.wait();
  return spawned + inline_part;
}

// `context` is the calling task's context: the node's group is its child, as a nested
// tbb::task_group binds to the context of the task that first uses it.
template <int kCutoff>
std::uint64_t with_cascade(const cascade::Context& context, int n) {
  if (n < 2) return static_cast<std::uint64_t>(n);
  if constexpr (kCutoff > 0) {
    if (n <= kCutoff) return opaque_serial(n);
  }
  std::uint64_t spawned = 0;
  cascade::Group group(context);
  group.go([&spawned, n](const cascade::Context& task_context) {
    spawned = with_cascade<kCutoff>(task_context, n - 1);
  });
  const std::uint64_t inline_part = with_cascade<kCutoff>(context, n - 2);
  group.wait().throw_if_error();
  return spawned + inline_part;
}

// Runs `fib` on an input the optimiser cannot see, keeps the result alive and checks it.
template <int kN, class Fib>
void measure(benchmark::State& state, Fib fib) {
  int n = kN;
  benchmark::DoNotOptimize(n);
  std::uint64_t result = fib(n);
  benchmark::DoNotOptimize(result);
  if (result != expected(kN)) state.SkipWithError("fib returned a wrong result");
}

// Registers the pair "<name>/tbb" and "<name>/cascade" for fib(kN) with this cutoff.
template <int kN, int kCutoff>
bool register_fib(const std::string& name) {
  return register_pair(
      {.name = name, .counter = "ns_per_group", .items_per_iteration = groups_of(kN, kCutoff)},
      [](benchmark::State& state) { measure<kN>(state, with_tbb<kCutoff>); },
      [](benchmark::State& state) {
        measure<kN>(state,
                    [](int n) { return with_cascade<kCutoff>(cascade::Context::background(), n); });
      });
}

}  // namespace cascade_bench::fib
