#pragma once

#include <span>
#include <type_traits>
#include <typeinfo>
#include <utility>

#include "cascade/context.hpp"
#include "cascade/detail/group_runtime.hpp"
#include "cascade/error.hpp"
#include "cascade/group_options.hpp"
#include "cascade/group_stats.hpp"
#include "cascade/task.hpp"
#include "cascade/task_graph.hpp"
#include "cascade/task_options.hpp"

namespace cascade {

// Group runs tasks on oneTBB and reports the first failure (Go's errgroup.Group, with a context
// tree underneath). The full rules are in docs/semantics.md; in short:
// - go(f) submits f; f is void(), Error() or std::error_code(), optionally taking
//   const Context& (the group's context). Any exception f throws, of any type, is a failure;
//   so is an Error that holds one, and a non-zero error_code (as std::system_error).
// - wait() waits for every task submitted so far and returns the first failure by completion
//   (the same Error the task produced); else the context's cause if a task was skipped; else
//   success.
// - Tasks not yet started when the context is cancelled are skipped; running tasks are never
//   interrupted, they observe context().cancelled().
// - A policy chosen at construction (GroupOptions, docs/policies.md) replaces "the first failure"
//   above by its own rule; Group() is supervise and Group(parent) fail_fast.
// Not copyable, not movable. go(), try_go(), the _blocking forms, cancel() and wait() may be
// called from any thread
// and from inside the group's own tasks (except wait(), which would wait for itself); set_limit
// must not race with go().
class Group {
 public:
  // Like Go's zero Group: failures are recorded but cancel nothing; context() is a new root,
  // cancelled only by cancel() (and by the destructor).
  Group() : Group(detail::new_group_state(nullptr, nullptr)) {}

  // Like errgroup.WithContext: context() is a child of `parent`, cancelled by the first failure
  // (with that failure as cause), by the parent, by cancel(), and by wait() once all tasks are
  // done (with a Cancelled cause saying the group finished).
  explicit Group(const Context& parent) : Group(detail::new_group_state(&parent, nullptr)) {}

  // The same two, bound to `pool` (cascade/pool.hpp): every task runs in the pool, wherever go()
  // is called from, and wait() enters the pool from a thread outside it. Without a pool, tasks
  // run in the arena of the thread that calls go(), as with a plain tbb::task_group. The pool
  // must outlive the group. go_blocking tasks still run on the blocking pool.
  explicit Group(Pool& pool) : Group(detail::new_group_state(nullptr, &pool)) {}
  Group(const Context& parent, Pool& pool) : Group(detail::new_group_state(&parent, &pool)) {}

  // The four above with `options` (cascade/group_options.hpp): its policy replaces the default
  // one (fail_fast with a parent, supervise without); with count_tasks, stats() counts. A policy
  // that is not fail_fast never cancels the context in wait(): only cancel(), the parent, the
  // destructor and the policy's own rule do.
  explicit Group(const GroupOptions& options)
      : Group(detail::new_group_state(nullptr, nullptr, options)) {}
  Group(const Context& parent, const GroupOptions& options)
      : Group(detail::new_group_state(&parent, nullptr, options)) {}
  Group(Pool& pool, const GroupOptions& options)
      : Group(detail::new_group_state(nullptr, &pool, options)) {}
  Group(const Context& parent, Pool& pool, const GroupOptions& options)
      : Group(detail::new_group_state(&parent, &pool, options)) {}

  Group(const Group&) = delete;
  Group& operator=(const Group&) = delete;

  // Without a completed wait(): cancels the context (the cause says the group was destroyed before
  // wait()), waits for running tasks, skips queued ones. In every case the context ends cancelled
  // and detached from its parent. Never throws. Precondition: not called from inside one of the
  // group's own tasks (e.g. by a callable holding the last owner of the Group), which could only
  // wait for itself: that is reported on stderr and terminates the process.
  ~Group() { detail::end_group(*state_); }

  // The group's context; its copies stay valid after the group is destroyed.
  const Context& context() const noexcept { return context_; }

  // Submits f. Throws std::invalid_argument for an empty callable, std::logic_error under a limit
  // of 0, and whatever allocating or moving f throws (then nothing was submitted). At the limit,
  // the task waits in the group's queue: go() never blocks.
  template <class F>
  void go(F&& f) {
    detail::submit(*state_, detail::make_task(std::forward<F>(f), "go"));
  }

