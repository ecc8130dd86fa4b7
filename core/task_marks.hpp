#pragma once

#include "core/callback_runner.hpp"
#include "core/running_tasks.hpp"
#include "pool/task_backend.hpp"

namespace cascade::detail {

// The per-thread marks of a task of `group` while it runs (or while its unrun callable is
// destroyed): that the task runs on this thread (RunningTask), inside `arena` (pool::ArenaScope;
// null: the thread's mark stays as it is).
//
// A task whose stack went on on another thread (RunningTask::moved()) ends leaving that thread
// with no marks at all: not the outer marks it would restore, which belong to the stack, and not
// the cancel callbacks that StackMarks carried over with the stack (a task that a callback's wait
// ran, resumed by a TBB worker): a later check would walk them into a stack that has moved on
// (core/running_tasks.hpp). Inline: every task pays it; the moved path is out of line.
class TaskMarks {
 public:
  TaskMarks(const GroupState& group, pool::Arena* arena) noexcept
      : in_arena_(arena), running_(group) {}
  ~TaskMarks() {
    if (running_.moved()) [[unlikely]]
      leave_thread_unmarked();
  }
  TaskMarks(const TaskMarks&) = delete;
  TaskMarks& operator=(const TaskMarks&) = delete;

 private:
  [[gnu::noinline]] void leave_thread_unmarked() const noexcept {
    in_arena_.leave_unmarked();
    set_running_callbacks(nullptr);
  }

  // Destroyed in reverse order: the task's mark goes before the arena's.
  const pool::ArenaScope in_arena_;
  const RunningTask running_;
};

}  // namespace cascade::detail
