#include "arena.hpp"

#include <oneapi/tbb/global_control.h>
#include <oneapi/tbb/parallel_for.h>
#include <oneapi/tbb/task_arena.h>

#include <algorithm>
#include <cstddef>
#include <memory>
#include <utility>

namespace cascade_bench {
namespace {

constexpr int kMaxThreads = *std::max_element(kThreadCounts.begin(), kThreadCounts.end());

// Starts the arena's workers once, so that the first measured iteration does not pay for
// creating threads.
void warm_up(tbb::task_arena& arena) {
  arena.initialize();
  arena.execute(
      [] { tbb::parallel_for(0, 1024, [](int index) { benchmark::DoNotOptimize(index); }); });
}

// One arena per thread count, created together on first use and kept for the whole process,
// under a parallelism limit that lets the largest arena fill all its slots.
class WarmArenas {
 public:
  WarmArenas() : parallelism_(tbb::global_control::max_allowed_parallelism, kMaxThreads) {
    for (std::size_t index = 0; index < kThreadCounts.size(); ++index) {
      arenas_[index] = std::make_unique<tbb::task_arena>(kThreadCounts[index]);
      warm_up(*arenas_[index]);
    }
  }

  tbb::task_arena& for_threads(int threads) {
    const auto* position = std::find(kThreadCounts.begin(), kThreadCounts.end(), threads);
    return *arenas_[static_cast<std::size_t>(position - kThreadCounts.begin())];
  }

 private:
  tbb::global_control parallelism_;  // declared first: it outlives the arenas
  std::array<std::unique_ptr<tbb::task_arena>, kThreadCounts.size()> arenas_;
};

tbb::task_arena& warm_arena(int threads) {
  static WarmArenas arenas;
  return arenas.for_threads(threads);
}

enum class Timing { whole_iteration, measured_part };

// Runs the benchmark loop inside the arena for the run's thread count, and reports the counted
// wall-clock time per item.
void run_in_warm_arena(benchmark::State& state, const Workload& workload, Timing timing,
                       const Prepare& prepare) {
  if (!workload.ratio_of.empty()) state.SetLabel("ratio_of=" + workload.ratio_of);
  std::chrono::nanoseconds counted{};
  warm_arena(threads_of(state)).execute([&] {
    const MeasuredIteration iteration = prepare(state);
    for (auto _ : state) {
      const std::chrono::nanoseconds part = iteration(state);
      counted += part;
      if (timing == Timing::measured_part) {
        state.SetIterationTime(std::chrono::duration<double>(part).count());
      }
    }
  });
  const double items = static_cast<double>(state.iterations()) * workload.items_per_iteration;
  if (workload.counter.empty() || items <= 0.0) return;  // no counter, or the run was skipped
  state.counters[workload.counter] = static_cast<double>(counted.count()) / items;
}

void register_variant(const Workload& workload, const char* variant, Timing timing,
                      Prepare prepare) {
  std::string name = workload.name + "/" + variant;
  if (!workload.parameter.empty()) name += "/" + workload.parameter;
  benchmark::internal::Benchmark* benchmark = benchmark::RegisterBenchmark(
      name.c_str(), [workload, timing, prepare = std::move(prepare)](benchmark::State& state) {
        run_in_warm_arena(state, workload, timing, prepare);
      });
  benchmark->ArgName("threads")->Unit(benchmark::kMillisecond);
  for (const int threads : workload.thread_counts) benchmark->Arg(threads);
  if (timing == Timing::measured_part) benchmark->UseManualTime();
  if (workload.iterations > 0) benchmark->Iterations(workload.iterations);
}

// The whole call of `iteration`, timed.
Prepare timed_whole(Iteration iteration) {
  return [iteration = std::move(iteration)](benchmark::State&) -> MeasuredIteration {
    return [iteration](benchmark::State& state) {
      const Clock::time_point start = Clock::now();
      iteration(state);
      return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - start);
    };
  };
}

// An iteration that needs nothing prepared.
Prepare unprepared(MeasuredIteration iteration) {
  return [iteration = std::move(iteration)](benchmark::State&) { return iteration; };
}

}  // namespace

bool register_pair(const Workload& workload, Iteration tbb_variant, Iteration cascade_variant) {
  register_variant(workload, "tbb", Timing::whole_iteration, timed_whole(std::move(tbb_variant)));
  register_variant(workload, "cascade", Timing::whole_iteration,
                   timed_whole(std::move(cascade_variant)));
  return true;
}

bool register_measured_pair(const Workload& workload, MeasuredIteration tbb_variant,
                            MeasuredIteration cascade_variant) {
  return register_prepared_pair(workload, unprepared(std::move(tbb_variant)),
                                unprepared(std::move(cascade_variant)));
}

bool register_prepared_pair(const Workload& workload, Prepare tbb_variant,
                            Prepare cascade_variant) {
  register_variant(workload, "tbb", Timing::measured_part, std::move(tbb_variant));
  register_variant(workload, "cascade", Timing::measured_part, std::move(cascade_variant));
  return true;
}

int threads_of(const benchmark::State& state) { return static_cast<int>(state.range(0)); }

void add_per_iteration(benchmark::State& state, const std::string& name, double value) {
  benchmark::Counter& counter = state.counters[name];
  counter.value += value;
  counter.flags = benchmark::Counter::kAvgIterations;
}

void skip_on_failure(benchmark::State& state, const cascade::Error& result) {
  if (result) state.SkipWithError(("cascade reported a failure: " + result.message()).c_str());
}

}  // namespace cascade_bench
