#include "core/stack_marks.hpp"

namespace cascade::detail {

StackMarks::StackMarks(Meanwhile meanwhile) noexcept
    : tasks_(RunningTask::marks()),
      callbacks_(running_callbacks()),
      arena_(pool::ArenaScope::of_this_thread()),
      thread_(RunningTask::this_thread()) {
  if (meanwhile == kLeavesStack) {
    RunningTask::set_marks({});
    set_running_callbacks(nullptr);
    pool::ArenaScope::set_for_this_thread(nullptr);
  }
}

StackMarks::~StackMarks() {
  if (thread_ != RunningTask::this_thread()) RunningTask::mark_moved(tasks_.innermost);
  RunningTask::set_marks(tasks_);
  set_running_callbacks(callbacks_);
  pool::ArenaScope::set_for_this_thread(arena_);
}

}  // namespace cascade::detail
