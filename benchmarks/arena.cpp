#include "arena.hpp"

#include <oneapi/tbb/global_control.h>
#include <oneapi/tbb/parallel_for.h>
#include <oneapi/tbb/task_arena.h>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

namespace cascade_bench {
namespace {

constexpr int kMaxThreads = *std::max_element(kThreadCounts.begin(), kThreadCounts.end());

// Starts the arena's workers once, so that the first measured iteration does not pay for
// creating threads.
void warm_up(tbb::task_arena& arena) {
  arena.initialize();
  arena.execute([] {
    tbb::parallel_for(0, 1024, [](int index) { benchmark::DoNotOptimize(index); });
  });
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

// Runs the benchmark loop inside the arena for state.range(0) threads, and reports the wall-clock
// time per item.
void run_in_warm_arena(benchmark::State& state, const Workload& workload, Iteration iteration) {
  std::chrono::steady_clock::duration measured{};
  warm_arena(static_cast<int>(state.range(0))).execute([&] {
    for (auto _ : state) {
      const auto start = std::chrono::steady_clock::now();
      iteration(state);
      measured += std::chrono::steady_clock::now() - start;
    }
  });
  const double items = static_cast<double>(state.iterations()) * workload.items_per_iteration;
  if (items <= 0.0) return;  // the run was skipped with an error
  const double nanoseconds = std::chrono::duration<double, std::nano>(measured).count();
  state.counters[std::string("ns_per_") + workload.item] = nanoseconds / items;
}

void register_variant(const Workload& workload, const char* variant, Iteration iteration) {
  benchmark::internal::Benchmark* benchmark = benchmark::RegisterBenchmark(
      (std::string(workload.name) + "/" + variant).c_str(),
      [workload, iteration](benchmark::State& state) {
        run_in_warm_arena(state, workload, iteration);
      });
  benchmark->ArgName("threads")->Unit(benchmark::kMillisecond);
  for (const int threads : kThreadCounts) benchmark->Arg(threads);
}

}  // namespace

bool register_pair(const Workload& workload, Iteration tbb_variant, Iteration cascade_variant) {
  register_variant(workload, "tbb", tbb_variant);
  register_variant(workload, "cascade", cascade_variant);
  return true;
}

void skip_on_failure(benchmark::State& state, const cascade::Error& result) {
  if (result) state.SkipWithError(("cascade reported a failure: " + result.message()).c_str());
}

}  // namespace cascade_bench
