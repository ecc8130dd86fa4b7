#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <new>
#include <optional>
#include <string>
#include <typeinfo>
#include <utility>

#include "cascade/error.hpp"
#include "cascade/task_outcome.hpp"

namespace cascade::detail {

class TaskStateBase;

// Something told once when a task settles: a dependent task's edge (core/dependency_gate.hpp) or
// the signal Task::wait() sleeps on. Registered with TaskStateBase::watch(); `notify` runs on the
// settling thread, after the outcome is published, and may free the watcher (the list reads
// `next` first).
struct SettleWatcher {
  using Notify = void (*)(SettleWatcher& watcher, TaskStateBase& settled) noexcept;
  explicit SettleWatcher(Notify notify_function) noexcept : notify(notify_function) {}
  Notify notify;
  SettleWatcher* next = nullptr;
};

// The state a spawn() task shares with its Task handles (and, for first_success and quorum, with
// its group when it won). Reference counted: the handles, the task until it is settled, and the
// group's winner record each hold one.
//
// Settling is the one-way switch from pending to an outcome. `watchers_` is a lock-free list of
// SettleWatchers, closed by settle(): settle() swaps in the closed marker and notifies everything
// that was registered; watch() on a closed list returns false and the caller acts at once, so a
// registration racing with settle() is either notified or told, never lost, never both.
// Task::wait() creates its wait signal (a context) only when it would have to wait, so a task
// nobody waits for costs no context. Memory: the value, the outcome and the failure are written
// before settle() closes the list (release) and read after ready() (acquire) saw it closed.
// Identity: an optional name, and an id unique in the process, taken in spawn order.
class TaskStateBase {
 public:
  TaskStateBase(const TaskStateBase&) = delete;
  TaskStateBase& operator=(const TaskStateBase&) = delete;

  void retain() noexcept { references_.fetch_add(1, std::memory_order_relaxed); }
  void release() noexcept {
    if (references_.fetch_sub(1, std::memory_order_acq_rel) == 1) delete this;
  }

  bool ready() const noexcept { return watchers_.load(std::memory_order_acquire) == closed(); }
  // Returns once ready(); suspends a TBB task, blocks any other thread (Context::wait's rules).
  void wait();
  TaskOutcome outcome() const noexcept { return ready() ? outcome_ : TaskOutcome::pending; }
  // The failure (or, for a skipped task, a TaskSkipped); success while pending or succeeded.
  Error failure() const { return ready() ? failure_ : Error(); }
  // typeid of the task's value type (void for Task<void>).
  const std::type_info& result_type() const noexcept { return result_type_; }
  // The name given at spawn() (empty when none) and the process-wide id.
  const std::string& name() const noexcept { return name_; }
  std::uint64_t id() const noexcept { return id_; }
  // The name in single quotes, or "#<id>" for a task without a name.
  std::string label() const;

  // Publishes the outcome and notifies every watcher; called once, by the group, after the value
  // (if any) was stored.
  void settle(TaskOutcome outcome, Error failure) noexcept;
  // Registers `watcher` to be notified when the task settles: true. False when it has already
  // settled: then nothing was registered and the caller must act itself (the outcome is visible).
  // Thread-safe; lock-free.
  bool watch(SettleWatcher& watcher) noexcept;

  // Storage for a state: a block of cascade's per-thread memory when it fits one (as a task
  // takes), the heap otherwise. A task graph makes and frees one state per node. The destructor
  // is virtual, so delete passes the size of the state's own type. Throws std::bad_alloc.
  // (The sized delete is the matching one; clang-tidy looks for an unsized one.)
  static void* operator new(std::size_t bytes);  // NOLINT(misc-new-delete-overloads)
  static void operator delete(void* state, std::size_t bytes) noexcept;

 protected:
  TaskStateBase(const std::type_info& result_type, std::string name);
  virtual ~TaskStateBase();

 private:
  class WaitSignal;
  static SettleWatcher* closed() noexcept {
    return reinterpret_cast<SettleWatcher*>(alignof(SettleWatcher));
  }
  WaitSignal& wait_signal();

  std::atomic<int> references_{1};
  TaskOutcome outcome_ = TaskOutcome::pending;
  std::atomic<SettleWatcher*> watchers_{nullptr};  // closed() once settled
  std::atomic<WaitSignal*> wait_signal_{nullptr};  // created by the first wait() that waits
  const std::type_info& result_type_;
  Error failure_;
  const std::uint64_t id_;
  const std::string name_;
};

// The shared state of a task whose callable returns R: its value, once it succeeded.
template <class R>
class TaskState final : public TaskStateBase {
 public:
  explicit TaskState(std::string name = {}) : TaskStateBase(typeid(R), std::move(name)) {}

  using TaskStateBase::operator new;
  using TaskStateBase::operator delete;
  // A state whose value is over-aligned takes the heap, with the alignment it needs.
  static void* operator new(std::size_t bytes, std::align_val_t alignment) {
    return ::operator new(bytes, alignment);
  }
  static void operator delete(void* state, std::align_val_t alignment) noexcept {
    ::operator delete(state, alignment);
  }

  std::optional<R> value;  // written by the task before settling, read after ready()
};

template <>
class TaskState<void> final : public TaskStateBase {
 public:
  explicit TaskState(std::string name = {}) : TaskStateBase(typeid(void), std::move(name)) {}
};

}  // namespace cascade::detail
