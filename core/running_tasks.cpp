#include "core/running_tasks.hpp"

namespace cascade::detail {
namespace {

thread_local const RunningTask* innermost_task = nullptr;

}  // namespace

RunningTask::RunningTask(const GroupState& group) noexcept
    : group_(&group), outer_(innermost_task) {
  innermost_task = this;
}

RunningTask::~RunningTask() { innermost_task = outer_; }

bool RunningTask::on_this_thread(const GroupState& group) noexcept {
  for (const RunningTask* task = innermost_task; task != nullptr; task = task->outer_)
    if (task->group_ == &group) return true;
  return false;
}

}  // namespace cascade::detail
