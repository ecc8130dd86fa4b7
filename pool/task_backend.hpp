#pragma once

// The one interface between cascade's core and the thread pool that runs its tasks. Only
// pool/*.cpp include oneTBB: the core sees jobs, storage for jobs, completion counters, and
// suspended tasks.

#include <cstddef>

namespace cascade::pool {

// A Pool's oneTBB arena (pool/arena.hpp; only pool/*.cpp see its insides). Where the interface
// takes an Arena*, null means no pool: the arena of the calling thread, as with plain TBB.
class Arena;

// Counts a group's unfinished jobs; a thread can wait for it to reach zero while it helps run
// jobs. Memory: everything a job did before done() happens-before wait() returns. One atomic
// read-modify-write per add() and per done().
class CompletionCounter {
 public:
  // Throws std::bad_alloc: a backend may allocate its waitable counter.
  CompletionCounter();
  ~CompletionCounter();
  CompletionCounter(const CompletionCounter&) = delete;
  CompletionCounter& operator=(const CompletionCounter&) = delete;

  void add() noexcept;
  // Counts one job finished; may wake waiters. The counter's owner may be destroyed as soon as
  // this takes the count to zero.
  void done() noexcept;
  // True when no job is counted; once true, the counter may be destroyed (a done() that took the
  // count to zero touches nothing of it afterwards). Acquire ordering, like wait().
  bool idle() const noexcept;
  // Helps run jobs until every job counted so far is done, or, with some backends, only for a
  // while: the caller repeats while !idle(), counting its calls in `round` (the backend backs off
  // as rounds go by). The loop is the caller's because a call may return on another thread than
  // it was made on (a task resumed from Context::wait can take over this stack while it helps),
  // and the caller restores its per-thread marks between calls. With an arena (the one the jobs
  // were submitted to), a thread outside it enters it, in a slot of its own (see Arena).
  // On a blocking thread, a group without a pool is waited for in the default pool's arena, where
  // that thread submitted its jobs (arena_for_this_thread, pool/arena.hpp), and the jobs the
  // thread runs while it waits spawn what they submit (oneTBB's nested wait loops take no
  // enqueued job). Shared by the backends (pool/blocking_pool.cpp).
  void wait(Arena* arena, int round) noexcept;

 private:
  // wait() once the arena is known: the backend's own part.
  void wait_in(Arena* arena, int round) noexcept;

  alignas(8) unsigned char storage_[16];  // the backend's waitable counter
};

// A unit of work the pool runs exactly once. The object lives at the start of storage from
// allocate_job(); after run() returns, the pool frees that storage, then calls done() on the
// counter run() returned (the one the job was counted on).
class Job {
 public:
  Job() = default;
  Job(const Job&) = delete;
  Job& operator=(const Job&) = delete;

  virtual CompletionCounter& run() noexcept = 0;

  // Free for whichever queue holds the job before it runs (a group's limit queue, the blocking
  // pool's queue); a job is in at most one queue at a time.
  Job* next_in_queue = nullptr;

 protected:
  ~Job() = default;
};

// Marks, for its lifetime, that this thread runs inside `arena` (a task of a group bound to it,
// or a waiter that entered it); null changes nothing. Two thread-local stores; inline, since
// every task of a pool-bound group pays it.
class ArenaScope {
 public:
  explicit ArenaScope(Arena* arena) noexcept : outer_(current) {
    if (arena != nullptr) current = arena;
  }
  ~ArenaScope() { current = outer_; }
  ArenaScope(const ArenaScope&) = delete;
  ArenaScope& operator=(const ArenaScope&) = delete;

  // Makes the destructor leave the thread unmarked instead of restoring the outer mark: for a
  // task whose stack went on on another thread (core/running_tasks.hpp, "moved").
  void leave_unmarked() const noexcept { outer_ = nullptr; }

  // The innermost arena this thread is marked as running in; null outside every pool.
  static Arena* of_this_thread() noexcept { return current; }
  // Replaces the mark: for code that carries a stack's marks to another thread (StackMarks).
  static void set_for_this_thread(Arena* arena) noexcept { current = arena; }

