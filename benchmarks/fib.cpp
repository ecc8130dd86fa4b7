// fib: fib(25) with a group per node: spawn fib(n-1) as a task of the node's group, compute
// fib(n-2) inline in the caller's context, wait. No cutoff, so every internal node is one group
// holding one task.
#include <oneapi/tbb/task_group.h>

#include <cstdint>

#include "arena.hpp"
#include "cascade/cascade.hpp"

namespace cascade_bench {
namespace {

constexpr int kN = 25;

constexpr std::uint64_t fib_serial(int n) {
  return n < 2 ? static_cast<std::uint64_t>(n) : fib_serial(n - 1) + fib_serial(n - 2);
}

// Internal nodes of the call tree: the groups (and spawned tasks) one fib(n) creates.
constexpr double groups_of(int n) {
  return n < 2 ? 0.0 : 1.0 + groups_of(n - 1) + groups_of(n - 2);
}

std::uint64_t fib_tbb(int n) {
  if (n < 2) return static_cast<std::uint64_t>(n);
  std::uint64_t spawned = 0;
  tbb::task_group group;
  group.run([&spawned, n] { spawned = fib_tbb(n - 1); });
  const std::uint64_t inline_part = fib_tbb(n - 2);
  group.wait();
  return spawned + inline_part;
}

// `context` is the calling task's context: the node's group is its child, as a nested
// tbb::task_group binds to the context of the task that first uses it.
std::uint64_t fib_cascade(const cascade::Context& context, int n) {
  if (n < 2) return static_cast<std::uint64_t>(n);
  std::uint64_t spawned = 0;
  cascade::Group group(context);
  group.go([&spawned, n](const cascade::Context& task_context) {
    spawned = fib_cascade(task_context, n - 1);
  });
  const std::uint64_t inline_part = fib_cascade(context, n - 2);
  group.wait().throw_if_error();
  return spawned + inline_part;
}

// Runs `fib` on an input the optimiser cannot see, keeps the result alive and checks it.
template <class Fib>
void measure_fib(benchmark::State& state, Fib fib) {
  int n = kN;
  benchmark::DoNotOptimize(n);
  std::uint64_t result = fib(n);
  benchmark::DoNotOptimize(result);
  if (result != fib_serial(kN)) state.SkipWithError("fib returned a wrong result");
}

void fib_tbb_variant(benchmark::State& state) { measure_fib(state, fib_tbb); }

void fib_cascade_variant(benchmark::State& state) {
  measure_fib(state, [](int n) { return fib_cascade(cascade::Context::background(), n); });
}

const bool registered =
    register_pair({"fib", "group", groups_of(kN)}, fib_tbb_variant, fib_cascade_variant);

}  // namespace
}  // namespace cascade_bench
