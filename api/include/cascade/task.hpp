#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>

#include "cascade/detail/task_state.hpp"
#include "cascade/error.hpp"
#include "cascade/task_outcome.hpp"

namespace cascade {

class Group;
template <class R>
class Task;

namespace detail {
// The state behind a handle, for the library's own templates (after(), reports).
struct TaskAccess {
  template <class R>
  static TaskStateBase* state(const Task<R>& task) noexcept {
    return task.state_;
  }
  // The state behind `task`. Throws std::invalid_argument, naming `operation`, when `task` was
  // moved from (it has none).
  template <class R>
  static TaskStateBase& checked_state(const Task<R>& task, const char* operation) {
    if (task.state_ == nullptr) refuse_empty_handle(operation);
    return *task.state_;
  }
  // Throws the std::invalid_argument of checked_state().
  [[noreturn]] static void refuse_empty_handle(const char* operation);
};
}  // namespace detail

// Task<R> is the handle Group::spawn() returns: the task's value of type R once it succeeded, or
// its failure. A cheap handle: copies share one state (a reference count), and the state lives
// while any handle does, also after the group is gone. R may be move-only (get() returns a
// reference to the one stored value, which the caller may move from). Task<void> is the handle of
// a task whose callable returns void, Error or std::error_code.
// Thread-safety: all members may be called from any thread, concurrently. Memory: once ready()
// returned true (or wait() returned), everything the task did is visible to the caller.
template <class R>
class Task {
 public:
  // Copies share the task's state (an atomic reference count); a moved-from handle may only be
  // assigned or destroyed.
  Task(const Task& other) noexcept : state_(other.state_) { state_->retain(); }
  Task(Task&& other) noexcept : state_(std::exchange(other.state_, nullptr)) {}
  Task& operator=(Task other) noexcept {
    std::swap(state_, other.state_);
    return *this;
  }
  ~Task() {
    if (state_ != nullptr) state_->release();
  }

  // True once the task has an outcome: it finished (succeeded, failed, cancelled) or was skipped.
  // A moved-from handle must not be used, except to be assigned or destroyed.
  bool ready() const noexcept { return state_->ready(); }

  // Returns once ready() is true. Inside a TBB task (a go() or spawn() task, of any group) the
  // calling task is suspended, as with Context::wait(), so its worker runs other tasks, the awaited
  // one included: waiting for a sibling task from inside a task does not deadlock by itself. Under
  // the group's set_limit, though, the suspended task keeps its slot: when every slot is held by
  // tasks that wait for tasks queued behind the limit, none of them ends. Let the dependency
  // express it instead (spawn(f, after(t)), cascade/task_graph.hpp): a dependent task takes its
  // slot only once its dependencies succeeded. On any other thread the thread blocks, so the task
  // must be able to run without its help (worker threads, a Pool, or a blocking task);
  // Group::wait() always can, and afterwards every handle is ready. A task that waits for its own
  // handle waits forever: unlike Group::wait(), this is not detected.
  // Throws std::system_error when the task cannot be suspended (Context::wait's limit).
  void wait() const { state_->wait(); }

  // The name given to spawn() (TaskOptions::name; empty when none), and the task's id: a number
  // unique in the process, given at spawn(), increasing in spawn order on each thread.
  const std::string& name() const noexcept { return state_->name(); }
  std::uint64_t id() const noexcept { return state_->id(); }
  // How reports and UpstreamFailed name the task: its name in single quotes ('link'), or # and its
  // id (#17).
  std::string label() const { return state_->label(); }

  // TaskOutcome::pending until ready(), then how the task ended.
  TaskOutcome outcome() const noexcept { return state_->outcome(); }

  // The task's failure: the Error it produced (failed, or cancelled), a TaskSkipped (skipped), an
  // UpstreamFailed (skipped_upstream_failed, cascade/upstream_failed.hpp);
  // success while pending or once succeeded.
  Error error() const { return state_->failure(); }

  // The value (a reference to the one stored R; void for Task<void>). Throws the task's failure
  // (its own exception object; a TaskSkipped, a Cancelled, for a skipped task; an UpstreamFailed,
  // also a TaskSkipped, for one skipped because a task it depends on did not succeed). Does not
  // wait: on a task that is not ready() it throws std::logic_error; call wait() (or the group's
  // wait()) first.
  std::add_lvalue_reference_t<R> get() const {
    if (!state_->ready())
      throw std::logic_error(
          "cascade::Task::get: the task has not finished; call wait() on the handle, or the "
          "group's wait(), first");
    state_->failure().throw_if_error();
    if constexpr (!std::is_void_v<R>) return *static_cast<detail::TaskState<R>*>(state_)->value;
  }

 private:
  friend class Group;
  friend struct detail::TaskAccess;
  // Takes over one reference to `state`.
  explicit Task(detail::TaskState<R>* state) noexcept : state_(state) {}

  detail::TaskStateBase* state_;
};

}  // namespace cascade
