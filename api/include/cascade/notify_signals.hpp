#pragma once

#include <initializer_list>
#include <utility>

#include "cascade/canceller.hpp"
#include "cascade/context.hpp"
#include "cascade/signal_received.hpp"

namespace cascade {

// A child of `parent` that is cancelled, with a SignalReceived cause (signal_received.hpp), when
// the first of `signals` arrives (Go's signal.NotifyContext). Its Canceller cancels it with
// Cancelled like with_cancel's. Whatever cancels the context (a signal, the Canceller, called or
// destroyed, or an ancestor) stops its listening; once no context listens to a signal any more,
// the disposition that signal had before the first one started (its saved struct sigaction) is
// put back, unless a handler installed meanwhile replaced cascade's.
//
// Guarantees: one arrival cancels every context listening to that signal at that moment, whichever
// thread the signal hits; signals not listed never touch the context. Nothing is installed for a
// child born cancelled (an already cancelled parent). The handler is async-signal-safe: it only
// writes the number to a pipe (keeping errno), and a library thread, started on first use, reads
// it and cancels the listeners. Handlers are installed with SA_RESTART. Signals the program
// blocks in every thread stay pending and cancel nothing (docs/signals.md).
//
// Throws std::invalid_argument, naming the mistake, for an empty list, a number that is not a
// signal (<= 0 or >= NSIG, or one the C library reserves), SIGKILL or SIGSTOP (they cannot be
// caught) and the synchronous faults SIGSEGV, SIGBUS, SIGFPE and SIGILL; std::system_error when
// the pipe or the library thread cannot be created. Then nothing is installed.
// Thread-safety: may be called from any thread, concurrently.
[[nodiscard]] std::pair<Context, Canceller> notify_signals(const Context& parent,
                                                           std::initializer_list<int> signals);

}  // namespace cascade
