#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <typeinfo>

#include "cascade/detail/group_runtime.hpp"
#include "cascade/detail/task_callable.hpp"
#include "cascade/error.hpp"
#include "cascade/group_options.hpp"
#include "cascade/group_stats.hpp"
#include "cascade/task_outcome.hpp"
#include "core/context_node.hpp"
#include "core/first_failure.hpp"
#include "core/task_ledger.hpp"
#include "core/trace.hpp"
#include "pool/task_backend.hpp"

namespace cascade::detail {

// The state machine behind Group. A group *is* its context's node, extended: the node and the
// group's counters share one allocation, which lives while the Group or any copy of its context
// does.
//
// A task is accepted by submit() (counted from then on: Go's "active"), then, under a limit, may
// wait in the group's queue for a slot; it is handed to the pool; when the pool runs it, it is
// skipped if the context is cancelled by then, else its callable runs and a failure is recorded.
// The first failure (by completion) is kept; in a fail-fast group (Group(parent)) it also cancels
// the context, with itself as the cause. Whatever a group needs beyond that (a limit, a ledger of
// counts and failures for the other policies and for stats) lives in a separate Extras object,
// allocated only for the groups that need it: a plain group checks one null pointer per task.
class GroupState final : public ContextNode {
 public:
  // `arena`: the pool the group is bound to (counted as bound until end()), or null. Throws
  // std::bad_alloc (the completion counter may allocate).
  GroupState(ContextNode* parent, GroupPolicy::Kind policy, pool::Arena* arena);
  // Keeps a ledger of counts and failures, for stats() and the policies that collect failures or
  // count successes. Call once, right after construction, before join_tree(). Throws
  // std::bad_alloc.
  void keep_ledger(GroupPolicy policy);

  // Accepts a task for TBB's pool, or (blocking) for the blocking pool.
  void submit(TaskCallable& callable, bool blocking);
  bool try_reserve_slot();
  void unreserve_slot() noexcept;
  void submit_reserved(TaskCallable& callable, bool blocking);
  // Accepts a spawn() task that depends on `dependencies` (core/task_graph.cpp): counted at once,
  // handed to the pool once all of them succeeded, skipped as skipped_upstream_failed when one
  // did not. Throws what submit() throws (then nothing was submitted).
  void submit_after(DependentTask task, std::span<TaskStateBase* const> dependencies);
  void set_limit(int limit);
  Error wait();
  void end() noexcept;
  GroupStats stats() const;
  TaskStateBase& first_result(const std::type_info& result_type) const;

  // Task storage: a Task record followed by the callable.
  static void* allocate_task(std::size_t callable_size);
  static void free_task(void* callable_storage) noexcept;
  // The room a dependent task's gate takes after its callable (DependentTask).
  static std::size_t dependency_gate_bytes(std::size_t dependencies) noexcept;

 private:
  class Task;
  class DependencyGate;
  struct Limit;
  struct Extras;

  [[gnu::noinline]] void check_submittable(TaskCallable& callable, bool blocking);
  Task& accept(TaskCallable& callable, bool blocking) noexcept;
  [[gnu::noinline]] bool take_slot_or_queue(Task& task);
  void dispatch(Task& task) noexcept;
  void release_dependent(Task& task) noexcept;
  void skip_upstream(Task& task, TaskStateBase& upstream) noexcept;
  [[gnu::noinline]] void release_slot() noexcept;
  Limit* limit() const noexcept;
  TaskLedger* ledger() const noexcept;
  Extras& extras();
  void run(Task& task) noexcept;
  // run() without the trace: runs or skips the task, and says which.
  Trace::Outcome execute(Task& task) noexcept;
  Trace::Outcome skip(Task& task) noexcept;
  // Runs the task's callable, marked, in the group's arena, and records its result.
  [[gnu::noinline]] Trace::Outcome start(Task& task) noexcept;
  // run() and the wait, recorded in the trace. Out of line: the untraced paths stay small.
  [[gnu::noinline]] void run_traced(Task& task) noexcept;
  [[gnu::noinline]] void wait_traced() noexcept;
  TaskRun invoke(TaskCallable& callable) noexcept;
  [[gnu::noinline]] void settle(TaskRun run) noexcept;
  [[gnu::noinline]] void discard(Task& task) noexcept;
  // Records that a task was skipped (the result then names the cause), in the ledger too.
  void count_skip() noexcept;
  TaskOutcome classify(const Error& failure) const;
  [[gnu::noinline]] void obey(TaskLedger::Verdict verdict) noexcept;
  [[gnu::noinline]] void record_failure(Error failure) noexcept;
  Error result() const;
  // result() of the policies that keep a ledger. Out of line: the plain policies' wait() inlines
  // result().
  [[gnu::noinline]] Error ledger_result() const;
  void wait_for_tasks() noexcept;
  // Frees the first failure and the extras (ledger, limit) once the Group ends.
  [[gnu::noinline]] void drop_records() noexcept;
  [[noreturn]] static void destroyed_by_own_task() noexcept;

  // The one-byte fields come first: they fill the node's tail padding (128 bytes in all).
  const GroupPolicy::Kind policy_;
  FirstFailureFlag<StdSync> failure_flag_;
  std::atomic<bool> skipped_{false};
  // True until a wait() completes, and again after each submission: ~Group uses it to tell a
  // group that was waited for from one that was abandoned.
  std::atomic<bool> wait_outstanding_{true};
  pool::CompletionCounter counter_;
  // Written once, by the record() that claimed failure_flag_; emptied by end().
  Error first_failure_;
  // Null: no limit, no ledger. Created at construction for a ledger, or by set_limit(); its limit
  // is replaced only while no task is active; freed by end().
  std::unique_ptr<Extras> extras_;
  pool::Arena* const arena_;  // null: tasks run in the arena of the thread that submits them
};

}  // namespace cascade::detail
