// error_storm: 64 groups, one after another, of 512 empty tasks each, where the 128th task
// submitted fails: oneTBB's task throws and wait() rethrows; cascade's task returns an Error and
// wait() returns it. The rest of each group is skipped once it has failed.
#include <oneapi/tbb/task_group.h>

#include <algorithm>
#include <stdexcept>
#include <vector>

#include "arena.hpp"
#include "cascade/cascade.hpp"
#include "helpers.hpp"

namespace cascade_bench {
namespace {

constexpr int kGroups = 64;
constexpr int kTasksPerGroup = 512;
constexpr int kFailingTask = 127;

class StormFailure : public std::runtime_error {
 public:
  StormFailure() : std::runtime_error("the 128th task failed") {}
};

std::chrono::nanoseconds storm_tbb(benchmark::State& state) {
  int failures = 0;
  const Clock::time_point start = Clock::now();
  for (int group_index = 0; group_index < kGroups; ++group_index) {
    tbb::task_group group;
    for (int task = 0; task < kTasksPerGroup; ++task) {
      group.run([task] {
        if (task == kFailingTask) throw StormFailure();
      });
    }
    try {
      group.wait();
    } catch (const StormFailure&) {
      ++failures;
    }
  }
  const std::chrono::nanoseconds elapsed = since(start);
  if (failures != kGroups) state.SkipWithError("a group lost its failure");
  return elapsed;
}

std::chrono::nanoseconds storm_cascade(benchmark::State& state) {
  std::vector<cascade::Error> results;
  results.reserve(kGroups);
  const Clock::time_point start = Clock::now();
  for (int group_index = 0; group_index < kGroups; ++group_index) {
    cascade::Group group(cascade::Context::background());
    for (int task = 0; task < kTasksPerGroup; ++task) {
      group.go([task] {
        return task == kFailingTask ? cascade::Error::make(StormFailure()) : cascade::Error();
      });
    }
    results.push_back(group.wait());
  }
  std::chrono::nanoseconds elapsed = since(start);
  const auto kept_failure = [](const cascade::Error& result) { return result.is<StormFailure>(); };
  if (!std::all_of(results.begin(), results.end(), kept_failure)) {
    state.SkipWithError("a group lost its failure");
  }
  // Freeing the failures counts, as it does for TBB's exceptions, which die in its loop; the
  // check above (a rethrow per failure) does not.
  const Clock::time_point freeing = Clock::now();
  results.clear();
  elapsed += since(freeing);
  return elapsed;
}

const bool registered = register_measured_pair(
    {.name = "error_storm", .counter = "ns_per_group", .items_per_iteration = kGroups}, storm_tbb,
    storm_cascade);

}  // namespace
}  // namespace cascade_bench
