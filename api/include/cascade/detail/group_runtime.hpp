#pragma once

#include <cstddef>

#include "cascade/context.hpp"
#include "cascade/detail/task_callable.hpp"
#include "cascade/error.hpp"
#include "cascade/pool.hpp"

namespace cascade::detail {

class GroupState;

// The library entry points behind Group's templates (core/group_state.cpp).
// Null parent: a zero-value Group; null pool: tasks run in the submitting thread's arena.
GroupState* new_group_state(const Context* parent, Pool* pool);
Context adopt_group_context(GroupState& group) noexcept;  // takes the reference new_group_state returned
void end_group(GroupState& group) noexcept;          // the destructor's work

// Storage for a TaskCallable of `size` bytes; throws std::bad_alloc.
void* allocate_task(std::size_t size);
// Frees storage whose callable was never submitted (its constructor threw).
void free_task(void* storage) noexcept;
// Alignment the storage is guaranteed to have.
inline constexpr std::size_t kTaskAlignment = 16;

void submit(GroupState& group, TaskCallable& task);           // takes a slot or queues
void submit_blocking(GroupState& group, TaskCallable& task);  // the same, for the blocking pool
bool try_reserve_slot(GroupState& group);                     // try_go's slot
void unreserve_slot(GroupState& group) noexcept;              // try_go failed after reserving
// Uses the slot try_reserve_slot() reserved; on an exception, the task is gone (the caller then
// gives the slot back).
void submit_reserved(GroupState& group, TaskCallable& task, bool blocking);

void set_limit(GroupState& group, int limit);
void cancel(GroupState& group, Error cause);
Error wait(GroupState& group);

// Builds a task's callable in task storage. Strong guarantee: on any exception nothing is left.
template <class F>
TaskCallable& make_task(F&& f) {
  reject_empty_callable(f);
  using Closure = TaskClosure<std::decay_t<F>>;
  static_assert(alignof(Closure) <= kTaskAlignment, "cascade: over-aligned callables are not supported");
  void* storage = allocate_task(sizeof(Closure));
  try {
    return *new (storage) Closure(std::forward<F>(f));
  } catch (...) {
    free_task(storage);
    throw;
  }
}

}  // namespace cascade::detail
