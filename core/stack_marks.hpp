#pragma once

#include "core/callback_runner.hpp"
#include "core/running_tasks.hpp"
#include "pool/task_backend.hpp"

namespace cascade::detail {

// Carries the per-thread marks of the code on one stack (the tasks it runs: RunningTask; the
// cancel callbacks it runs: callback_runner; the pool arena it runs in: pool::ArenaScope) across a
// call that may switch stacks. With oneTBB's resumable tasks, a thread that suspends a task moves
// to another stack, and the suspended stack may later continue on another thread; so may the stack
// of any TBB wait that runs tasks (the waiting thread can pick up a resumed task and leave its own
// stack for another thread to finish). Made before such a call, a StackMarks puts the marks back,
// when it is destroyed after the call, on whichever thread continues. With kLeavesStack, the thread
// goes without marks meanwhile, as it moves to a fresh stack.
//
// The task whose marks come back is marked moved when the destructor runs on another thread than
// the constructor: it ends leaving its thread without marks (core/task_marks.hpp).
//
// Only the switches inside cascade's own calls are covered (Context::wait, Group::wait and
// ~Group): a TBB wait that a task makes itself (a parallel_for, a tbb::task_group) may also move
// the task's stack, and its thread's marks are then another stack's, until the task returns on
// it, or for good when the task returns on another thread (docs/design.md, section 6).
class StackMarks {
 public:
  enum Meanwhile { kKeepsStack, kLeavesStack };

  // Both out of line, so that the compiler cannot reuse, after the switch, a thread_local
  // address it computed on the thread before it.
  [[gnu::noinline]] explicit StackMarks(Meanwhile meanwhile) noexcept;
  [[gnu::noinline]] ~StackMarks();
  StackMarks(const StackMarks&) = delete;
  StackMarks& operator=(const StackMarks&) = delete;

 private:
  RunningTask::Marks tasks_;
  const RunningCallback* callbacks_;
  pool::Arena* arena_;
  const void* thread_;  // RunningTask::this_thread() when made
};

}  // namespace cascade::detail
