#include "cascade/task_report.hpp"

#include <algorithm>
#include <ostream>

#include "cascade/task_skipped.hpp"
#include "cascade/upstream_failed.hpp"

namespace cascade {
namespace {

// Why a task that did not succeed ended as it did; empty for the others.
std::string why(TaskOutcome outcome, const Error& failure) {
  switch (outcome) {
    case TaskOutcome::failed:
    case TaskOutcome::cancelled:
      return failure.message();
    case TaskOutcome::skipped:
      if (const auto* skipped = failure.as<TaskSkipped>()) return skipped->cause().message();
      return failure.message();
    case TaskOutcome::skipped_upstream_failed:
      if (const auto* upstream = failure.as<UpstreamFailed>()) return upstream->reason();
      return failure.message();
    default:
      return {};
  }
}

}  // namespace

void TaskReport::add_state(const detail::TaskStateBase& state) {
  const TaskOutcome outcome = state.outcome();
  lines_.push_back({state.label(), outcome, why(outcome, state.failure())});
}

std::string TaskReport::str() const {
  std::size_t width = 0;
  for (const Line& line : lines_) width = std::max(width, line.label.size());
  std::string text;
  for (const Line& line : lines_) {
    text += line.label;
    text.append(width + 1 - line.label.size(), ' ');
    text += to_string(line.outcome);
    if (!line.why.empty()) text += ": " + line.why;
    text += '\n';
  }
  return text;
}

std::ostream& operator<<(std::ostream& out, const TaskReport& report) {
  return out << report.str();
}

}  // namespace cascade