 private:
  static constinit thread_local Arena* current;
  mutable Arena* outer_;
};

// Counts a group bound to `arena` (the arena must not be destroyed while any is).
void bind_group(Arena& arena) noexcept;
void unbind_group(Arena& arena) noexcept;

// Storage for a Job of `bytes` bytes, aligned to 16. Throws std::bad_alloc.
void* allocate_job(std::size_t bytes);
// Frees storage that was never submitted.
void free_job(void* storage) noexcept;
// Queues `job` (constructed at the start of its storage, already counted on `counter`, which its
// run() returns) to run in `arena` (null: the calling thread's arena). A job submitted from a
// thread inside that arena is spawned there: it runs before older ones on that thread (LIFO), and
// others may steal it; from outside (or from a blocking-pool thread), it is enqueued into the
// arena (FIFO), which oneTBB always gives a worker to (mandatory concurrency).
void submit(Job& job, CompletionCounter& counter, Arena* arena) noexcept;

// Makes the job that will live at `job_storage` (from allocate_job(), not yet constructed or
// counted) count, for waiters on `counter`, as work still to come before it is submitted: a task
// that waits for other tasks first (a dependent task of a graph). A waiter then helps run other
// jobs while it is held, as it does while submitted ones are pending: the task_group backend's
// wait helps only while its task_group holds a job, and a held job's dependencies may be jobs
// that only the waiting thread can run. Afterwards exactly one of submit() (the job runs) or
// free_job() (it never does) ends the hold. The task layer backend needs nothing here. Throws
// std::bad_alloc; nothing is held then.
void hold(void* job_storage, CompletionCounter& counter);

// Makes sure the blocking pool (pool/blocking_pool.hpp) has a thread, so that a blocking job
// submitted afterwards cannot be stranded. Throws std::system_error.
[[gnu::noinline]] void ensure_blocking_thread();
// Like submit(), but the job runs on a thread of the blocking pool, outside the TBB arenas, for
// work that blocks. Precondition: ensure_blocking_thread() succeeded once.
[[gnu::noinline]] void submit_blocking(Job& job, CompletionCounter& counter) noexcept;
// Runs a job outside any TBB task, as the pool does: run(), free its storage, then count it done
// on the counter run() returned.
void run_detached(Job& job) noexcept;
// True on the blocking pool's threads while they run blocking code (not while they help inside
// CompletionCounter::wait). submit() never spawns from there: nobody waits in such a thread's
// arena, so a spawned job could wait there for a worker that never comes; it enqueues instead.
bool on_blocking_thread() noexcept;

// A task that suspend_task() suspended, as resume_task() takes it (oneTBB's suspend point).
using SuspendedTask = void*;

// Told by suspend_task() that the calling task is about to be switched out.
class Resumable {
 public:
  Resumable() = default;
  Resumable(const Resumable&) = delete;
  Resumable& operator=(const Resumable&) = delete;

  // Called once, on the suspending thread, before the switch. From then on resume_task(task) may
  // be called, exactly once, from any thread, this one included, even before this returns.
  virtual void suspending(SuspendedTask task) noexcept = 0;

 protected:
  ~Resumable() = default;
};

// Suspends the TBB task running on the calling thread until resume_task() is called on it, with
// oneTBB's resumable tasks: the thread moves to another stack and runs other tasks meanwhile;
// the suspended task keeps its own stack. resumable.suspending() runs first. Returns true once
// the task is resumed, possibly on another thread: code after the call must not rely on
// thread_local state from before it. Returns false at once, calling nothing, when the calling
// thread is not running a TBB task (a plain thread, a blocking pool thread, the body of
// task_arena::execute outside a task): the caller blocks the thread instead.
// At most max_suspended_waits() tasks (cascade/context.hpp) are suspended at once, process-wide;
// beyond, this throws std::system_error (std::errc::resource_unavailable_try_again).
bool suspend_task(Resumable& resumable);
// Whether the calling thread runs a TBB task: where oneTBB has resumable tasks, one that
// suspend_task() suspends.
bool runs_tbb_task() noexcept;
// Lets a suspended task continue: it is queued in its arena and runs on the first thread there
// that takes it. Any thread may call this.
void resume_task(SuspendedTask task) noexcept;

}  // namespace cascade::pool
