#include "core/cancellation_wait.hpp"

#include <atomic>
#include <chrono>
#include <semaphore>
#include <thread>

#include "core/stack_marks.hpp"
#include "pool/task_backend.hpp"

namespace cascade::detail {
namespace {

// Wakes one waiter, a suspended task or a blocked thread, when its context is cancelled (or when
// a callback's run ends: run_ended()). The state goes waiting -> woken (the waiter never slept,
// or blocks its thread), or waiting -> suspended -> woken. The wake-up can race with the
// suspension (it comes from another thread, at any moment): whichever of the two moves the state
// second resumes the task, so it is resumed exactly once and never left asleep.
class CancellationWaker final : public pool::Resumable, public RunWaiter {
 public:
  // The on_cancel callback: on the cancelling thread, or at once on the waiter's own thread. Its
  // last use of this object is the store to released_: a waiter that saw it may go (a suspended
  // task is resumed only after that store, so it cannot return before).
  void wake() noexcept {
    if (state_.exchange(kWoken, std::memory_order_acq_rel) == kSuspended) {
      const pool::SuspendedTask task = task_;  // published by suspending()'s exchange
      released_.store(true, std::memory_order_release);
      pool::resume_task(task);
      return;
    }
    state_.notify_one();  // a thread in block_thread(), if any
    released_.store(true, std::memory_order_release);
  }

  void run_ended() noexcept override { wake(); }

  bool woken() const noexcept { return state_.load(std::memory_order_acquire) == kWoken; }

  void suspending(pool::SuspendedTask task) noexcept override {
    task_ = task;  // published by the exchange below, read by wake() after its exchange
    int expected = kWaiting;
    if (!state_.compare_exchange_strong(expected, kSuspended, std::memory_order_acq_rel))
      pool::resume_task(task);  // woken since wait_for_cancellation() last looked
  }

  // Returns once woken, and once wake() no longer uses this object (it may then be destroyed).
  void block_thread() const noexcept {
    for (int state = state_.load(std::memory_order_acquire); state != kWoken;
         state = state_.load(std::memory_order_acquire))
      state_.wait(state, std::memory_order_acquire);
    wait_released();
  }

  // Returns once wake() no longer uses this object. Needed after a suspension too: wake() may
  // find the task not yet suspended, and suspending() then resumes it before wake() is done.
  void wait_released() const noexcept {
    while (!released_.load(std::memory_order_acquire)) std::this_thread::yield();  // a few stores
  }

 private:
  enum State : int { kWaiting, kSuspended, kWoken };
  std::atomic<int> state_{kWaiting};
  std::atomic<bool> released_{false};
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

void wait_until_run_ends(CallbackRecord& record) noexcept {
  if (record.state.load(std::memory_order_acquire) != CallbackRecord::kRunning) return;
  if (!pool::runs_tbb_task()) {
    for (int state = CallbackRecord::kRunning; state == CallbackRecord::kRunning;
         state = record.state.load(std::memory_order_acquire))
      record.state.wait(state, std::memory_order_acquire);
    return;
  }
  CancellationWaker waker;
  record.run_waiter.store(&waker);
  if (record.state.load() != CallbackRecord::kRunning &&
      record.run_waiter.exchange(nullptr) == &waker)
    return;  // ended, and the runner never took the waker
  // The runner calls run_ended() once, now or when the run ends.
  try {
    if (suspend_until_woken(waker)) {
      waker.wait_released();
      return;
    }
  } catch (...) {  // the suspended waits are at their limit, or a suspend point cannot be made
  }
  waker.block_thread();
}

bool block_until_cancelled(const Context& context, std::chrono::steady_clock::time_point time) {
  if (context.cancelled()) return true;
  std::binary_semaphore woken{0};  // outlives `wake`, whose destructor waits for a wake under way
  const CancelCallback wake = context.on_cancel([&woken]() noexcept { woken.release(); });
  return woken.try_acquire_until(time) || context.cancelled();
}

}  // namespace cascade::detail
