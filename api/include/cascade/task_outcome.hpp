#pragma once

#include <cstdint>
#include <iosfwd>
#include <string_view>

namespace cascade {

// How a task of a Group ended (docs/policies.md, "Outcomes"). Every task ends as exactly one of
// the values after `pending`, once, and never changes afterwards.
enum class TaskOutcome : std::uint8_t {
  pending,    // not finished yet: queued or running
  succeeded,  // ran and succeeded
  failed,     // ran and failed
  // Ran and failed only because of a cancellation: the group's context was cancelled when it
  // finished and its failure is a Cancelled (such as context().err()) or the context's cause.
  cancelled,
  skipped,  // never ran: the group's context was cancelled before it started
  // Never ran because a task it depends on (Group::spawn with after()) failed, was cancelled or
  // was skipped; its failure is an UpstreamFailed (cascade/upstream_failed.hpp).
  skipped_upstream_failed,
};

// The outcome's name as spelled above ("succeeded", "skipped_upstream_failed", ...).
std::string_view to_string(TaskOutcome outcome) noexcept;
std::ostream& operator<<(std::ostream& out, TaskOutcome outcome);

}  // namespace cascade
