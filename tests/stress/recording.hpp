#pragma once

// What happened while a program ran (runner.hpp writes it, checker.hpp reads it once every
// thread involved is done): one record per group and per task of the program, a logical clock
// whose stamps order the events the invariants compare, and the failures with their identities.

#include <atomic>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <system_error>
#include <vector>

#include "cascade/cascade.hpp"
#include "stress/program.hpp"

namespace cascade::stress {

// Who made a failure or a cause: the task or group of that record index.
enum class Source : std::uint8_t { task, group_cancel, parent_cancel };

// The std exception of failures and of the causes the runner cancels with.
class StressFailure : public std::runtime_error {
 public:
  StressFailure(Source source, int index);
  Source source() const noexcept { return source_; }
  int index() const noexcept { return index_; }

 private:
  Source source_;
  int index_;
};

// The non-std exception a task throws (R21); a task's `throw int` throws its index.
struct NonStdFailure {
  int task;
};

// The category of the error codes tasks return: the value is the task's index + 1.
const std::error_category& stress_category() noexcept;

// Whether `error` holds the object task `task` threw with `outcome` (its payload names the task),
// or, for return_error_code, the std::system_error the library makes of the task's code.
bool holds_thrown_payload(const Error& error, Outcome outcome, int task);

// A total order of the events the checker compares (seq_cst: consistent with happens-before).
class Clock {
 public:
  std::uint64_t stamp() noexcept { return next_.fetch_add(1, std::memory_order_seq_cst) + 1; }

 private:
  std::atomic<std::uint64_t> next_{0};
};

struct TaskRecord {
  // Written by the group's thread.
  int group = -1;
  int wait_epoch = 0;      // how many of its group's waits returned before submission
  bool submitted = false;  // go() returned, or try_go() returned true
  bool refused = false;    // try_go() returned false
  bool go_threw_logic_error = false;
  int limit_at_submission = -1;
  // Written by the task.
  std::atomic<int> runs{0};
  std::uint64_t start = 0;
  int running_at_start = 0;  // tasks of its group inside their callable, itself included
  std::uint64_t end = 0;     // just before returning or throwing
  Error returned;            // the Error it returned (a failure or a nested group's result)
  bool threw = false;        // it threw its outcome's payload
  // Written by whichever thread destroys a copy of the callable: the latest such stamp.
  std::atomic<std::uint64_t> released{0};
};

struct GroupRecord {
  // Everything below is written by the thread that runs the group's ops, except `running`.
  bool ran = false;
  int parent_group = -1;  // the group whose task made this one (-1: the root)
  ParentKind parent_kind = ParentKind::task_context;
  Context task_context;  // the context the task ran with (background() for the root)
  Context derived;       // the with_cancel / with_timeout child, if any
  bool task_context_cancelled_before_derive = false;
  bool derived_cancelled_after_creation = false;
  bool parent_cancelled_before_group = false;  // parent = derived, or the task context
  bool context_cancelled_after_creation = false;
  Context context;            // group.context()
  Error group_cancel_cause;   // the cause of cancel_group ops
  Error parent_cancel_cause;  // the cause of cancel_parent(_async) ops
  bool cancelled_group = false;
  bool cancelled_parent = false;             // on this thread, or handed to the canceller thread
  std::vector<std::uint64_t> wait_returned;  // stamps
  std::vector<Error> wait_results;
  std::uint64_t destroyed = 0;  // stamp after ~Group returned
  int set_limit_refusals = 0;
  int limit = -1;  // the latest limit set
  std::vector<int> tasks;
  std::atomic<int> running{0};  // tasks of this group inside their callable
};

struct Recording {
  explicit Recording(ProgramSize size)
      : groups(static_cast<std::size_t>(size.groups)),
        tasks(static_cast<std::size_t>(size.tasks)) {}
  Clock clock;
  std::vector<GroupRecord> groups;
  std::vector<TaskRecord> tasks;
  std::atomic<int> live_callables{0};  // copies of task callables not yet destroyed
  Error root_result;
};

}  // namespace cascade::stress
