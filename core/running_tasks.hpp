#pragma once

namespace cascade::detail {

class GroupState;

// Marks, for its lifetime, that a task of `group` is running on this thread. Tasks nest on one
// thread when a task waits for a child group and the waiting thread runs other tasks meanwhile;
// the marks form a per-thread stack, which is how Group::wait() recognises a wait that would wait
// for itself.
class RunningTask {
 public:
  explicit RunningTask(const GroupState& group) noexcept;
  ~RunningTask();
  RunningTask(const RunningTask&) = delete;
  RunningTask& operator=(const RunningTask&) = delete;

  // True when a task of `group` is running on this thread, at any nesting level.
  static bool on_this_thread(const GroupState& group) noexcept;

 private:
  const GroupState* group_;
  const RunningTask* outer_;
};

}  // namespace cascade::detail
