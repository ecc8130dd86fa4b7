#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>

namespace cascade {

// What Group::stats() reports: how many of the group's tasks are in each state. A value.
// A task is submitted once go(), spawn() or try_go() accepts it; it then either starts (and is
// running until it finishes as succeeded, failed or cancelled) or is skipped. Tasks waiting in
// the group's queue or the pool's are submitted - running - finished - skipped.
struct GroupStats {
  std::uint64_t submitted = 0;  // accepted by go(), spawn() or try_go()
  std::uint64_t running = 0;    // started and not finished
  std::uint64_t succeeded = 0;  // ran and succeeded (TaskOutcome::succeeded)
  std::uint64_t failed = 0;     // ran and failed (TaskOutcome::failed)
  std::uint64_t cancelled = 0;  // failed only because of a cancellation (TaskOutcome::cancelled)
  std::uint64_t skipped = 0;    // never ran (TaskOutcome::skipped)

  // Every count equal.
  friend bool operator==(const GroupStats&, const GroupStats&) noexcept = default;
};

// A one-line report: "submitted 5, running 0, succeeded 3, failed 1, cancelled 1, skipped 0".
std::string to_string(const GroupStats& stats);
std::ostream& operator<<(std::ostream& out, const GroupStats& stats);

}  // namespace cascade
