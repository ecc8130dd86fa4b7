#pragma once

#include <utility>

#include "cascade/context.hpp"
#include "cascade/error.hpp"

namespace cascade {

// Canceller cancels the context it was made with (Go's CancelFunc / CancelCauseFunc). Move-only.
// Destroying it cancels too, so a Canceller is a scoped `defer cancel()`.
//
// Guarantees: the first cancellation of a context wins; later calls, and calls after an ancestor
// cancelled it, do nothing. A call that cancels returns after the whole subtree is marked and the
// callbacks of the nodes it cancelled ran; a call that finds the context already cancelled returns
// once the subtree is marked. Thread-safety: may be called from any thread, concurrently.
// Only with_cancel, with_timeout and with_deadline make Cancellers: holding a Context lets code
// observe cancellation, never cause it.
class Canceller {
 public:
  // A Canceller that cancels nothing.
  Canceller() noexcept = default;
  // Moving transfers the duty to cancel; the moved-from Canceller cancels nothing. Assigning
  // first cancels the context this one held.
  Canceller(Canceller&&) noexcept = default;
  Canceller& operator=(Canceller&& other) noexcept;
  Canceller(const Canceller&) = delete;
  Canceller& operator=(const Canceller&) = delete;
  ~Canceller() { (*this)(); }

  // Cancels with cause Cancelled.
  void operator()() const { (*this)(Error()); }
  // Cancels with `cause`; an empty cause means Cancelled.
  void operator()(Error cause) const;

 private:
  friend class detail::ContextAccess;
  explicit Canceller(Context target) noexcept : target_(std::move(target)) {}

  Context target_;  // background() when empty: cancelling it does nothing
};

}  // namespace cascade
