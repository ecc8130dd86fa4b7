#pragma once

#include <chrono>
#include <cstddef>
#include <utility>

#include "cascade/canceller.hpp"
#include "cascade/context.hpp"

namespace cascade {

// A child of `parent` that its Canceller can cancel (Go's WithCancelCause). A child of an already
// cancelled parent is born cancelled with the parent's cause.
[[nodiscard]] std::pair<Context, Canceller> with_cancel(Context parent);

// with_deadline(parent, now + timeout), saturating: an enormous timeout means no deadline.
[[nodiscard]] std::pair<Context, Canceller> with_timeout(Context parent,
                                                         std::chrono::nanoseconds timeout);

// A child that is cancelled with DeadlineExceeded at `deadline`, or earlier by an ancestor's
// deadline (the first deadline wins). A deadline already past gives a child born cancelled;
// time_point::max() means no deadline. A timer thread of the library fires the deadlines.
[[nodiscard]] std::pair<Context, Canceller> with_deadline(
    Context parent, std::chrono::steady_clock::time_point deadline);

// A context that is never cancelled through `parent` (Go's WithoutCancel): no deadline, no cause.
Context without_cancel(Context parent);

// How many deadlines the library's timer thread is waiting for, process-wide (diagnostics). One
// thread serves every deadline; a context cancelled before its deadline (by its Canceller, an
// ancestor, or being dropped) stops being counted at once. Thread-safe; a snapshot.
std::size_t armed_deadlines();

}  // namespace cascade
