#include "core/cancellation_wait.hpp"

#include <atomic>
#include <chrono>
#include <semaphore>

#include "core/stack_marks.hpp"
#include "pool/task_backend.hpp"

namespace cascade::detail {
namespace {

// Wakes one waiter, a suspended task or a blocked thread, when its context is cancelled. The
// state goes waiting -> woken (the waiter never slept, or blocks its thread), or waiting ->
// suspended -> woken. A cancellation can race with the suspension (the callback runs on the
// cancelling thread, at any moment): whichever of the two moves the state second resumes the
// task, so it is resumed exactly once and never left asleep.
class CancellationWaker final : public pool::Resumable {
 public:
  // The on_cancel callback: on the cancelling thread, or at once on the waiter's own thread.
  void wake() noexcept {
    if (state_.exchange(kWoken, std::memory_order_acq_rel) == kSuspended)
      pool::resume_task(task_);
    else
      state_.notify_one();  // a thread in block_thread(), if any
  }

  bool woken() const noexcept { return state_.load(std::memory_order_acquire) == kWoken; }

  void suspending(pool::SuspendedTask task) noexcept override {
    task_ = task;  // published by the exchange below, read by wake() after its exchange
    int expected = kWaiting;
    if (!state_.compare_exchange_strong(expected, kSuspended, std::memory_order_acq_rel))
      pool::resume_task(task);  // woken since wait_for_cancellation() last looked
  }

  void block_thread() const noexcept {
    for (int state = state_.load(std::memory_order_acquire); state != kWoken;
         state = state_.load(std::memory_order_acquire))
      state_.wait(state, std::memory_order_acquire);
  }

 private:
  enum State : int { kWaiting, kSuspended, kWoken };
  std::atomic<int> state_{kWaiting};
  pool::SuspendedTask task_ = nullptr;
};

// Suspends the calling task until `waker` resumes it; false when the thread runs no TBB task.
bool suspend_until_woken(CancellationWaker& waker) {
  const StackMarks marks(StackMarks::kLeavesStack);
  return pool::suspend_task(waker);
}

}  // namespace

void wait_for_cancellation(const Context& context) {
  if (context.cancelled()) return;
  CancellationWaker waker;  // outlives `wake`, whose destructor waits for a wake() under way
  const CancelCallback wake = context.on_cancel([&waker]() noexcept { waker.wake(); });
  if (waker.woken()) return;
  if (!suspend_until_woken(waker)) waker.block_thread();
}

bool block_until_cancelled(const Context& context, std::chrono::steady_clock::time_point time) {
  if (context.cancelled()) return true;
  std::binary_semaphore woken{0};  // outlives `wake`, whose destructor waits for a wake under way
  const CancelCallback wake = context.on_cancel([&woken]() noexcept { woken.release(); });
  return woken.try_acquire_until(time) || context.cancelled();
}

}  // namespace cascade::detail
