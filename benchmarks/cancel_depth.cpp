// cancel_depth: a task polls for cancellation at the bottom of D nested groups (D = 1, 8, 64:
// it is a task of the D-th group); the root group is cancelled; the latency is the time from the
// cancel call to the poller seeing it.
// - At 2 threads the poller runs on the worker and the main thread cancels once it polls.
// - At 1 thread no other thread can cancel while the poller runs, so the poller cancels the root
//   itself: the latency is then the time for the cancel call to reach depth D on the same thread.
// Each iteration reports the median of 8 measurements, so a preempted one does not count; the
// ratio compares these latencies (the label ratio_of=ns_latency says so).
#include <oneapi/tbb/task.h>
#include <oneapi/tbb/task_group.h>

#include <array>
#include <atomic>
#include <functional>
#include <string>
#include <thread>
#include <utility>

#include "arena.hpp"
#include "cascade/cascade.hpp"
#include "helpers.hpp"

namespace cascade_bench {
namespace {

constexpr std::array<int, 3> kDepths = {1, 8, 64};
constexpr std::size_t kMeasurementsPerIteration = 8;
constexpr benchmark::IterationCount kIterations = 25;

// One measurement, shared by the poller and the main thread.
class Latency {
 public:
  // The polling task. Alone (at 1 thread), it cancels the root itself; otherwise it tells the main
  // thread that it polls.
  template <class Cancelled, class CancelRoot>
  void poll(bool alone, const Cancelled& cancelled, const CancelRoot& cancel_root) {
    if (alone) {
      cancel_at_ = Clock::now();
      cancel_root();
    } else {
      polling_.store(true, std::memory_order_release);
    }
    while (!cancelled()) {
    }
    seen_at_ = Clock::now();
  }

  // The main thread, when it is not alone: cancels the root once the poller polls.
  template <class CancelRoot>
  void cancel_when_polling(const CancelRoot& cancel_root) {
    while (!polling_.load(std::memory_order_acquire)) std::this_thread::yield();
    cancel_at_ = Clock::now();
    cancel_root();
  }

  // Valid once the root's wait() returned.
  std::chrono::nanoseconds latency() const {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(seen_at_ - cancel_at_);
  }

 private:
  std::atomic<bool> polling_{false};
  Clock::time_point cancel_at_;
  Clock::time_point seen_at_;
};

std::chrono::nanoseconds once_tbb(bool alone, int depth) {
  Latency latency;
  tbb::task_group root;
  const auto cancel_root = [&root] { root.cancel(); };
  const auto poller = [&] {
    tbb::task_group_context* const context = tbb::task::current_context();  // fetched once
    latency.poll(
        alone, [context] { return context->is_group_execution_cancelled(); }, cancel_root);
  };
  root.run([depth, &poller] { nest_tbb(depth - 1, poller); });
  if (!alone) latency.cancel_when_polling(cancel_root);
  root.wait();
  return latency.latency();
}

std::chrono::nanoseconds once_cascade(bool alone, int depth) {
  Latency latency;
  cascade::Group root(cascade::Context::background());
  const auto cancel_root = [&root] { root.cancel(); };
  const auto poller = [&](const cascade::Context& context) {
    latency.poll(
        alone, [&context] { return context.cancelled(); }, cancel_root);
  };
  root.go([depth, &poller](const cascade::Context& context) {
    return nest_cascade(context, depth - 1, poller);
  });
  if (!alone) latency.cancel_when_polling(cancel_root);
  root.wait().throw_if_error();  // no task was skipped: every one was running
  return latency.latency();
}

// Each iteration records the median of its measurements in the counter ns_latency, which the
// ratio compares: the iteration's own time is mostly building the nested groups.
Iteration measuring(std::function<std::chrono::nanoseconds(bool alone)> once) {
  return [once = std::move(once)](benchmark::State& state) {
    const bool alone = threads_of(state) == 1;
    const std::chrono::nanoseconds latency =
        median_of(kMeasurementsPerIteration, [&] { return once(alone); });
    add_per_iteration(state, "ns_latency", static_cast<double>(latency.count()));
  };
}

bool register_depths() {
  for (const int depth : kDepths) {
    register_pair({.name = "cancel_depth",
                   .parameter = "depth:" + std::to_string(depth),
                   .iterations = kIterations,
                   .ratio_of = "ns_latency"},
                  measuring([depth](bool alone) { return once_tbb(alone, depth); }),
                  measuring([depth](bool alone) { return once_cascade(alone, depth); }));
  }
  return true;
}

const bool registered = register_depths();

}  // namespace
}  // namespace cascade_bench
