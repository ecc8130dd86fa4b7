#include "helpers.hpp"

#include <algorithm>
#include <cstdint>
#include <random>

namespace cascade_bench {
namespace {

constexpr std::uint64_t kCalibrationIterations = 1U << 20;
constexpr int kCalibrationTries = 5;
constexpr std::uint_fast32_t kSeed = 20240601;

void spin(std::uint64_t iterations) {
  for (std::uint64_t iteration = 0; iteration < iterations; ++iteration) {
    benchmark::DoNotOptimize(iteration);
  }
}

// Loop iterations per microsecond, from the fastest of a few timed runs (the slower ones were
// interrupted).
std::uint64_t iterations_per_microsecond() {
  std::chrono::nanoseconds fastest = std::chrono::nanoseconds::max();
  for (int attempt = 0; attempt < kCalibrationTries; ++attempt) {
    const Clock::time_point start = Clock::now();
    spin(kCalibrationIterations);
    fastest = std::min(fastest, since(start));
  }
  const auto nanoseconds = static_cast<std::uint64_t>(std::max<std::int64_t>(fastest.count(), 1));
  return std::max<std::uint64_t>(kCalibrationIterations * 1000 / nanoseconds, 1);
}

}  // namespace

void spin_one_microsecond() {
  static const std::uint64_t iterations = iterations_per_microsecond();
  spin(iterations);
}

std::vector<int> fixed_seed_ints(std::size_t count) {
  std::mt19937 engine(kSeed);
  std::vector<int> values(count);
  std::generate(values.begin(), values.end(),
                [&engine] { return static_cast<int>(engine() >> 1); });
  return values;
}

}  // namespace cascade_bench
