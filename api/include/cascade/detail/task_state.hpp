#pragma once

#include <atomic>
#include <optional>
#include <typeinfo>
#include <utility>

#include "cascade/canceller.hpp"
#include "cascade/context.hpp"
#include "cascade/derived_contexts.hpp"
#include "cascade/error.hpp"
#include "cascade/task_outcome.hpp"

namespace cascade::detail {

// The state a spawn() task shares with its Task handles (and, for first_success and quorum, with
// its group when it won). Reference counted: the handles, the task until it is settled, and the
// group's winner record each hold one.
//
// Settling is the one-way switch from pending to an outcome. It is a context: `settled_` is a
// root context cancelled by settle(), so Task::wait() is Context::wait() (a waiting TBB task is
// suspended, not blocked), and code that must run when the task settles (dependent tasks) can
// hang off it with on_cancel(). Memory: the value, the outcome and the failure are written before
// settle() cancels `settled_`, and read only after settled_.cancelled() (acquire) is true.
class TaskStateBase {
 public:
  TaskStateBase(const TaskStateBase&) = delete;
  TaskStateBase& operator=(const TaskStateBase&) = delete;

  void retain() noexcept { references_.fetch_add(1, std::memory_order_relaxed); }
  void release() noexcept {
    if (references_.fetch_sub(1, std::memory_order_acq_rel) == 1) delete this;
  }

  bool ready() const noexcept { return settled_.first.cancelled(); }
  void wait() const { settled_.first.wait(); }
  const Context& settled() const noexcept { return settled_.first; }
  TaskOutcome outcome() const noexcept { return ready() ? outcome_ : TaskOutcome::pending; }
  // The failure (or, for a skipped task, a TaskSkipped); success while pending or succeeded.
  Error failure() const { return ready() ? failure_ : Error(); }
  // typeid of the task's value type (void for Task<void>).
  const std::type_info& result_type() const noexcept { return result_type_; }

  // Publishes the outcome; called once, by the group, after the value (if any) was stored.
  void settle(TaskOutcome outcome, Error failure) noexcept {
    outcome_ = outcome;
    failure_ = std::move(failure);
    settled_.second();
  }

 protected:
  explicit TaskStateBase(const std::type_info& result_type)
      : settled_(with_cancel(Context::background())), result_type_(result_type) {}
  virtual ~TaskStateBase() = default;

 private:
  std::atomic<int> references_{1};
  std::pair<Context, Canceller> settled_;
  const std::type_info& result_type_;
  TaskOutcome outcome_ = TaskOutcome::pending;
  Error failure_;
};

// The shared state of a task whose callable returns R: its value, once it succeeded.
template <class R>
class TaskState final : public TaskStateBase {
 public:
  TaskState() : TaskStateBase(typeid(R)) {}
  std::optional<R> value;  // written by the task before settling, read after ready()
};

template <>
class TaskState<void> final : public TaskStateBase {
 public:
  TaskState() : TaskStateBase(typeid(void)) {}
};

}  // namespace cascade::detail
