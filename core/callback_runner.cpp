#include "core/callback_runner.hpp"

namespace cascade::detail {

// The callbacks running on this thread, innermost first (a callback may cancel another context).
struct RunningCallback {
  const CallbackRecord* record;
  const RunningCallback* outer;
};

namespace {

thread_local const RunningCallback* innermost_running = nullptr;

void run_if_armed(CallbackRecord& record) noexcept {
  int expected = CallbackRecord::kArmed;
  if (!record.state.compare_exchange_strong(expected, CallbackRecord::kRunning,
                                            std::memory_order_acq_rel))
    return;
  const RunningCallback frame{&record, innermost_running};
  innermost_running = &frame;
  record.invoke();
  innermost_running = frame.outer;
  record.state.store(CallbackRecord::kFinished, std::memory_order_release);
  record.state.notify_all();
}

}  // namespace

void PendingCallbacks::splice(CallbackRecord* first, CallbackRecord* last) noexcept {
  if (first == nullptr) return;
  if (tail_ == nullptr)
    head_ = first;
  else
    tail_->next = first;
  tail_ = last;
}

void PendingCallbacks::run() noexcept {
  for (CallbackRecord* record = head_; record != nullptr;) {
    CallbackRecord* next = record->next;
    run_if_armed(*record);
    release(record);
    record = next;
  }
  head_ = tail_ = nullptr;
}

bool is_running_on_this_thread(const CallbackRecord& record) noexcept {
  for (const RunningCallback* frame = innermost_running; frame != nullptr; frame = frame->outer)
    if (frame->record == &record) return true;
  return false;
}

const RunningCallback* running_callbacks() noexcept { return innermost_running; }

void set_running_callbacks(const RunningCallback* innermost) noexcept {
  innermost_running = innermost;
}

}  // namespace cascade::detail
