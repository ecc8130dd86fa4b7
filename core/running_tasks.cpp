#include "core/running_tasks.hpp"

namespace cascade::detail {

constinit thread_local const RunningTask* RunningTask::innermost_ = nullptr;
constinit thread_local std::uint64_t RunningTask::mask_ = 0;

bool RunningTask::on_stack(const GroupState& group) noexcept {
  for (const RunningTask* task = innermost_; task != nullptr; task = task->outer_)
    if (task->group_ == &group) return true;
  return false;
}

RunningTask::Marks RunningTask::marks() noexcept { return {innermost_, mask_}; }

const void* RunningTask::this_thread() noexcept { return &innermost_; }

void RunningTask::set_marks(Marks marks) noexcept {
  innermost_ = marks.innermost;
  mask_ = marks.mask;
}

}  // namespace cascade::detail
