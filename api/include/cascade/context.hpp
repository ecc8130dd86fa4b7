#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <stop_token>
#include <type_traits>
#include <utility>

#include "cascade/cancel_callback.hpp"
#include "cascade/detail/callback_record.hpp"
#include "cascade/detail/context_state.hpp"
#include "cascade/error.hpp"

namespace cascade {

namespace detail {
class ContextAccess;
// Registers `record` on the node, or runs it at once when the node is already cancelled.
void register_callback(ContextState* state, CallbackRecord& record);
}  // namespace detail

// Context is a cheap, copyable handle to one node of a cancellation tree (Go's context.Context
// without values). Cancelling a node cancels every node below it, synchronously, with the same
// cause; nothing ever cancels upward. Contexts are made by with_cancel, with_timeout,
// with_deadline, without_cancel (derived_contexts.hpp) and by Group.
//
// Thread-safety: all members are safe to call concurrently on the same or different handles.
// A default-constructed or moved-from Context is background().
class Context {
 public:
  // The root: never cancelled, no deadline, no cause.
  static Context background() noexcept;

  // background(). Copies name the same node (a shared reference count); a moved-from Context is
  // background().
  Context() noexcept : Context(background()) {}
  Context(const Context& other) noexcept : state_(other.state_) { detail::retain(state_); }
  Context(Context&& other) noexcept : state_(std::exchange(other.state_, background_state())) {}
  Context& operator=(Context other) noexcept {
    std::swap(state_, other.state_);
    return *this;
  }
  ~Context() { detail::release(state_); }

  // True once this node or any ancestor is cancelled. One atomic load with acquire ordering at
  // any depth (cancellation is pushed down the tree): after it returns true, err() and cause()
  // are visible, and so is everything the cancelling thread did before cancelling.
  bool cancelled() const noexcept { return state_->cancelled.load(std::memory_order_acquire); }

  // Success while live; then a Cancelled, or a DeadlineExceeded when a deadline fired (Go's Err).
  Error err() const;

  // Success while live; then the cause given by the first cancellation of this node or of an
  // ancestor (Go's context.Cause). Without an explicit cause it equals err().
  Error cause() const;

  // The earliest deadline of this node and its ancestors, if any.
  std::optional<std::chrono::steady_clock::time_point> deadline() const;

  // Returns once the context is cancelled (at once when it already is; never for background()).
  // Callable from any thread. Inside a oneTBB task (a go() task, or any TBB task) the task is
  // suspended with oneTBB's resumable tasks, so its worker thread runs other tasks meanwhile;
  // the task then continues on whichever thread of its arena picks it up, so code after the
  // call must not rely on thread_local state from before it. Anywhere else (a plain thread, a
  // go_blocking task, the body of task_arena::execute) the calling thread blocks.
  // Throws std::system_error (std::errc::resource_unavailable_try_again) when the task would
  // have to be suspended while max_suspended_waits() tasks already are. Memory: everything the
  // cancelling thread did before cancelling happens-before the return, as with cancelled().
  // docs/blocking.md, "Context::wait inside a worker", has the costs and the limits.
  void wait() const;
  // Like wait(), for at most `timeout`: true if the context was cancelled, false if the time ran
  // out first (at once for a zero or negative timeout); an enormous timeout means no limit.
  // Inside a TBB task, the timeout resumes the suspended task too.
  bool wait_for(std::chrono::nanoseconds timeout) const;
  // Like wait_for(), until `time`: true if the context was cancelled, false once `time` passed.
  bool wait_until(std::chrono::steady_clock::time_point time) const;

  // A token that reports stop_requested() once the context is cancelled; usable with
  // std::stop_callback, std::jthread and std::condition_variable_any.
  std::stop_token stop_token() const;

  // Registers f() to run exactly once when the context is cancelled: on the cancelling thread
  // after the whole subtree is marked, with no lock held; or at once, on this thread, when the
  // context is already cancelled. f must not throw (std::terminate). Keep the returned
  // CancelCallback alive for as long as f may run: destroying it deregisters f. The callbacks of
  // one context run in no particular order.
  template <class F>
  [[nodiscard]] CancelCallback on_cancel(F&& f) const;

  // Live children registered on this node. Children of a node that can never be cancelled
  // (background(), without_cancel) are not registered, so there this is always 0.
  std::size_t child_count() const;

  // True when both handles name the same node.
  friend bool operator==(const Context& a, const Context& b) noexcept {
    return a.state_ == b.state_;
  }

 private:
  friend class detail::ContextAccess;
  struct Adopt {};
  // Takes over one reference the caller already holds.
  Context(Adopt, detail::ContextState* state) noexcept : state_(state) {}
  static detail::ContextState* background_state() noexcept;

  detail::ContextState* state_;
};

// The limit on tasks suspended at once in Context::wait, wait_for and wait_until, process-wide
// (waits that block a thread do not count). Each suspended task keeps its stack mapped, and
// Linux lets a process hold about 32k such stacks (vm.max_map_count), past which oneTBB
// crashes; a wait that would go past the limit throws std::system_error instead. Default 16384.
// Throws std::invalid_argument for a limit below 1 or above half of vm.max_map_count. Lowering
// it below suspended_waits() only refuses new suspensions. Thread-safe.
void set_max_suspended_waits(int limit);
int max_suspended_waits() noexcept;
// The number of tasks suspended in a wait at this moment (a snapshot). Thread-safe.
int suspended_waits() noexcept;

template <class F>
CancelCallback Context::on_cancel(F&& f) const {
  using Record = detail::CallbackRecordFor<std::decay_t<F>>;
  static_assert(std::is_invocable_v<std::decay_t<F>&>,
                "Context::on_cancel: f must be callable as f()");
  auto* record = new Record(std::forward<F>(f));
  detail::register_callback(state_, *record);
  detail::retain(state_);
  return CancelCallback(state_, record);
}

}  // namespace cascade
