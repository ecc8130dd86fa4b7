#include "core/group_state.hpp"

#include <cstdio>
#include <exception>
#include <new>
#include <stdexcept>
#include <string>

#include "cascade/detail/group_runtime.hpp"
#include "cascade/task_skipped.hpp"
#include "cascade/upstream_failed.hpp"
#include "core/block_memory.hpp"
#include "core/context_access.hpp"
#include "core/error_or_bad_alloc.hpp"
#include "core/fault_injection.hpp"
#include "core/group_task.hpp"
#include "core/limit_slots.hpp"
#include "core/pool_access.hpp"
#include "core/running_tasks.hpp"
#include "core/stack_marks.hpp"
#include "core/task_marks.hpp"

namespace cascade::detail {
// The limit's slots: at most `slots` tasks of the group hold one (queued in the pool or running);
// the others wait in its queue, first come first served.
struct GroupState::Limit : LimitSlots<StdSync, Task> {
  using LimitSlots::LimitSlots;
};

struct GroupState::Extras {
  std::unique_ptr<Limit> limit;        // null: no limit
  std::unique_ptr<TaskLedger> ledger;  // null: no counts, no policy records; never replaced
};

namespace {

// The failure of a task skipped because its dependency `upstream` did not succeed.
Error upstream_failure(const TaskStateBase& upstream) {
  const Error failure = upstream.failure();
  // Down a chain of skips, name where it began. An upstream task that failed by itself is the
  // origin, even when its failure is an UpstreamFailed (say, a Task::get() it called rethrew one).
  const auto* chain = upstream.outcome() == TaskOutcome::skipped_upstream_failed
                          ? failure.as<UpstreamFailed>()
                          : nullptr;
  if (chain != nullptr)
    return Error::make(UpstreamFailed(upstream.label(), upstream.outcome(), chain->origin(),
                                      chain->origin_outcome(), chain->cause()));
  return Error::make(UpstreamFailed(upstream.label(), upstream.outcome(), upstream.label(),
                                    upstream.outcome(), failure));
}

bool needs_ledger(GroupPolicy policy, bool count_tasks) noexcept {
  return count_tasks || (policy.kind() != GroupPolicy::Kind::fail_fast &&
                         policy.kind() != GroupPolicy::Kind::supervise);
}

}  // namespace

static_assert(sizeof(GroupState) <= 128, "a group's node must stay within 128 bytes");
static_assert(sizeof(GroupState) <= NodeMemory::kBlockSize, "a group's node must fit a node block");

GroupState::GroupState(ContextNode* parent, GroupPolicy::Kind policy, pool::Arena* arena)
    : ContextNode(parent), policy_(policy), arena_(arena) {
  if (arena_ != nullptr) pool::bind_group(*arena_);
}

void GroupState::keep_ledger(GroupPolicy policy) {
  extras().ledger = std::make_unique<TaskLedger>(policy);
}

GroupState::Limit* GroupState::limit() const noexcept {
  return extras_ != nullptr ? extras_->limit.get() : nullptr;
}

TaskLedger* GroupState::ledger() const noexcept {
  return extras_ != nullptr ? extras_->ledger.get() : nullptr;
}

GroupState::Extras& GroupState::extras() {
  if (extras_ == nullptr) extras_ = std::make_unique<Extras>();
  return *extras_;
}

void* GroupState::allocate_task(std::size_t callable_size) {
  static_assert(sizeof(Task) <= Task::kCallableOffset);
  allocation_point();
  return static_cast<unsigned char*>(pool::allocate_job(Task::kCallableOffset + callable_size)) +
         Task::kCallableOffset;
}

void GroupState::free_task(void* callable_storage) noexcept {
  pool::free_job(static_cast<unsigned char*>(callable_storage) - Task::kCallableOffset);
}

GroupState::Task& GroupState::accept(TaskCallable& callable, bool blocking) noexcept {
  Task& task = *new (&Task::of(callable)) Task(*this, blocking);
  if (extras_ != nullptr && extras_->ledger != nullptr) [[unlikely]]
    extras_->ledger->count_submitted();
  counter_.add();
  if (!wait_outstanding_.load(std::memory_order_relaxed))
    wait_outstanding_.store(true, std::memory_order_relaxed);
  return task;
}

// Whether the task can be accepted; if not, ends the callable's life, frees its storage and
// throws (strong guarantee: nothing was submitted).
void GroupState::check_submittable(TaskCallable& callable, bool blocking) {
  try {
    if (limit() != nullptr && limit()->slots() == 0)
      throw std::logic_error(std::string("cascade::Group::") +
                             (blocking ? "go_blocking" : "go or spawn") +
                             ": the group's limit is 0, so the task could never run");
    if (blocking) pool::ensure_blocking_thread();
  } catch (...) {
    callable.destroy();
    free_task(&callable);
    throw;
  }
}

void GroupState::submit(TaskCallable& callable, bool blocking) {
  if (extras_ != nullptr || blocking) [[unlikely]]
    check_submittable(callable, blocking);
  dispatch(accept(callable, blocking));
}

// Takes a slot (or queues the task under a limit) and hands the task to its pool.
inline void GroupState::dispatch(Task& task) noexcept {
  if (limit() != nullptr && !take_slot_or_queue(task)) return;
  task.submit_to_pool();
}

// A dependent task whose dependencies all succeeded: from here on it is an ordinary task.
void GroupState::release_dependent(Task& task) noexcept { dispatch(task); }

bool GroupState::take_slot_or_queue(Task& task) { return limit()->take_or_queue(task); }

bool GroupState::try_reserve_slot() { return limit() == nullptr || limit()->try_take(); }

void GroupState::unreserve_slot() noexcept {
  if (limit() != nullptr) release_slot();
}

void GroupState::submit_reserved(TaskCallable& callable, bool blocking) {
  if (blocking) check_submittable(callable, blocking);  // a reserved slot rules out a limit of 0
  accept(callable, blocking).submit_to_pool();
}

// Hands the freed slot to the oldest queued task, if any. A queued task that starts after the
// context was cancelled is skipped when it runs, so cancelling drains the queue this way too.
// A blocking thread (one of this group's blocking tasks has just ended) hands the slot to the
// blocking pool, whatever the queued task's kind: the group's waiter may be waiting nested in an
// arena, where a task enqueued from outside waits for a thread at its outermost level, and there
// may be none (docs/blocking.md). On the blocking pool, the task runs as a blocking task does.
void GroupState::release_slot() noexcept {
  Task* next = limit()->release();
  if (next == nullptr) return;
  if (pool::on_blocking_thread()) next->make_blocking();
  next->submit_to_pool();
}

void GroupState::set_limit(int limit) {
  if (!counter_.idle())
    throw std::logic_error(
        "cascade::Group::set_limit: tasks are still active; set the limit before go() or after "
        "wait()");
  if (limit >= 0)
    extras().limit = std::make_unique<Limit>(limit);
  else if (extras_ != nullptr)
    extras_->limit = nullptr;
}

// The task stays marked as running while its callable is destroyed too: the captures'
// destructors are the task's code, and may wait for (or destroy) the group.
void GroupState::run(Task& task) noexcept {
  if (Trace::on()) [[unlikely]] {
    run_traced(task);
    return;
  }
  execute(task);
}

void GroupState::run_traced(Task& task) noexcept {
  const std::uint64_t start = Trace::now();
  Trace::task(this, this, start, execute(task));  // the group is its context's node
}

// A task that finds the context cancelled when it is due to start is skipped (skip()), else it
// starts. Small, so that it inlines: the skip path, which cancel_drain-like workloads take once per
// queued task, does not pay for start()'s frame.
Trace::Outcome GroupState::execute(Task& task) noexcept {
  if (cancelled.load(std::memory_order_acquire)) [[unlikely]]
    return skip(task);
  return start(task);
}

// Counts the skip and ends the callable unrun. A callable that skips silently (no destructor to
// run, no handle) in a group without a limit needs nothing more; any other goes through
// discard(), out of line.
Trace::Outcome GroupState::skip(Task& task) noexcept {
  count_skip();
  if (!task.callable().skips_silently() || limit() != nullptr) discard(task);
  return Trace::Outcome::skipped;
}

Trace::Outcome GroupState::start(Task& task) noexcept {
  // A task runs inside the group's arena, except a blocking one, which runs on its own thread. The
  // task queued behind it is handed over from there too: a thread inside the arena spawns it,
  // which a thread of the arena that waits nested (and takes no enqueued task) still runs; a
  // blocking thread hands it to the blocking pool (release_slot).
  const TaskMarks marks(*this, task.blocking() ? nullptr : arena_);
  if (extras_ != nullptr && extras_->ledger != nullptr) [[unlikely]]
    extras_->ledger->count_started();
  TaskRun ran = invoke(task.callable());
  const Trace::Outcome outcome = ran.failure ? Trace::Outcome::failed : Trace::Outcome::succeeded;
  if (ran.failure || ran.handle != nullptr || extras_ != nullptr) [[unlikely]]
    settle(std::move(ran));
  if (limit() != nullptr) release_slot();
  return outcome;
}

TaskRun GroupState::invoke(TaskCallable& callable) noexcept {
  try {
    return callable.invoke_and_destroy(ContextAccess::Borrowed(*this).get());
  } catch (...) {
    return {Error::from_exception(std::current_exception())};
  }
}

// Records a task that ran, then settles its handle, if any: whoever waits on the handle sees the
// group's records (the first failure, the policy's verdict, the counts) already made. A plain
// failure of a group without ledger or handle is only recorded, unclassified.
void GroupState::settle(TaskRun ran) noexcept {
  TaskLedger* ledger = this->ledger();
  const bool classified = ledger != nullptr || ran.handle != nullptr;
  const TaskOutcome outcome = !ran.failure ? TaskOutcome::succeeded
                              : classified ? classify(ran.failure)
                                           : TaskOutcome::failed;
  if (ledger != nullptr) obey(ledger->record(outcome, ran.failure, ran.handle));
  if (ran.failure) record_failure(ran.failure);
  if (ran.handle != nullptr) {
    ran.handle->settle(outcome, std::move(ran.failure));
    ran.handle->release();
  }
}

// Ends a skipped task's callable unrun; its handle, if any, holds a TaskSkipped with the
// context's cause (or the std::bad_alloc that building it threw). Destroying the callable may run
// the captures' destructors, which are the task's code: they run marked and in the group's arena,
// as execute() runs a task, and a freed limit slot is handed over from there (see execute()).
void GroupState::discard(Task& task) noexcept {
  TaskCallable& callable = task.callable();
  const TaskMarks marks(*this, task.blocking() ? nullptr : arena_);
  if (TaskStateBase* handle = callable.discard()) {
    handle->settle(TaskOutcome::skipped,
                   error_or_bad_alloc([this] { return Error::make(TaskSkipped(cause())); }));
    handle->release();
  }
  if (limit() != nullptr) release_slot();
}

void GroupState::count_skip() noexcept {
  skipped_.store(true, std::memory_order_relaxed);
  if (TaskLedger* ledger = this->ledger()) [[unlikely]]
    obey(ledger->record_skip());
}

// A dependent task whose dependency `upstream` did not succeed: never run, never given a slot; its
// handle holds an UpstreamFailed naming `upstream` (and, down a chain of skips, the task where the
// chain began), or the std::bad_alloc that building it threw. Settling the handle may make further
// dependents due, which the caller's gate skips in turn. Done last: the count may be the group's
// last, after which the group may go.
void GroupState::skip_upstream(Task& task, TaskStateBase& upstream) noexcept {
  {
    const TaskMarks marks(*this, nullptr);
    TaskCallable& callable = task.callable();
    TaskStateBase* handle = callable.discard();
    if (TaskLedger* ledger = this->ledger()) obey(ledger->record_skip());
    handle->settle(TaskOutcome::skipped_upstream_failed,
                   error_or_bad_alloc([&upstream] { return upstream_failure(upstream); }));
    handle->release();
  }
  pool::free_job(&task);
  counter_.done();
}

// A failure is only a consequence of cancellation when the context was cancelled by the time the
// task finished and the failure is a Cancelled (such as err()) or the context's cause itself.
TaskOutcome GroupState::classify(const Error& failure) const {
  if (!cancelled.load(std::memory_order_acquire)) return TaskOutcome::failed;
  return failure == cause() || failure.is<Cancelled>() ? TaskOutcome::cancelled
                                                       : TaskOutcome::failed;
}

// Cancels the context when the ledger says the policy is decided: first_success and quorum stop
// the rest once enough tasks succeeded, or once too many failed.
void GroupState::obey(TaskLedger::Verdict verdict) noexcept {
  switch (verdict) {
    case TaskLedger::Verdict::none:
      return;
    case TaskLedger::Verdict::enough_successes:
      cancel(policy_ == GroupPolicy::Kind::first_success ? LibraryCause::first_success
                                                         : LibraryCause::quorum_reached,
             CancelKind::cancelled);
      return;
    case TaskLedger::Verdict::successes_impossible:
      cancel(LibraryCause::successes_impossible, CancelKind::cancelled);
      return;
  }
}

void GroupState::record_failure(Error failure) noexcept {
  if (!failure_flag_.record([&]() noexcept { first_failure_ = failure; })) return;
  if (policy_ == GroupPolicy::Kind::fail_fast) cancel(std::move(failure), CancelKind::cancelled);
}

Error GroupState::wait() {
  if (!counter_.idle() && RunningTask::on_this_thread(*this))
    throw std::logic_error(
        "cascade::Group::wait: a task of this group is running (or suspended) on the calling "
        "thread, below this call; the wait would wait for itself");
  // Cleared before waiting: a go() racing with this wait() then sets it again, so the destructor
  // does not take that task for one this wait() covered.
  wait_outstanding_.store(false, std::memory_order_relaxed);
  if (TaskLedger* ledger = this->ledger()) [[unlikely]]
    obey(ledger->start_judging());
  if (Trace::on()) [[unlikely]]
    wait_traced();
  else
    wait_for_tasks();
  if (policy_ == GroupPolicy::Kind::fail_fast)
    cancel(LibraryCause::group_finished, CancelKind::cancelled);
  return result();
}

// fail_fast and supervise: the first failure, else the skip's cause, else success. The other
// policies: the ledger's verdict.
Error GroupState::result() const {
  if (policy_ != GroupPolicy::Kind::fail_fast && policy_ != GroupPolicy::Kind::supervise)
      [[unlikely]]
    return ledger_result();
  if (failure_flag_.recorded()) [[unlikely]]
    return first_failure_;
  if (skipped_.load(std::memory_order_relaxed)) [[unlikely]]
    return cause();
  return Error();
}

Error GroupState::ledger_result() const {
  return ledger()->result(skipped_.load(std::memory_order_relaxed) ? cause() : Error());
}

GroupStats GroupState::stats() const {
  if (ledger() == nullptr)
    throw std::logic_error(
        "cascade::Group::stats: this group does not count its tasks; construct it with "
        "GroupOptions{.count_tasks = true} (collect_all, first_success and quorum groups always "
        "count)");
  return ledger()->stats();
}

TaskStateBase& GroupState::first_result(const std::type_info& result_type) const {
  if (ledger() == nullptr)
    throw std::logic_error(std::string("cascade::Group::first_result: the group's policy is ") +
                           policy_name(policy_) +
                           "; only first_success and quorum groups have a first result");
  return ledger()->first_result(result_type);
}

void GroupState::end() noexcept {
  if (!counter_.idle() && RunningTask::on_this_thread(*this)) destroyed_by_own_task();
  const bool waited = !wait_outstanding_.load(std::memory_order_relaxed) && counter_.idle();
  if (!cancelled.load(std::memory_order_acquire))
    cancel(waited ? LibraryCause::group_finished : LibraryCause::group_destroyed,
           CancelKind::cancelled);
  if (!waited) wait_for_tasks();
  if (arena_ != nullptr) pool::unbind_group(*arena_);
  if (extras_ != nullptr || failure_flag_.recorded()) [[unlikely]]
    drop_records();
}

// What only the Group reads (its wait(), stats() and first_result()) goes with the Group, not
// with the context's node, which copies of the context may keep: a record may hold the group's
// own Context (a winner's value, a failure that captured it), and would then keep the node, and
// so itself, alive for good.
void GroupState::drop_records() noexcept {
  extras_.reset();
  first_failure_ = Error();
}

void GroupState::wait_traced() noexcept {
  const std::uint64_t start = Trace::now();
  wait_for_tasks();
  Trace::wait(this, start);
}

// The wait runs other tasks meanwhile, and so may pick up a task resumed from a Context::wait and
// leave this stack for another thread to finish: the stack's marks go with it.
void GroupState::wait_for_tasks() noexcept {
  for (int round = 0; !counter_.idle(); ++round) {
    const StackMarks marks(StackMarks::kKeepsStack);
    counter_.wait(arena_, round);
  }
}

// A Group destroyed by one of its own tasks (say the task's callable held the last shared_ptr
// to it) would have to wait for the very task that destroys it, and that task still uses the
// group afterwards: neither waiting nor going on is possible, so this is reported and the
// process stops, instead of hanging.
void GroupState::destroyed_by_own_task() noexcept {
  std::fputs(
      "cascade: a Group was destroyed inside one of its own tasks (for example, the task's "
      "callable held the last owner of the Group); ~Group cannot wait for the task that runs it. "
      "Destroy a Group outside its tasks.\n",
      stderr);
  std::terminate();
}

// The entry points Group's inline code calls (cascade/detail/group_runtime.hpp).
//
// The four of a nested group's life (creating it, submitting a task, waiting, ending and freeing
// it) are flattened: what they call is inlined into them, which took about 100 instructions and
// 10 ns off each group of nested fib (docs/performance.md). So is destroy_context() in
// context_node.cpp, which frees a node on the last release of any other handle. The cold paths
// they reach (limits, ledgers, tracing, blocking tasks, deadlines, cascades to children, cancel
// callbacks, misuse reports) are declared noinline, so that they stay out of the flattened code.

namespace {

GroupState* construct_group_state(const Context* parent, Pool* pool, GroupPolicy::Kind policy) {
  return new GroupState(parent != nullptr ? &ContextAccess::node(*parent) : nullptr, policy,
                        pool != nullptr ? &PoolAccess::arena(*pool) : nullptr);
}

}  // namespace

[[gnu::flatten]] GroupState* new_group_state(const Context* parent, Pool* pool) {
  auto* group = construct_group_state(
      parent, pool,
      parent != nullptr ? GroupPolicy::Kind::fail_fast : GroupPolicy::Kind::supervise);
  group->join_tree();
  return group;
}

GroupState* new_group_state(const Context* parent, Pool* pool, const GroupOptions& options) {
  const GroupPolicy policy = options.policy.value_or(parent != nullptr ? GroupPolicy::fail_fast()
                                                                       : GroupPolicy::supervise());
  auto* group = construct_group_state(parent, pool, policy.kind());
  try {
    if (needs_ledger(policy, options.count_tasks)) group->keep_ledger(policy);
  } catch (...) {
    end_group(*group);  // unbinds the pool and frees the node
    throw;
  }
  group->join_tree();
  return group;
}

Context adopt_group_context(GroupState& group) noexcept { return ContextAccess::adopt(&group); }
[[gnu::flatten]] void end_group(GroupState& group) noexcept {
  group.end();
  release(&group);  // the Group's reference (see Group::context_)
}
void* allocate_task(std::size_t size) { return GroupState::allocate_task(size); }
void free_task(void* storage) noexcept { GroupState::free_task(storage); }
std::size_t dependency_gate_bytes(std::size_t dependencies) noexcept {
  return GroupState::dependency_gate_bytes(dependencies);
}
[[gnu::flatten]] void submit(GroupState& group, TaskCallable& task) {
  group.submit(task, /*blocking=*/false);
}
void submit_blocking(GroupState& group, TaskCallable& task) {
  group.submit(task, /*blocking=*/true);
}
bool try_reserve_slot(GroupState& group) { return group.try_reserve_slot(); }
void unreserve_slot(GroupState& group) noexcept { group.unreserve_slot(); }
void submit_after(GroupState& group, DependentTask task, TaskStateBase* const* dependencies,
                  std::size_t count) {
  group.submit_after(task, std::span<TaskStateBase* const>(dependencies, count));
}
void submit_reserved(GroupState& group, TaskCallable& task, bool blocking) {
  group.submit_reserved(task, blocking);
}
void set_limit(GroupState& group, int limit) { group.set_limit(limit); }
void cancel(GroupState& group, Error cause) {
  group.cancel(std::move(cause), CancelKind::cancelled);
}
[[gnu::flatten]] Error wait(GroupState& group) { return group.wait(); }
GroupStats stats(const GroupState& group) { return group.stats(); }
TaskStateBase& first_result(const GroupState& group, const std::type_info& result_type) {
  return group.first_result(result_type);
}

}  // namespace cascade::detail
