#pragma once

#include <string>

#include "cascade/error.hpp"
#include "cascade/task_outcome.hpp"
#include "cascade/task_skipped.hpp"

namespace cascade {

// UpstreamFailed is the failure of a task that never ran because a task it depends on (Group::
// spawn with after(), cascade/task_graph.hpp) did not succeed: its handle's outcome is
// TaskOutcome::skipped_upstream_failed, Task::get() throws this, Task::error() holds it. It is a
// TaskSkipped (so a Cancelled): code that handles skipped tasks handles it.
// - upstream(): the label (its name in single quotes, or # and its id) of the dependency that
//   did not succeed, and upstream_outcome() how it ended (failed, cancelled, skipped or, itself,
//   skipped_upstream_failed).
// - origin(): the label of the task where the chain of skips began, the one that failed, was
//   cancelled or was skipped by its group (upstream() itself when that one did not skip for an
//   upstream reason); origin_outcome() how it ended; cause() its failure.
// what() is "context cancelled: task skipped: upstream task 'b' failed: <b's error>", or, down a
// chain, "context cancelled: task skipped: upstream task 'c' was skipped because task 'b' failed:
// <b's error>": its length does not grow with the chain. Copies share the cause; thread-safe to
// read.
class UpstreamFailed : public TaskSkipped {
 public:
  // The skip of a task whose dependency `upstream` ended as `upstream_outcome`, in a chain that
  // began at `origin` (ended as `origin_outcome`, with the failure `cause`). Made by the library;
  // public so that tests and code that wraps cascade can build one. Throws std::bad_alloc.
  UpstreamFailed(std::string upstream, TaskOutcome upstream_outcome, std::string origin,
                 TaskOutcome origin_outcome, Error cause);

  // The label of the dependency that did not succeed.
  const std::string& upstream() const noexcept { return upstream_; }
  // How that dependency ended.
  TaskOutcome upstream_outcome() const noexcept { return upstream_outcome_; }
  // The label of the task where the chain of skips began.
  const std::string& origin() const noexcept { return origin_; }
  // How that task ended.
  TaskOutcome origin_outcome() const noexcept { return origin_outcome_; }
  // Why the task was skipped: what() without its "context cancelled: task skipped: " prefix.
  std::string reason() const;

 private:
  std::string upstream_;
  std::string origin_;
  TaskOutcome upstream_outcome_;
  TaskOutcome origin_outcome_;
};

}  // namespace cascade
