#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>

#include "cascade/blocking_pool.hpp"
#include "pool/task_backend.hpp"

namespace cascade::pool {

// The elastic thread pool behind Group::go_blocking and cascade/blocking_pool.hpp. Jobs wait in
// an intrusive FIFO queue (through Job::next_in_queue, so queueing never allocates); a thread
// runs one job at a time with run_detached(). Threads are detached and the pool is never
// destroyed: a blocking job may still be running when static destructors run.
class BlockingPool {
 public:
  static BlockingPool& instance();

  // Starts the first (permanent) thread if there is none yet, so that a job submitted later
  // always has a thread. Throws std::system_error when it cannot be started (std::bad_alloc when
  // its state cannot be allocated).
  void ensure_a_thread();
  // Queues `job`; wakes an idle thread for it, or starts one within the limit. Precondition:
  // ensure_a_thread() has succeeded once. Never blocks on the job, never throws: a thread that
  // cannot be started leaves the job to the existing ones.
  void submit(Job& job) noexcept;

  void set_limits(const BlockingPoolLimits& limits);
  BlockingPoolLimits limits() const;
  BlockingPoolStats stats() const;

 private:
  BlockingPool() = default;

  void start_thread(bool permanent);  // under mutex_; throws std::system_error, std::bad_alloc
  void serve(bool permanent) noexcept;
  Job* pop() noexcept;                                             // under mutex_
  bool should_end(bool permanent, bool timed_out) const noexcept;  // under mutex_
  bool above_the_bound(bool permanent) const noexcept;             // under mutex_

  mutable std::mutex mutex_;
  std::condition_variable work_arrived_;
  BlockingPoolLimits limits_;
  Job* head_ = nullptr;
  Job* tail_ = nullptr;
  int queued_ = 0;
  int threads_ = 0;
  int idle_ = 0;
};

}  // namespace cascade::pool
