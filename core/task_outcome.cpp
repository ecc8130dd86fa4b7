#include "cascade/task_outcome.hpp"

#include <ostream>

namespace cascade {

std::string_view to_string(TaskOutcome outcome) noexcept {
  switch (outcome) {
    case TaskOutcome::pending:
      return "pending";
    case TaskOutcome::succeeded:
      return "succeeded";
    case TaskOutcome::failed:
      return "failed";
    case TaskOutcome::cancelled:
      return "cancelled";
    case TaskOutcome::skipped:
      return "skipped";
    case TaskOutcome::skipped_upstream_failed:
      return "skipped_upstream_failed";
  }
  return "unknown outcome";
}

std::ostream& operator<<(std::ostream& out, TaskOutcome outcome) {
  return out << to_string(outcome);
}

}  // namespace cascade
