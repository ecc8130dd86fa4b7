#pragma once

#include <string>

#include "cascade/cancelled.hpp"
#include "cascade/error.hpp"

namespace cascade {

// TaskSkipped is the failure of a spawn() task that never ran because its group's context was
// cancelled first: Task::get() throws it and Task::error() holds it. It is a Cancelled, so code
// that handles cancellation handles it; cause() is the context's cause at the time (a sibling's
// failure, the parent's cause, "group finished", ...). what() is "context cancelled: task
// skipped: <the cause's message>". Copies share the cause; thread-safe to read.
class TaskSkipped : public Cancelled {
 public:
  // The failure of a task skipped because the context was cancelled with `cause`.
  explicit TaskSkipped(Error cause);
  // The context's cause when the task was skipped.
  const Error& cause() const noexcept { return cause_; }

 protected:
  // For subclasses that say why the task was skipped: what() is "context cancelled: task skipped:
  // <reason>".
  TaskSkipped(Error cause, const std::string& reason);

 private:
  Error cause_;
};

}  // namespace cascade
