#include <benchmark/benchmark.h>

#include "memory.hpp"

int main(int argc, char** argv) {
  if (const std::optional<int> status = cascade_bench::run_memory_probe_if_asked(argc, argv)) {
    return *status;
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
