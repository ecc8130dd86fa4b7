#pragma once

#include <cstddef>

namespace cascade {

// How many context nodes exist at this moment, process-wide (diagnostics, e.g. a leak check):
// every context made by with_cancel, with_timeout, with_deadline and without_cancel, and every
// group's context, counts from its creation until its last handle (Context copies, the group,
// the tasks and callbacks that refer to it) is gone. Context::background() counts as one from its
// first use on, for good: it is never destroyed.
//
// Guarantees: exact when every creation and destruction of a context happens-before the call
// (for example, after the groups involved returned from wait() and were destroyed, and the
// threads that held contexts were joined); while other threads create or drop contexts it may be
// off by the few whose creation or destruction is in flight (never below 0).
// Cost: nothing on node allocation and free; this call takes two locks and reads the length of
// every thread's list of free node blocks. Thread-safe.
std::size_t live_context_nodes();

}  // namespace cascade
