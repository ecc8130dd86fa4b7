#pragma once

#include "cascade/cancelled.hpp"

namespace cascade {

// SignalReceived is the cause of a context that notify_signals (notify_signals.hpp) cancelled
// because a signal arrived. what() is "signal received: SIGTERM", or "signal received: signal
// 42" for a number the C library has no name for. It is a Cancelled, so code that handles
// cancellation handles it too; the context's err() is a plain Cancelled, as for any cancellation
// with a cause.
class SignalReceived : public Cancelled {
 public:
  // The cause for `signal_number`; what() names the signal.
  explicit SignalReceived(int signal_number);

  // The number of the signal that arrived, such as SIGTERM.
  int signal_number() const noexcept { return signal_number_; }

 private:
  int signal_number_;
};

}  // namespace cascade
