#pragma once

#include <benchmark/benchmark.h>

#include <array>

#include "cascade/error.hpp"

// The shared harness of cascade_benchmarks: every workload is a pair of benchmarks, a plain
// oneTBB variant and a cascade variant, registered at each thread count as
// "<workload>/tbb/threads:N" and "<workload>/cascade/threads:N". The thread count selects a
// long-lived tbb::task_arena of that many slots, and the benchmark loop runs inside it.
//
// Names carry no "/real_time" suffix, so Google Benchmark's rate counters would divide by the
// main thread's CPU time; the harness therefore measures wall-clock time itself for the per-item
// counter. The reported "real_time" is wall clock as always, and it is what the ratios use.
namespace cascade_bench {

// The thread counts every workload runs at.
inline constexpr std::array<int, 2> kThreadCounts = {1, 2};

// One iteration of a workload variant, run inside the warm arena. It may call
// state.SkipWithError when a result is wrong.
using Iteration = void (*)(benchmark::State&);

// What one iteration of a workload does, for the per-item time counter.
struct Workload {
  const char* name;            // "flat": the first part of each benchmark name
  const char* item;            // "task": the counter is named "ns_per_task"
  double items_per_iteration;  // the counter reports iteration time divided by this
};

// Registers the pair for `workload` at every thread count. Returns true, so that a workload file
// can register itself from a namespace-scope initialiser.
bool register_pair(const Workload& workload, Iteration tbb_variant, Iteration cascade_variant);

// Marks the run as failed when a cascade group reported a failure (the timings are then void).
void skip_on_failure(benchmark::State& state, const cascade::Error& result);

}  // namespace cascade_bench
