#pragma once

#include "cascade/detail/callback_record.hpp"

namespace cascade::detail {

// Callbacks taken off cancelled nodes, kept as an intrusive list (CallbackRecord::next) so that
// collecting them under the tree's locks never allocates; run() calls them once every lock is
// released.
class PendingCallbacks {
 public:
  // Appends the chain first..last (last->next must be null). Both may be null.
  void splice(CallbackRecord* first, CallbackRecord* last) noexcept;
  bool empty() const noexcept { return head_ == nullptr; }
  // Runs every record that is still armed, in order, on this thread, then drops the list's
  // reference to each. A record stopped meanwhile is skipped.
  [[gnu::noinline]] void run() noexcept;

 private:
  CallbackRecord* head_ = nullptr;
  CallbackRecord* tail_ = nullptr;
};

// True while `record` is being run by this thread (a CancelCallback destroyed from inside its own
// function must not wait for itself).
bool is_running_on_this_thread(const CallbackRecord& record) noexcept;

// The callbacks running on this thread, innermost first, for StackMarks (core/stack_marks.hpp)
// to carry across a stack switch.
struct RunningCallback;
const RunningCallback* running_callbacks() noexcept;
void set_running_callbacks(const RunningCallback* innermost) noexcept;

}  // namespace cascade::detail
