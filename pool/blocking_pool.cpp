#include "pool/blocking_pool.hpp"

#include <chrono>
#include <new>
#include <stdexcept>
#include <string>
#include <system_error>
#include <thread>

#include "pool/arena.hpp"

namespace cascade::pool {
namespace {

constinit thread_local bool on_a_blocking_thread = false;

// An idle timeout too long for steady_clock to add to the time now (about 146 years, half its
// range, leaves room for now) means never: wait_for would overflow and return at once.
bool never_times_out(std::chrono::milliseconds timeout) noexcept {
  constexpr auto kLongest = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::duration::max() / 2);
  return timeout >= kLongest;
}

}  // namespace

bool on_blocking_thread() noexcept { return on_a_blocking_thread; }

void CompletionCounter::wait(Arena* arena, int round) noexcept {
  if (idle()) return;
  if (!on_a_blocking_thread) [[likely]] {
    wait_in(arena, round);
    return;
  }
  Arena* const where_submitted = arena_for_this_thread(arena);
  on_a_blocking_thread = false;
  wait_in(where_submitted, round);
  on_a_blocking_thread = true;
}

BlockingPool& BlockingPool::instance() {
  // Never destroyed: its threads may outlive static destruction.
  static auto* const pool = new BlockingPool();
  return *pool;
}

void BlockingPool::ensure_a_thread() {
  std::lock_guard lock(mutex_);
  if (threads_ == 0) start_thread(/*permanent=*/true);  // throws std::system_error
}

void BlockingPool::submit(Job& job) noexcept {
  std::lock_guard lock(mutex_);
  job.next_in_queue = nullptr;
  if (tail_ != nullptr)
    tail_->next_in_queue = &job;
  else
    head_ = &job;
  tail_ = &job;
  ++queued_;
  if (queued_ <= idle_) {
    work_arrived_.notify_one();
    return;
  }
  if (threads_ < limits_.max_threads) {
    try {
      start_thread(/*permanent=*/false);
    } catch (const std::system_error&) {
      // The job waits for a thread that exists (ensure_a_thread() made sure there is one).
    } catch (const std::bad_alloc&) {
      // The same: std::thread allocates its state before it starts the thread.
    }
  }
}

void BlockingPool::start_thread(bool permanent) {
  std::thread([this, permanent] { serve(permanent); }).detach();
  ++threads_;
}

void BlockingPool::serve(bool permanent) noexcept {
  on_a_blocking_thread = true;
  std::unique_lock lock(mutex_);
  for (;;) {
    bool timed_out = false;
    while (head_ == nullptr && !timed_out && !above_the_bound(permanent)) {
      ++idle_;
      if (permanent || never_times_out(limits_.idle_timeout))
        work_arrived_.wait(lock);  // the permanent thread never times out, so never spins
      else
        timed_out = work_arrived_.wait_for(lock, limits_.idle_timeout) == std::cv_status::timeout;
      --idle_;
    }
    if (should_end(permanent, timed_out && head_ == nullptr)) {
      --threads_;
      return;
    }
    Job* job = pop();
    if (job == nullptr) continue;
    lock.unlock();
    run_detached(*job);
    lock.lock();
  }
}

Job* BlockingPool::pop() noexcept {
  Job* job = head_;
  if (job == nullptr) return nullptr;
  head_ = job->next_in_queue;
  if (head_ == nullptr) tail_ = nullptr;
  --queued_;
  return job;
}

// An idle thread ends after the idle timeout, and a thread above a lowered bound ends as soon as
// it has no job; the permanent thread never ends.
bool BlockingPool::should_end(bool permanent, bool idle_timed_out) const noexcept {
  if (permanent) return false;
  return idle_timed_out || (head_ == nullptr && above_the_bound(permanent));
}

bool BlockingPool::above_the_bound(bool permanent) const noexcept {
  return !permanent && threads_ > limits_.max_threads;
}

void BlockingPool::set_limits(const BlockingPoolLimits& limits) {
  if (limits.max_threads < 1)
    throw std::invalid_argument("cascade::set_blocking_pool_limits: max_threads is " +
                                std::to_string(limits.max_threads) + "; it must be at least 1");
  if (limits.idle_timeout.count() < 0)
    throw std::invalid_argument("cascade::set_blocking_pool_limits: idle_timeout is negative");
  std::lock_guard lock(mutex_);
  limits_ = limits;
  work_arrived_.notify_all();  // idle threads re-check the bound and the timeout
}

BlockingPoolLimits BlockingPool::limits() const {
  std::lock_guard lock(mutex_);
  return limits_;
}

BlockingPoolStats BlockingPool::stats() const {
  std::lock_guard lock(mutex_);
  return {.threads = threads_, .idle_threads = idle_, .queued_tasks = queued_};
}

void run_detached(Job& job) noexcept {
  CompletionCounter& counter = job.run();
  free_job(&job);  // the job lives at the start of its storage
  counter.done();  // last: the counter's owner may destroy it as soon as this returns
}

void ensure_blocking_thread() { BlockingPool::instance().ensure_a_thread(); }

void submit_blocking(Job& job, CompletionCounter&) noexcept {  // run() names the counter again
  BlockingPool::instance().submit(job);
}

}  // namespace cascade::pool

namespace cascade {

void set_blocking_pool_limits(const BlockingPoolLimits& limits) {
  pool::BlockingPool::instance().set_limits(limits);
}

BlockingPoolLimits blocking_pool_limits() { return pool::BlockingPool::instance().limits(); }

BlockingPoolStats blocking_pool_stats() { return pool::BlockingPool::instance().stats(); }

}  // namespace cascade
