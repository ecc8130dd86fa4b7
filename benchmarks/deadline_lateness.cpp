// deadline_lateness: how late a deadline fires. A context with a 1 ms timeout (cascade: its
// on_cancel callback, run by the shared timer thread when the deadline passes) against the closest
// plain oneTBB equivalent: a thread that sleeps until the deadline and then cancels a
// tbb::task_group_context (TBB has no deadlines, so each needs a thread of its own). The time that
// counts is from the deadline to the moment the cancellation took effect.
#include <oneapi/tbb/task_group.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "arena.hpp"
#include "cascade/cascade.hpp"
#include "helpers.hpp"

namespace cascade_bench {
namespace {

constexpr std::chrono::milliseconds kTimeout{1};
constexpr benchmark::IterationCount kIterations = 200;

std::chrono::nanoseconds lateness_tbb(benchmark::State&) {
  tbb::task_group_context context(tbb::task_group_context::isolated);
  const Clock::time_point deadline = Clock::now() + kTimeout;
  Clock::time_point fired;
  std::thread timer([&] {
    std::this_thread::sleep_until(deadline);
    context.cancel_group_execution();
    fired = Clock::now();
  });
  timer.join();
  return between(deadline, fired);
}

std::chrono::nanoseconds lateness_cascade(benchmark::State& state) {
  auto [context, cancel] = cascade::with_timeout(cascade::Context::background(), kTimeout);
  const Clock::time_point deadline = *context.deadline();
  std::atomic<Clock::time_point> fired{};
  std::atomic<bool> done{false};
  const cascade::CancelCallback record = context.on_cancel([&] {
    fired.store(Clock::now());
    done.store(true);
    done.notify_one();
  });
  done.wait(false);
  if (!context.err().is<cascade::DeadlineExceeded>())
    state.SkipWithError("the deadline did not fire");
  return between(deadline, fired.load());
}

const bool registered = register_measured_pair(
    {.name = "deadline_lateness", .thread_counts = kSingleThread, .iterations = kIterations},
    lateness_tbb, lateness_cascade);

}  // namespace
}  // namespace cascade_bench
