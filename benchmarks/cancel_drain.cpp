// cancel_drain: a group holds 100,000 queued tasks; the time from cancelling it until wait()
// returns, having skipped them. At 1 thread nothing runs before wait(); at 2 threads the first
// task holds the other thread until the producer has cancelled, so the rest stay queued.
#include <oneapi/tbb/task_group.h>

#include <atomic>

#include "arena.hpp"
#include "cascade/cascade.hpp"
#include "helpers.hpp"

namespace cascade_bench {
namespace {

constexpr int kTasks = 100'000;

// Holds whichever thread runs the first task until the producer has cancelled.
class Gate {
 public:
  void hold() const {
    while (!open_.load(std::memory_order_acquire)) {
    }
  }
  void open() { open_.store(true, std::memory_order_release); }

 private:
  std::atomic<bool> open_{false};
};

std::chrono::nanoseconds drain_tbb(benchmark::State& state) {
  Gate gate;
  tbb::task_group group;
  group.run([&gate] { gate.hold(); });
  for (int task = 1; task < kTasks; ++task) group.run([] {});
  const Clock::time_point start = Clock::now();
  group.cancel();
  gate.open();
  const tbb::task_group_status status = group.wait();
  const std::chrono::nanoseconds elapsed = since(start);
  if (status != tbb::task_group_status::canceled) {
    state.SkipWithError("the group was not cancelled");
  }
  return elapsed;
}

std::chrono::nanoseconds drain_cascade(benchmark::State& state) {
  Gate gate;
  cascade::Group group(cascade::Context::background());
  group.go([&gate] { gate.hold(); });
  for (int task = 1; task < kTasks; ++task) group.go([] {});
  const Clock::time_point start = Clock::now();
  group.cancel();
  gate.open();
  const cascade::Error result = group.wait();
  const std::chrono::nanoseconds elapsed = since(start);
  if (!result.is<cascade::Cancelled>()) state.SkipWithError("the group skipped no task");
  return elapsed;
}

const bool registered = register_measured_pair(
    {.name = "cancel_drain", .counter = "ns_per_task", .items_per_iteration = kTasks}, drain_tbb,
    drain_cascade);

}  // namespace
}  // namespace cascade_bench
