// Dependent tasks (Group::spawn with after(), cascade/task_graph.hpp): the gate that holds a task
// back until its dependencies settle.
#include <algorithm>
#include <atomic>
#include <cstddef>
#include <mutex>
#include <new>
#include <span>
#include <stdexcept>

#include "cascade/detail/task_state.hpp"
#include "cascade/task_outcome.hpp"
#include "core/group_state.hpp"
#include "core/group_task.hpp"
#include "core/spin_lock.hpp"

namespace cascade::detail {

// A dependent task between its acceptance by the group and the settling of its last dependency.
// It counts the dependencies still pending, plus one for the registration itself, so that the
// task cannot be handed on before every edge is registered. The last arrival hands the task to
// the group: to its slots and the pool when every dependency succeeded, or to the upstream skip.
//
// Each dependency gets an Edge, a SettleWatcher on the dependency's state. The gate and its
// edges live in the task's own storage, after the callable (DependentTask), so that a node of a
// graph is one allocation and its gate is warm when its task is handed on. The gate ends (its
// destructor runs; the storage stays the task's) with the arrival that hands the task on; an
// edge is never touched after its notification (the dependency's list reads `next` before
// notifying), so the task may run and free the storage while other lists still walk past their
// own, already notified, edges.
//
// Skips go through a per-thread list instead of recursion: skipping a task settles its handle,
// which may make its own dependents due on this very thread, and a chain of 10,000 skips must not
// take 10,000 stack frames.
class GroupState::DependencyGate {
 public:
  // A gate for `dependencies` edges, in `room` (dependency_gate_bytes(dependencies) bytes).
  static DependencyGate& create(void* room, std::size_t dependencies) noexcept {
    static_assert(alignof(DependencyGate) <= kTaskAlignment, "the room is task_aligned()");
    return *new (room) DependencyGate(dependencies);
  }
  static std::size_t bytes_for(std::size_t dependencies) noexcept {
    return sizeof(DependencyGate) + dependencies * sizeof(Edge);
  }

  // Registers the accepted `task` on every dependency, then drops the registration's count: the
  // task may be handed on (on this or another thread) before this returns.
  void arm(Task& task, std::span<TaskStateBase* const> dependencies) noexcept;

 private:
  struct Edge final : SettleWatcher {
    explicit Edge(DependencyGate& owner) noexcept : SettleWatcher(&Edge::notified), gate(owner) {}
    static void notified(SettleWatcher& self, TaskStateBase& settled) noexcept {
      static_cast<Edge&>(self).gate.arrive(settled);
    }
    DependencyGate& gate;
  };

  explicit DependencyGate(std::size_t dependencies) noexcept : pending_(dependencies + 1) {}
  Edge* edges() noexcept { return reinterpret_cast<Edge*>(this + 1); }
  void arrive(TaskStateBase& dependency) noexcept;
  void keep_upstream(TaskStateBase& dependency) noexcept;
  void count_down() noexcept;
  void skip() noexcept;
  static void schedule_skip(DependencyGate& gate) noexcept;

  // This thread's skips still to run, and whether a schedule_skip() lower on its stack runs them.
  static constinit thread_local DependencyGate* pending_skips_;
  static constinit thread_local bool draining_skips_;

  Task* task_ = nullptr;  // set by arm()
  std::atomic<std::size_t> pending_;
  SpinLock upstream_lock_;
  // The dependency that did not succeed (one reference held), the most telling one when several
  // did not: a failure over a cancellation, that over an upstream skip, that over a group's skip.
  TaskStateBase* upstream_ = nullptr;  // guarded by upstream_lock_
  DependencyGate* next_skip_ = nullptr;
};

constinit thread_local GroupState::DependencyGate* GroupState::DependencyGate::pending_skips_ =
    nullptr;
constinit thread_local bool GroupState::DependencyGate::draining_skips_ = false;

namespace {

// How much a dependency's outcome says about why its dependents are skipped.
int telling(TaskOutcome outcome) noexcept {
  switch (outcome) {
    case TaskOutcome::failed:
      return 3;
    case TaskOutcome::cancelled:
      return 2;
    case TaskOutcome::skipped_upstream_failed:
      return 1;
    default:
      return 0;
  }
}

}  // namespace

void GroupState::DependencyGate::arm(Task& task,
                                     std::span<TaskStateBase* const> dependencies) noexcept {
  task_ = &task;
  Edge* edge = edges();
  for (TaskStateBase* dependency : dependencies) {
    Edge& registered = *new (edge++) Edge(*this);
    if (!dependency->watch(registered)) arrive(*dependency);
  }
  count_down();
}

void GroupState::DependencyGate::arrive(TaskStateBase& dependency) noexcept {
  if (dependency.outcome() != TaskOutcome::succeeded) [[unlikely]]
    keep_upstream(dependency);
  count_down();
}

void GroupState::DependencyGate::keep_upstream(TaskStateBase& dependency) noexcept {
  TaskStateBase* replaced = &dependency;
  {
    const std::lock_guard guard(upstream_lock_);
    if (upstream_ == nullptr || telling(dependency.outcome()) > telling(upstream_->outcome())) {
      dependency.retain();
      replaced = upstream_;
      upstream_ = &dependency;
    } else {
      replaced = nullptr;
    }
  }
  if (replaced != nullptr) replaced->release();
}

// The acquire-release decrement makes every arrival's upstream record, and every dependency's
// value, visible to the arrival that hands the task on.
void GroupState::DependencyGate::count_down() noexcept {
  if (pending_.fetch_sub(1, std::memory_order_acq_rel) != 1) return;
  if (upstream_ == nullptr) {
    Task& task = *task_;
    this->~DependencyGate();
    task.group().release_dependent(task);
    return;
  }
  schedule_skip(*this);
}

void GroupState::DependencyGate::schedule_skip(DependencyGate& gate) noexcept {
  gate.next_skip_ = pending_skips_;
  pending_skips_ = &gate;
  if (draining_skips_) return;
  draining_skips_ = true;
  while (DependencyGate* next = pending_skips_) {
    pending_skips_ = next->next_skip_;
    next->skip();
  }
  draining_skips_ = false;
}

void GroupState::DependencyGate::skip() noexcept {
  Task& task = *task_;
  TaskStateBase* upstream = upstream_;
  this->~DependencyGate();
  task.group().skip_upstream(task, *upstream);
  upstream->release();
}

std::size_t GroupState::dependency_gate_bytes(std::size_t dependencies) noexcept {
  return DependencyGate::bytes_for(dependencies);
}

void GroupState::submit_after(DependentTask task, std::span<TaskStateBase* const> dependencies) {
  TaskCallable& callable = task.callable;
  if (std::find(dependencies.begin(), dependencies.end(), nullptr) != dependencies.end()) {
    callable.destroy();
    free_task(&callable);
    throw std::invalid_argument(
        "cascade::Group::spawn: the After was moved from and names no tasks any more; pass each "
        "after(...) to one spawn");
  }
  if (extras_ != nullptr) check_submittable(callable, /*blocking=*/false);
  try {
    pool::hold(&Task::of(callable), counter_);
  } catch (...) {
    callable.destroy();
    free_task(&callable);
    throw;
  }
  DependencyGate::create(task.gate_room, dependencies.size())
      .arm(accept(callable, /*blocking=*/false), dependencies);
}

}  // namespace cascade::detail