  // Like go(), for a callable that returns a value: the same forms (taking const Context& or not),
  // returning R by value, R any movable type (std::unique_ptr works). Returns the task's handle
  // (cascade/task.hpp), which holds the value once the task succeeded, or its failure. A
  // callable returning void, Error or std::error_code gives a Task<void>, with go()'s failure
  // rules. The task is a go() task in every other respect: counted by wait(), skipped once the
  // context is cancelled (its handle then holds a TaskSkipped), subject to the limit and the
  // policy. Throws what go() throws (then nothing was submitted).
  template <class F>
  auto spawn(F&& f) {
    return spawn(std::forward<F>(f), TaskOptions{});
  }

  // spawn(f) for a task with a name (TaskOptions, cascade/task_options.hpp), which reports and
  // the UpstreamFailed of its dependents show.
  template <class F>
  auto spawn(F&& f, TaskOptions options) {
    using Callable = std::decay_t<F>;
    static_assert(std::is_invocable_v<Callable&, const Context&> || std::is_invocable_v<Callable&>,
                  "cascade: a task must be callable as f() or f(const cascade::Context&)");
    using R = detail::SpawnResult<Callable>;
    static_assert(!std::is_reference_v<R>, "cascade::Group::spawn: the task must return by value");
    Task<R> handle(new detail::TaskState<R>(std::move(options.name)));
    detail::submit(*state_, detail::make_spawn_task<R>(std::forward<F>(f), *handle_state(handle)));
    return handle;
  }

  // A task that runs after other tasks (docs/graphs.md; cascade/task_graph.hpp): accepted now
  // (counted by wait(), and, like every task, skipped if the context is cancelled before it
  // starts), but handed to the pool, and given a slot under a limit, only once every dependency
  // has succeeded. f receives the dependencies' values by const reference, in order, after the
  // const Context& when it takes one (a Task<void> gives none). When a dependency fails, is
  // cancelled or is skipped, f never runs: the task settles as
  // TaskOutcome::skipped_upstream_failed with an UpstreamFailed naming that dependency, and its
  // own dependents follow. The dependencies may belong to any group (this one, a parent's, a
  // nested one); until they settle, the task holds this group's wait(). Cycles cannot be made:
  // a dependency is a task that already exists. Counted as skipped, not failed, by stats() and
  // policies: the upstream failure is reported by the group it ran in. Throws what spawn(f)
  // throws (then nothing was submitted).
  template <class F, class... D>
  auto spawn(F&& f, After<D...> dependencies, TaskOptions options = {}) {
    using R = typename After<D...>::template ResultOf<std::decay_t<F>>;
    static_assert(!std::is_reference_v<R>, "cascade::Group::spawn: the task must return by value");
    const auto states = dependencies.states();
    Task<R> handle(new detail::TaskState<R>(std::move(options.name)));
    detail::submit_after(*state_,
                         detail::make_dependent_task<R>(std::forward<F>(f), *handle_state(handle),
                                                        states.size(), std::move(dependencies)),
                         states.data(), states.size());
    return handle;
  }

  // The same after a list of tasks known at run time (AfterList: after(vector), add()): f
  // receives no dependency values, only the const Context& if it takes one.
  template <class F>
  auto spawn(F&& f, const AfterList& dependencies, TaskOptions options = {}) {
    using Callable = std::decay_t<F>;
    using R = detail::SpawnResult<Callable>;
    static_assert(!std::is_reference_v<R>, "cascade::Group::spawn: the task must return by value");
    Task<R> handle(new detail::TaskState<R>(std::move(options.name)));
    const std::span<detail::TaskStateBase* const> states = dependencies.states();
    detail::submit_after(
        *state_,
        detail::make_dependent_task<R>(std::forward<F>(f), *handle_state(handle), states.size()),
        states.data(), states.size());
    return handle;
  }

