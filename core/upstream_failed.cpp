#include "cascade/upstream_failed.hpp"

#include <utility>

namespace cascade {
namespace {

// How a task that did not succeed ended, as a verb phrase: "failed", "was cancelled", ...
std::string ended(TaskOutcome outcome) {
  switch (outcome) {
    case TaskOutcome::failed:
      return "failed";
    case TaskOutcome::cancelled:
      return "was cancelled";
    case TaskOutcome::skipped:
      return "was skipped";
    default:
      return "ended " + std::string(to_string(outcome));
  }
}

std::string skip_reason(const std::string& upstream, TaskOutcome upstream_outcome,
                        const std::string& origin, TaskOutcome origin_outcome, const Error& cause) {
  std::string text = "upstream task " + upstream + " ";
  if (upstream_outcome == TaskOutcome::skipped_upstream_failed)
    text += "was skipped because task " + origin + " ";
  return text + ended(origin_outcome) + ": " + cause.message();
}

}  // namespace

UpstreamFailed::UpstreamFailed(std::string upstream, TaskOutcome upstream_outcome,
                               std::string origin, TaskOutcome origin_outcome, Error cause)
    : TaskSkipped(cause, skip_reason(upstream, upstream_outcome, origin, origin_outcome, cause)),
      upstream_(std::move(upstream)),
      origin_(std::move(origin)),
      upstream_outcome_(upstream_outcome),
      origin_outcome_(origin_outcome) {}

std::string UpstreamFailed::reason() const {
  return skip_reason(upstream_, upstream_outcome_, origin_, origin_outcome_, cause());
}

}  // namespace cascade
