#pragma once

#include <cstddef>
#include <string>

namespace cascade {

// Task tracing: while on, cascade records what its tasks, contexts and groups do, and writes it
// as a Chrome trace-event JSON file, which Perfetto (ui.perfetto.dev) and chrome://tracing open
// (docs/tracing.md):
// - a span per task that ran ("task"), on the thread that ran it, with its group, its context and
//   its outcome (succeeded, failed, skipped); a task skipped because its context was cancelled is
//   a span of no length at the moment it was skipped;
// - a span per group wait() ("wait");
// - an instant event per cancelled context ("cancel": the context, the cause, and whether the
//   cancel came down from an ancestor), at the moment it was cancelled;
// - an instant event per context created ("context": the context and its parent), so that the
//   tree can be rebuilt.
// Contexts and groups are named by their node's address ("0x..."): unique among those alive at
// one time, possibly reused later.
//
// Setting the environment variable CASCADE_TRACE to a path starts tracing when the library is
// loaded, and writes that file when the process exits normally (returns from main or calls
// exit()). Off, tracing costs one predictable branch per task (a relaxed load of a flag); on, a
// few clock reads and an append to a per-thread buffer per event.

// Starts recording for the file `path` (written by stop_tracing()). Throws std::logic_error when
// tracing is already on, and std::invalid_argument for an empty path. Thread-safe.
void start_tracing(const std::string& path);

// Stops recording and writes every event recorded since start_tracing() to its file (replacing
// it), then forgets them. Returns the number of events written; 0, writing nothing, when tracing
// was off. Events of tasks still running may be missed. Throws std::system_error when the file
// cannot be written. Thread-safe.
std::size_t stop_tracing();

// Whether tracing is on. Thread-safe.
bool tracing_on() noexcept;

}  // namespace cascade
