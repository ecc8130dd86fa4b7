#pragma once

#include <cstdint>

namespace cascade::detail {

class GroupState;

// Marks, for its lifetime, that a task of `group` is running on this thread. Tasks nest on one
// thread when a task waits for a child group and the waiting thread runs other tasks meanwhile;
// the marks form a per-thread stack, which is how Group::wait() recognises a wait that would wait
// for itself. Construction and destruction are a few loads and stores (inline: every task pays).
// A per-thread bit mask of the groups on the stack (one bit per group, by address) lets the check
// skip the walk in the common case where the group is not there.
//
// A task whose stack went on on another thread (a StackMarks restore ran on another thread than
// the one that saved) is marked moved. It ends leaving the thread without marks, not with the
// marks of the tasks below it (TaskMarks, core/task_marks.hpp, clears the thread's other marks
// then too): the thread may be running another thread's stack, which oneTBB hands back to its
// owner at the end of its outermost wait, with no cascade code in between, and marks left
// behind would point into that stack. (A thread that leaves a stack inside a nested wait still
// carries its marks: docs/design.md, section 6, "Known gap".)
class RunningTask {
 public:
  explicit RunningTask(const GroupState& group) noexcept
      : group_(&group), outer_(innermost_), outer_mask_(mask_) {
    innermost_ = this;
    mask_ |= bit_of(group);
  }
  ~RunningTask() {
    innermost_ = moved_ ? nullptr : outer_;
    mask_ = moved_ ? 0 : outer_mask_;
  }
  RunningTask(const RunningTask&) = delete;
  RunningTask& operator=(const RunningTask&) = delete;

  // True when a task of `group` is running on this thread, at any nesting level.
  static bool on_this_thread(const GroupState& group) noexcept {
    return (mask_ & bit_of(group)) != 0 && on_stack(group);
  }

  // This thread's marks, for StackMarks (core/stack_marks.hpp) to carry across a stack switch.
  struct Marks {
    const RunningTask* innermost;
    std::uint64_t mask;
  };
  static Marks marks() noexcept;
  static void set_marks(Marks marks) noexcept;
  // Marks `task` (null: none) as moved (see the class comment).
  static void mark_moved(const RunningTask* task) noexcept {
    if (task != nullptr) task->moved_ = true;
  }
  bool moved() const noexcept { return moved_; }
  // Identifies the calling thread (the address of its marks), for StackMarks to tell whether it
  // ends on the thread it began on.
  static const void* this_thread() noexcept;

 private:
  static std::uint64_t bit_of(const GroupState& group) noexcept {
    constexpr int kAddressBitsSkipped = 7;  // nodes are 128-byte blocks
    return std::uint64_t{1} << ((reinterpret_cast<std::uintptr_t>(&group) >> kAddressBitsSkipped) &
                                63);
  }
  [[gnu::noinline]] static bool on_stack(const GroupState& group) noexcept;

  static constinit thread_local const RunningTask* innermost_;
  static constinit thread_local std::uint64_t mask_;

  const GroupState* group_;
  const RunningTask* outer_;
  std::uint64_t outer_mask_;
  mutable bool moved_ = false;  // written only by the thread that runs the task's stack
};

}  // namespace cascade::detail
