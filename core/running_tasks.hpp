#pragma once

namespace cascade::detail {

class GroupState;

// Marks, for its lifetime, that a task of `group` is running on this thread. Tasks nest on one
// thread when a task waits for a child group and the waiting thread runs other tasks meanwhile;
// the marks form a per-thread stack, which is how Group::wait() recognises a wait that would wait
// for itself. Construction and destruction are a few loads and stores (inline: every task pays).
class RunningTask {
 public:
  explicit RunningTask(const GroupState& group) noexcept : group_(&group), outer_(innermost_) {
    innermost_ = this;
  }
  ~RunningTask() { innermost_ = outer_; }
  RunningTask(const RunningTask&) = delete;
  RunningTask& operator=(const RunningTask&) = delete;

  // True when a task of `group` is running on this thread, at any nesting level.
  static bool on_this_thread(const GroupState& group) noexcept;

 private:
  static constinit thread_local const RunningTask* innermost_;

  const GroupState* group_;
  const RunningTask* outer_;
};

}  // namespace cascade::detail
