#pragma once

#include <benchmark/benchmark.h>

#include <array>
#include <chrono>
#include <functional>
#include <span>
#include <string>

#include "cascade/error.hpp"

// The shared harness of cascade_benchmarks: every workload is a pair of benchmarks, a plain
// oneTBB variant and a cascade variant, registered at each thread count as
// "<workload>/tbb[/<parameter>]/threads:N" and "<workload>/cascade[/<parameter>]/threads:N". The
// thread count selects a long-lived tbb::task_arena of that many slots, and the benchmark loop
// runs inside it.
//
// A workload is timed in one of two ways:
// - whole iterations (register_pair): the reported "real_time" is the wall clock of the iteration;
// - a measured part (register_measured_pair, register_prepared_pair): each iteration times the
//   part that counts itself (a cancel, a drain, a loop of calls) and returns it; the benchmark
//   uses Google Benchmark's manual time ("/manual_time" is appended to its name), so the reported
//   "real_time" is that part alone.
// Either way the harness reports the workload's per-item counter (e.g. "ns_per_task") from the
// same wall-clock time, so that it does not depend on the main thread's CPU time.
namespace cascade_bench {

// The thread counts a workload runs at, unless it says otherwise.
inline constexpr std::array<int, 2> kThreadCounts = {1, 2};
inline constexpr std::array<int, 1> kSingleThread = {1};

using Clock = std::chrono::steady_clock;

// What a workload is called, what one iteration does, and how it is reported.
struct Workload {
  std::string name = {};     // "flat": the first part of each benchmark name
  std::string counter = {};  // "ns_per_task": the counted time per iteration over
                             // items_per_iteration; empty for none
  double items_per_iteration = 1.0;
  std::string parameter = {};  // "depth:8": a part of the name after the variant
  std::span<const int> thread_counts = kThreadCounts;
  benchmark::IterationCount iterations = 0;  // a fixed count; 0: as --benchmark_min_time asks
  std::string ratio_of = {};  // a counter that scripts/benchmark_ratios.py compares instead of
                              // the time (it is told through the label "ratio_of=<counter>")
};

// One iteration of a variant, timed whole by the harness. It may call state.SkipWithError when a
// result is wrong.
using Iteration = std::function<void(benchmark::State&)>;

// One iteration of a variant that returns the time that counts.
using MeasuredIteration = std::function<std::chrono::nanoseconds(benchmark::State&)>;

// Builds what a variant keeps across its iterations (once per run, inside the arena, untimed)
// and returns the iteration that uses it; the iteration is destroyed after the run, inside the
// arena.
using Prepare = std::function<MeasuredIteration(benchmark::State&)>;

// Register the pair for `workload` at each of its thread counts. They return true, so that a
// workload file can register itself from a namespace-scope initialiser.
bool register_pair(const Workload& workload, Iteration tbb_variant, Iteration cascade_variant);
bool register_measured_pair(const Workload& workload, MeasuredIteration tbb_variant,
                            MeasuredIteration cascade_variant);
bool register_prepared_pair(const Workload& workload, Prepare tbb_variant, Prepare cascade_variant);

// The thread count of the running benchmark (its "threads:N" argument).
int threads_of(const benchmark::State& state);

// Adds `value` to the counter `name`, which reports its mean per iteration.
void add_per_iteration(benchmark::State& state, const std::string& name, double value);

// Marks the run as failed when a cascade group reported a failure (the timings are then void).
void skip_on_failure(benchmark::State& state, const cascade::Error& result);

}  // namespace cascade_bench
