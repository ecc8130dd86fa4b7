#pragma once

#include <concepts>
#include <functional>
#include <stdexcept>
#include <system_error>
#include <type_traits>
#include <utility>

#include "cascade/context.hpp"
#include "cascade/error.hpp"

namespace cascade::detail {

// A task's callable, type-erased, constructed in storage owned by the task scheduler.
class TaskCallable {
 public:
  // Runs the callable once, turns its result into an Error, and ends the callable's lifetime
  // (its captures are destroyed), also when it throws: exceptions propagate after that. One
  // indirect call per task. The storage is freed elsewhere.
  virtual Error invoke_and_destroy(const Context& context) = 0;
  // Ends the callable's lifetime without running it (a skipped task).
  virtual void destroy() noexcept = 0;

 protected:
  TaskCallable() = default;
  ~TaskCallable() = default;
};

template <class R>
concept TaskResult =
    std::is_void_v<R> || std::same_as<R, Error> || std::same_as<R, std::error_code>;

template <class F>
decltype(auto) call_task(F& f, const Context& context) {
  if constexpr (std::is_invocable_v<F&, const Context&>) {
    return std::invoke(f, context);
  } else {
    static_assert(std::is_invocable_v<F&>,
                  "cascade: a task must be callable as f() or f(const cascade::Context&)");
    return std::invoke(f);
  }
}

template <class F>
Error invoke_task(F& f, const Context& context) {
  using R = decltype(call_task(f, context));
  static_assert(TaskResult<R>,
                "cascade: a task must return void, cascade::Error or std::error_code");
  if constexpr (std::is_void_v<R>) {
    call_task(f, context);
    return Error();
  } else if constexpr (std::same_as<R, Error>) {
    return call_task(f, context);
  } else {
    const std::error_code code = call_task(f, context);
    return code ? Error::make(std::system_error(code)) : Error();
  }
}

template <class F>
class TaskClosure final : public TaskCallable {
 public:
  template <class G>
  explicit TaskClosure(G&& f) : function_(std::forward<G>(f)) {}
  Error invoke_and_destroy(const Context& context) override {
    struct DestroyOnExit {
      TaskClosure* closure;
      ~DestroyOnExit() { closure->destroy(); }
    } destroy_on_exit{this};
    return invoke_task(function_, context);
  }
  void destroy() noexcept override { this->~TaskClosure(); }

 private:
  F function_;  // not const: mutable lambdas work
};

// Throws std::invalid_argument for a callable that holds nothing: a null function pointer, or a
// wrapper such as std::function whose explicit operator bool says it is empty.
template <class F>
void reject_empty_callable(const F& f) {
  using D = std::decay_t<F>;
  bool empty = false;
  if constexpr (std::is_pointer_v<D> || std::is_member_pointer_v<D>) {
    empty = f == nullptr;
  } else if constexpr (std::is_constructible_v<bool, const D&> && !std::is_convertible_v<const D&, bool>) {
    empty = !static_cast<bool>(f);
  }
  if (empty) throw std::invalid_argument("cascade::Group::go: the callable is empty (null function)");
}

}  // namespace cascade::detail
