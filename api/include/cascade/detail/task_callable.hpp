#pragma once

#include <concepts>
#include <functional>
#include <stdexcept>
#include <string>
#include <system_error>
#include <type_traits>
#include <utility>

#include "cascade/context.hpp"
#include "cascade/detail/task_state.hpp"
#include "cascade/error.hpp"

namespace cascade::detail {

// What running a task produced: its failure (empty: success) and, for a spawn() task, its
// handle's shared state, whose reference passes to the caller (who settles it).
struct TaskRun {
  Error failure;
  TaskStateBase* handle = nullptr;
};

// A task's callable, type-erased, constructed in storage owned by the task scheduler.
class TaskCallable {
 public:
  // Runs the callable once, turns its result into a TaskRun, and ends the callable's lifetime
  // (its captures are destroyed), also when it throws: exceptions propagate after that (a spawn()
  // task catches them itself, so that its handle is always returned). One indirect call per task.
  // The storage is freed elsewhere.
  virtual TaskRun invoke_and_destroy(const Context& context) = 0;
  // Ends the callable's lifetime without running it; a spawn() task's handle reference is
  // dropped.
  virtual void destroy() noexcept = 0;
  // Ends the callable's lifetime without running it, as a skipped task's, and returns a spawn()
  // task's handle state, whose reference passes to the caller (null for go() tasks). One indirect
  // call.
  virtual TaskStateBase* discard() noexcept = 0;
  // True when skipping the task takes nothing but not calling it: ending the callable's lifetime
  // runs no code (its captures are trivially destructible) and it holds no handle. The group then
  // skips it without discard() and without marking the thread as running one of its tasks.
  bool skips_silently() const noexcept { return skips_silently_; }

 protected:
  explicit TaskCallable(bool skips_silently) noexcept : skips_silently_(skips_silently) {}
  ~TaskCallable() = default;

 private:
  bool skips_silently_;
};

template <class R>
concept TaskResult =
    std::is_void_v<R> || std::same_as<R, Error> || std::same_as<R, std::error_code>;

// Calls f with the task's context first when it takes one, then `inputs` (a dependent task's
// dependency values; none for other tasks).
template <class F, class... Inputs>
decltype(auto) call_task(F& f, const Context& context, const Inputs&... inputs) {
  if constexpr (std::is_invocable_v<F&, const Context&, const Inputs&...>) {
    return std::invoke(f, context, inputs...);
  } else {
    static_assert(
        std::is_invocable_v<F&, const Inputs&...>,
        "cascade: a task must be callable as f() or f(const cascade::Context&), followed by "
        "the values of the tasks it runs after");
    return std::invoke(f, inputs...);
  }
}

template <class F, class... Inputs>
Error invoke_task(F& f, const Context& context, const Inputs&... inputs) {
  using R = decltype(call_task(f, context, inputs...));
  static_assert(TaskResult<R>,
                "cascade: a task must return void, cascade::Error or std::error_code");
  if constexpr (std::is_void_v<R>) {
    call_task(f, context, inputs...);
    return Error();
  } else if constexpr (std::same_as<R, Error>) {
    return call_task(f, context, inputs...);
  } else {
    const std::error_code code = call_task(f, context, inputs...);
    return code ? Error::make(std::system_error(code)) : Error();
  }
}

// The type of the value a spawn() task's handle holds: the callable's return type, or void for
// the forms go() accepts (void, Error, std::error_code), whose Error is the task's failure.
// `Inputs`: the types of the dependency values the callable receives after the context.
template <class F, class... Inputs>
using TaskReturn = std::conditional_t<std::is_invocable_v<F&, const Context&, const Inputs&...>,
                                      std::invoke_result<F&, const Context&, const Inputs&...>,
                                      std::invoke_result<F&, const Inputs&...>>;
template <class F, class... Inputs>
using SpawnResult = std::conditional_t<TaskResult<typename TaskReturn<F, Inputs...>::type>, void,
                                       typename TaskReturn<F, Inputs...>::type>;

// The inputs of a task that runs after no other task: its callable receives nothing more.
struct NoInputs {
  template <class Call>
  decltype(auto) apply(Call&& call) const {
    return std::forward<Call>(call)();
  }
};

template <class F>
class TaskClosure final : public TaskCallable {
 public:
  template <class G>
  explicit TaskClosure(G&& f)
      : TaskCallable(std::is_trivially_destructible_v<F>), function_(std::forward<G>(f)) {}
  TaskRun invoke_and_destroy(const Context& context) override {
    struct DestroyOnExit {
      TaskClosure* closure;
      ~DestroyOnExit() { closure->destroy(); }
    } destroy_on_exit{this};
    return {invoke_task(function_, context)};
  }
  void destroy() noexcept override { this->~TaskClosure(); }
  TaskStateBase* discard() noexcept override {
    destroy();
    return nullptr;
  }

 private:
  F function_;  // not const: mutable lambdas work
};

// A spawn() task: stores the callable's value in the handle's state (not yet settled), and hands
// the state back with the failure, so that the group records the task before it settles it.
// `Inputs` gives the callable its dependency values (NoInputs: none; see cascade/task_graph.hpp).
template <class F, class R, class Inputs = NoInputs>
class SpawnClosure final : public TaskCallable {
 public:
  template <class G>
  SpawnClosure(G&& f, TaskState<R>& state, Inputs inputs = {})
      : TaskCallable(/*skips_silently=*/false),
        function_(std::forward<G>(f)),
        inputs_(std::move(inputs)),
        state_(&state) {
    state.retain();
  }
  TaskRun invoke_and_destroy(const Context& context) override {
    Error failure = run(context);
    return {std::move(failure), discard()};
  }
  void destroy() noexcept override {
    if (state_ != nullptr) state_->release();
    this->~SpawnClosure();
  }
  TaskStateBase* discard() noexcept override {
    TaskStateBase* state = std::exchange(state_, nullptr);
    destroy();
    return state;
  }

 private:
  Error run(const Context& context) noexcept {
    try {
      return inputs_.apply([this, &context](const auto&... inputs) {
        if constexpr (std::is_void_v<R>) {
          return invoke_task(function_, context, inputs...);
        } else {
          static_cast<TaskState<R>*>(state_)->value.emplace(
              call_task(function_, context, inputs...));
          return Error();
        }
      });
    } catch (...) {
      return Error::from_exception(std::current_exception());
    }
  }

  F function_;  // not const: mutable lambdas work
  [[no_unique_address]] Inputs inputs_;
  TaskStateBase* state_;  // one reference, until handed back
};

// Throws std::invalid_argument for a callable that holds nothing: a null function pointer, or a
// wrapper such as std::function whose explicit operator bool says it is empty.
// `operation` names the call in the message ("go", "try_go", "spawn").
template <class F>
void reject_empty_callable(const F& f, const char* operation) {
  // Not decayed: a function passed by name (a reference to a function) is never null, and
  // comparing it with null would not compile cleanly (-Wnonnull-compare).
  using D = std::remove_cvref_t<F>;
  bool empty = false;
  if constexpr (std::is_pointer_v<D> || std::is_member_pointer_v<D>) {
    empty = f == nullptr;
  } else if constexpr (std::is_constructible_v<bool, const D&> &&
                       !std::is_convertible_v<const D&, bool>) {
    empty = !static_cast<bool>(f);
  }
  if (empty)
    throw std::invalid_argument(std::string("cascade::Group::") + operation +
                                ": the callable is empty (null function)");
}

}  // namespace cascade::detail
