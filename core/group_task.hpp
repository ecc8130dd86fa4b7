#pragma once

#include <cstddef>
#include <new>

#include "cascade/detail/group_runtime.hpp"
#include "core/group_state.hpp"
#include "pool/task_backend.hpp"

namespace cascade::detail {

// One submitted task: the pool's job, followed in the same storage by the user's callable.
// (Shared by core/group_state.cpp and core/task_graph.cpp.)
class GroupState::Task final : public pool::Job {
 public:
  Task(GroupState& group, bool blocking) noexcept : group_(group), blocking_(blocking) {}

  // sizeof(GroupState*): the size of the pointer that the reference group_ is stored as.
  static constexpr std::size_t kCallableOffset =
      task_aligned(sizeof(pool::Job) + sizeof(GroupState*) +  // NOLINT(bugprone-sizeof-expression)
                   sizeof(bool));
  static Task& of(TaskCallable& callable) noexcept {
    return *static_cast<Task*>(
        static_cast<void*>(reinterpret_cast<unsigned char*>(&callable) - kCallableOffset));
  }
  TaskCallable& callable() noexcept {
    return *std::launder(
        reinterpret_cast<TaskCallable*>(reinterpret_cast<unsigned char*>(this) + kCallableOffset));
  }

  pool::CompletionCounter& run() noexcept override {
    group_.run(*this);
    return group_.counter_;
  }

  GroupState& group() const noexcept { return group_; }
  bool blocking() const noexcept { return blocking_; }
  // Makes a queued task run on the blocking pool (see GroupState::release_slot).
  void make_blocking() noexcept { blocking_ = true; }

  // Hands the task to the pool that runs its kind: TBB's, or the blocking pool.
  void submit_to_pool() noexcept {
    if (blocking_)
      pool::submit_blocking(*this, group_.counter_);
    else
      pool::submit(*this, group_.counter_, group_.arena_);
  }

 private:
  GroupState& group_;
  bool blocking_;
};

}  // namespace cascade::detail
