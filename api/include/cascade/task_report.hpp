#pragma once

#include <cstddef>
#include <iosfwd>
#include <string>
#include <vector>

#include "cascade/error.hpp"
#include "cascade/task.hpp"
#include "cascade/task_outcome.hpp"

namespace cascade {

// TaskReport prints how a set of spawn() tasks ended, one line per task, in the order added:
//
//   'read:a'    succeeded
//   'compile:b' failed: disk full
//   'link'      skipped_upstream_failed: upstream task 'compile:b' failed: disk full
//
// Each line is the task's label (Task::label(): its name in quotes, or # and its id), its outcome,
// and, for a task that did not succeed, why: its failure's message (failed, cancelled), the group's
// cause (skipped), or the upstream task that did not succeed and, down a chain, the task where it
// began (skipped_upstream_failed, UpstreamFailed::reason()). add() takes a snapshot of the task
// as it is then (a pending task reads "pending"): add the handles after wait(). A value;
// not thread-safe (use one report per thread).
class TaskReport {
 public:
  // Adds a line for `task`, as it is now. Throws std::invalid_argument for a moved-from handle,
  // std::bad_alloc.
  template <class R>
  TaskReport& add(const Task<R>& task) {
    add_state(detail::TaskAccess::checked_state(task, "cascade::TaskReport::add"));
    return *this;
  }
  // Adds a line for each of `tasks`, in order.
  template <class R>
  TaskReport& add(const std::vector<Task<R>>& tasks) {
    for (const Task<R>& task : tasks) add(task);
    return *this;
  }

  // The lines, each ending in '\n'; labels are padded to one width.
  std::string str() const;
  // Tasks added so far.
  std::size_t size() const noexcept { return lines_.size(); }

 private:
  struct Line {
    std::string label;
    TaskOutcome outcome;
    std::string why;  // empty for a task that succeeded or is pending
  };
  void add_state(const detail::TaskStateBase& state);

  std::vector<Line> lines_;
};

// Writes report.str() to `out`.
std::ostream& operator<<(std::ostream& out, const TaskReport& report);

}  // namespace cascade
