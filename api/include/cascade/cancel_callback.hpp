#pragma once

#include "cascade/detail/callback_record.hpp"
#include "cascade/detail/context_state.hpp"

namespace cascade {

// CancelCallback is the registration returned by Context::on_cancel (Go's context.AfterFunc,
// C++'s std::stop_callback). Move-only; destroying it deregisters the function.
//
// Guarantees: the function runs at most once; never after stop() returned true; never after the
// destructor returned. The destructor waits for a run that already started on another thread,
// except when it is called from inside the function itself.
// Thread-safety: stop() and the destructor may race with cancellation of the context.
class [[nodiscard]] CancelCallback {
 public:
  // An empty registration: stop() returns false.
  CancelCallback() noexcept = default;
  // Moving transfers the registration; the moved-from object is empty. Assigning first
  // deregisters the function this one held, as the destructor does.
  CancelCallback(CancelCallback&& other) noexcept;
  CancelCallback& operator=(CancelCallback&& other) noexcept;
  CancelCallback(const CancelCallback&) = delete;
  CancelCallback& operator=(const CancelCallback&) = delete;
  ~CancelCallback();

  // Deregisters without waiting. True if this prevented the call; false when the function has
  // started or finished, or stop() was already called (Go's AfterFunc stop()).
  bool stop() noexcept;

 private:
  friend class Context;
  CancelCallback(detail::ContextState* context, detail::CallbackRecord* record) noexcept
      : context_(context), record_(record) {}
  void reset() noexcept;

  detail::ContextState* context_ = nullptr;   // a counted reference, or null
  detail::CallbackRecord* record_ = nullptr;  // a counted reference, or null
};

}  // namespace cascade
