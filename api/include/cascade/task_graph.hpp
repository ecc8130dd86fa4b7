#pragma once

#include <array>
#include <cstddef>
#include <span>
#include <stdexcept>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "cascade/detail/task_callable.hpp"
#include "cascade/detail/task_state.hpp"
#include "cascade/task.hpp"

namespace cascade {

namespace detail {

// The argument a dependency of type R gives its dependent: const R&, or nothing for void.
template <class R>
struct Input {
  using type = std::tuple<const R&>;
};
template <>
struct Input<void> {
  using type = std::tuple<>;
};
template <class R>
using InputOf = typename Input<R>::type;

template <class F, class Inputs>
struct SpawnResultWithInputs;
template <class F, class... Inputs>
struct SpawnResultWithInputs<F, std::tuple<Inputs...>> {
  using type = SpawnResult<F, std::remove_cvref_t<Inputs>...>;
};

}  // namespace detail

// After<R...> names the tasks a spawn() task runs after, with their values: made by
// after(a, b, ...) and passed to Group::spawn(f, after(a, b)). The dependent task starts only
// once every one of them succeeded, and f receives their values as arguments, in order, by const
// reference (after the const Context& when f takes one); a Task<void> dependency gives no
// argument. Holds a reference to each dependency's state (the handles may go meanwhile).
// Move-only. Throws std::invalid_argument for a moved-from handle.
template <class... R>
class After {
 public:
  // Names `tasks`, taking a reference to each one's state.
  explicit After(const Task<R>&... tasks)
      : states_{&detail::TaskAccess::checked_state(tasks, "cascade::after")...} {
    for (detail::TaskStateBase* state : states_) state->retain();
  }
  // Takes over `other`'s dependencies; `other` then names none.
  After(After&& other) noexcept : states_(std::exchange(other.states_, {})) {}
  After(const After&) = delete;
  After& operator=(const After&) = delete;
  ~After() {
    for (detail::TaskStateBase* state : states_)
      if (state != nullptr) state->release();
  }

  // The type of the value a callable F gives the dependent task's handle (Group::spawn's R).
  template <class F>
  using ResultOf =
      typename detail::SpawnResultWithInputs<F, decltype(std::tuple_cat(
                                                    std::declval<detail::InputOf<R>>()...))>::type;

  // The dependencies' states, in order (for Group::spawn); all null once this After was moved
  // from, which spawn refuses.
  std::array<detail::TaskStateBase*, sizeof...(R)> states() const noexcept { return states_; }

  // Calls `call` with the values of the dependencies that have one. Precondition: every
  // dependency succeeded.
  template <class Call>
  decltype(auto) apply(Call&& call) const {
    return apply_in_order(std::forward<Call>(call), std::index_sequence_for<R...>{});
  }

 private:
  template <class Call, std::size_t... Index>
  decltype(auto) apply_in_order(Call&& call, std::index_sequence<Index...>) const {
    return std::apply(std::forward<Call>(call), std::tuple_cat(input<R, Index>()...));
  }
  template <class Value, std::size_t Index>
  detail::InputOf<Value> input() const {
    if constexpr (std::is_void_v<Value>)
      return {};
    else
      return detail::InputOf<Value>(*static_cast<detail::TaskState<Value>*>(states_[Index])->value);
  }

  std::array<detail::TaskStateBase*, sizeof...(R)> states_;
};

// AfterList names a number of tasks known only at run time (of any value types), made by
// after(vector) or by add(): Group::spawn(f, after(list)) runs f once every one of them
// succeeded, like After, but f receives no dependency values (read them with get() on the
// handles, which are ready when f runs). Holds a reference to each dependency's state. Up to
// kInlineDependencies are kept in the list itself, more on the heap. Move-only.
class AfterList {
 public:
  // How many dependencies the list holds without allocating.
  static constexpr std::size_t kInlineDependencies = 4;

  // An empty list: a task spawned after it starts at once.
  AfterList() = default;
  // Takes over `other`'s dependencies; `other` then names none.
  AfterList(AfterList&& other) noexcept
      : inline_(other.inline_),
        inline_count_(std::exchange(other.inline_count_, 0)),
        spilled_(std::move(other.spilled_)) {
    other.spilled_.clear();
  }
  AfterList(const AfterList&) = delete;
  AfterList& operator=(const AfterList&) = delete;
  ~AfterList() {
    for (detail::TaskStateBase* state : states()) state->release();
  }

  // Adds one dependency. Throws std::invalid_argument for a moved-from handle, std::bad_alloc.
  template <class R>
  AfterList& add(const Task<R>& task) {
    detail::TaskStateBase& state =
        detail::TaskAccess::checked_state(task, "cascade::AfterList::add");
    if (spilled_.empty() && inline_count_ < kInlineDependencies) {
      inline_[inline_count_++] = &state;
    } else {
      if (spilled_.empty()) spill(2 * kInlineDependencies);
      spilled_.push_back(&state);
    }
    state.retain();
    return *this;
  }

  // Makes room for `count` dependencies in all, so that add() does not allocate up to there.
  void reserve(std::size_t count) {
    if (count > kInlineDependencies) spill(count);
  }

  // The dependencies' states, for Group::spawn (internal: the type is the library's own).
  std::span<detail::TaskStateBase* const> states() const noexcept {
    if (!spilled_.empty()) return spilled_;
    return std::span<detail::TaskStateBase* const>(inline_.data(), inline_count_);
  }

 private:
  // Moves the inline dependencies to the heap, with room for `count` in all: from then on every
  // dependency is in spilled_.
  void spill(std::size_t count) {
    spilled_.reserve(count);
    spilled_.insert(spilled_.end(), inline_.begin(), inline_.begin() + inline_count_);
    inline_count_ = 0;
  }

  std::array<detail::TaskStateBase*, kInlineDependencies> inline_{};
  std::size_t inline_count_ = 0;
  std::vector<detail::TaskStateBase*> spilled_;  // all of them, once more than fit inline
};

// after(a, b, ...): the tasks a spawn() task runs after, with their values (see After).
template <class... R>
After<R...> after(const Task<R>&... tasks) {
  return After<R...>(tasks...);
}

// after(tasks): every task of a list, without their values (see AfterList).
template <class R>
AfterList after(std::span<const Task<R>> tasks) {
  AfterList list;
  for (const Task<R>& task : tasks) list.add(task);
  return list;
}
// after(tasks) for a vector (see AfterList).
template <class R>
AfterList after(const std::vector<Task<R>>& tasks) {
  return after(std::span<const Task<R>>(tasks));
}

}  // namespace cascade
