#pragma once

#include <cstddef>
#include <typeinfo>

#include "cascade/context.hpp"
#include "cascade/detail/task_callable.hpp"
#include "cascade/detail/task_state.hpp"
#include "cascade/error.hpp"
#include "cascade/group_options.hpp"
#include "cascade/group_stats.hpp"
#include "cascade/pool.hpp"

namespace cascade::detail {

class GroupState;

// The library entry points behind Group's templates (core/group_state.cpp).
// Null parent: a zero-value Group; null pool: tasks run in the submitting thread's arena.
GroupState* new_group_state(const Context* parent, Pool* pool);
GroupState* new_group_state(const Context* parent, Pool* pool, const GroupOptions& options);
// A handle that takes over the reference new_group_state returned.
Context adopt_group_context(GroupState& group) noexcept;
// The destructor's work: ends the group, then drops the reference the Group holds.
void end_group(GroupState& group) noexcept;

// Storage for a TaskCallable of `size` bytes; throws std::bad_alloc.
void* allocate_task(std::size_t size);
// Frees storage whose callable was never submitted (its constructor threw).
void free_task(void* storage) noexcept;
// Alignment the storage is guaranteed to have.
inline constexpr std::size_t kTaskAlignment = 16;
// `bytes` rounded up to a multiple of kTaskAlignment: where the next part of a task's storage
// starts.
constexpr std::size_t task_aligned(std::size_t bytes) noexcept {
  return (bytes + kTaskAlignment - 1) / kTaskAlignment * kTaskAlignment;
}

void submit(GroupState& group, TaskCallable& task);           // takes a slot or queues
void submit_blocking(GroupState& group, TaskCallable& task);  // the same, for the blocking pool
bool try_reserve_slot(GroupState& group);                     // try_go's slot
void unreserve_slot(GroupState& group) noexcept;              // try_go failed after reserving
// The bytes the gate of a task that runs after `dependencies` tasks takes (core/task_graph.cpp).
std::size_t dependency_gate_bytes(std::size_t dependencies) noexcept;
// A spawn() task that runs after other tasks: its callable, followed in the same storage by room
// for the gate that holds it back until they settle (dependency_gate_bytes), so that a node of a
// task graph costs one allocation.
struct DependentTask {
  TaskCallable& callable;
  void* gate_room;
};
// Accepts a spawn() task that runs after `dependencies` (Group::spawn with after()); on an
// exception the task is gone and nothing was submitted.
void submit_after(GroupState& group, DependentTask task, TaskStateBase* const* dependencies,
                  std::size_t count);
// Uses the slot try_reserve_slot() reserved; on an exception, the task is gone (the caller then
// gives the slot back).
void submit_reserved(GroupState& group, TaskCallable& task, bool blocking);

void set_limit(GroupState& group, int limit);
void cancel(GroupState& group, Error cause);
Error wait(GroupState& group);
GroupStats stats(const GroupState& group);
// The winner's state with one more reference; throws std::logic_error (see Group::first_result).
TaskStateBase& first_result(const GroupState& group, const std::type_info& result_type);

// Builds `Closure` from `arguments` at the start of task storage of `storage_bytes` (at least
// sizeof(Closure)). Strong guarantee: on any exception nothing is left.
template <class Closure, class... Arguments>
TaskCallable& construct_task_in(std::size_t storage_bytes, Arguments&&... arguments) {
  static_assert(alignof(Closure) <= kTaskAlignment,
                "cascade: over-aligned callables are not supported");
  void* storage = allocate_task(storage_bytes);
  try {
    return *new (storage) Closure(std::forward<Arguments>(arguments)...);
  } catch (...) {
    free_task(storage);
    throw;
  }
}

// Builds `Closure` in task storage of its own size (see construct_task_in).
template <class Closure, class... Arguments>
TaskCallable& construct_task(Arguments&&... arguments) {
  return construct_task_in<Closure>(sizeof(Closure), std::forward<Arguments>(arguments)...);
}

// A go() task's callable; `operation` names the call that submits it in errors ("go", "try_go").
template <class F>
TaskCallable& make_task(F&& f, const char* operation) {
  reject_empty_callable(f, operation);
  return construct_task<TaskClosure<std::decay_t<F>>>(std::forward<F>(f));
}

// A spawn() task's callable, sharing `state` with the task's handle.
template <class R, class F>
TaskCallable& make_spawn_task(F&& f, TaskState<R>& state) {
  reject_empty_callable(f, "spawn");
  return construct_task<SpawnClosure<std::decay_t<F>, R, NoInputs>>(std::forward<F>(f), state,
                                                                    NoInputs{});
}

// A spawn() task that runs after `dependencies` tasks, with room for its gate after the callable
// (see DependentTask); `inputs` gives the callable its dependency values (NoInputs: none).
template <class R, class F, class Inputs = NoInputs>
DependentTask make_dependent_task(F&& f, TaskState<R>& state, std::size_t dependencies,
                                  Inputs inputs = {}) {
  reject_empty_callable(f, "spawn");
  using Closure = SpawnClosure<std::decay_t<F>, R, Inputs>;
  constexpr std::size_t gate_offset = task_aligned(sizeof(Closure));
  TaskCallable& callable =
      construct_task_in<Closure>(gate_offset + dependency_gate_bytes(dependencies),
                                 std::forward<F>(f), state, std::move(inputs));
  return DependentTask{callable, reinterpret_cast<unsigned char*>(&callable) + gate_offset};
}

}  // namespace cascade::detail