  // Like go(), for work that blocks (I/O, a server loop, waiting for an event): f runs on a
  // thread of the blocking pool (cascade/blocking_pool.hpp), outside oneTBB's arenas, so it holds
  // no TBB worker while it blocks. Otherwise exactly a go() task: the same callable forms and
  // failure rules, counted by wait(), skipped if the context is cancelled before it starts, and
  // subject to the limit. Throws what go() throws, and std::system_error when the pool has no
  // thread and cannot start one (then nothing was submitted).
  template <class F>
  void go_blocking(F&& f) {
    detail::submit_blocking(*state_, detail::make_task(std::forward<F>(f), "go_blocking"));
  }

  // Like go(), but returns false without submitting f when the limit is reached (counting queued
  // and running tasks), and always false under a limit of 0.
  template <class F>
  bool try_go(F&& f) {
    return try_submit(std::forward<F>(f), /*blocking=*/false);
  }

  // Like go_blocking(), but returns false without submitting f when the limit is reached, as
  // try_go() does.
  template <class F>
  bool try_go_blocking(F&& f) {
    return try_submit(std::forward<F>(f), /*blocking=*/true);
  }

  // At most n tasks active at once (from go() until finished or skipped); n < 0: no limit.
  // Throws std::logic_error while any task is active.
  void set_limit(int n) { detail::set_limit(*state_, n); }

  // Cancels context() with cause Cancelled, or with `cause` (empty: Cancelled). First cause wins.
  void cancel() { detail::cancel(*state_, Error()); }
  void cancel(Error cause) { detail::cancel(*state_, std::move(cause)); }

  // Waits for every task submitted so far, helping to run tasks meanwhile, and returns the result
  // (see above). May be called again. Throws std::logic_error when a task of this group is
  // running, or suspended below this call, on the calling thread (it would wait for itself): from
  // inside a task of this group, from a nested group's task that runs on the same thread, or from
  // any task this thread picked up while one of this group's tasks waits lower on its stack.
  // A collect_all, first_success or quorum group builds its result here (an ErrorList, or the
  // error saying too few tasks succeeded): std::bad_alloc when that runs out of memory, after
  // every task has finished.
  // Memory: everything the tasks did happens-before wait() returns.
  Error wait() { return detail::wait(*state_); }

  // A snapshot of the task counts (cascade/group_stats.hpp). Kept only by groups that count:
  // GroupOptions::count_tasks, or a collect_all, first_success or quorum policy; on any other
  // group this throws std::logic_error (counting costs atomic increments on every task, which a
  // plain Group does not pay). After wait() returned, the counts are exact for every task
  // submitted before it. While tasks run, each count is read on its own (not all at one instant),
  // in the reverse order of a task's increments, so that the snapshot is never ahead of itself:
  // submitted >= running + finished + skipped. Thread-safe.
  GroupStats stats() const { return detail::stats(*state_); }

  // The handle of the first spawn() task to succeed in a first_success or quorum group (the
  // winner of first_success). Throws std::logic_error when the policy is another one, when no task
  // has succeeded yet, when the first success was a go() task (it has no value), or when the
  // winner's value is not an R. Thread-safe; after wait() returned, the answer no longer changes.
  template <class R>
  Task<R> first_result() const {
    static_assert(!std::is_const_v<R> && !std::is_volatile_v<R>,
                  "cascade::Group::first_result: name the task's value type without const or "
                  "volatile (a spawn() task's value never is)");
    return Task<R>(static_cast<detail::TaskState<R>*>(&detail::first_result(*state_, typeid(R))));
  }

 private:
  template <class F>
  bool try_submit(F&& f, bool blocking) {
    if (!detail::try_reserve_slot(*state_)) return false;
    try {
      detail::submit_reserved(
          *state_, detail::make_task(std::forward<F>(f), blocking ? "try_go_blocking" : "try_go"),
          blocking);
    } catch (...) {
      detail::unreserve_slot(*state_);
      throw;
    }
    return true;
  }

  template <class R>
  static detail::TaskState<R>* handle_state(const Task<R>& handle) noexcept {
    return static_cast<detail::TaskState<R>*>(handle.state_);
  }

  explicit Group(detail::GroupState* state) noexcept
      : state_(state), context_(detail::adopt_group_context(*state)) {}

  // The group lives in its context node's allocation, owned by the reference context_ holds.
  // context_ is never destroyed: ~Group's one call into the library ends the group and drops that
  // reference (a nested group's destruction is one call, not two).
  detail::GroupState* state_;
  union {
    Context context_;
  };
};

}  // namespace cascade
