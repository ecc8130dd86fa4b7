#pragma once

#include <chrono>

namespace cascade {

// The limits of the blocking pool: the process-wide, elastic set of threads, outside oneTBB's
// arenas, that runs Group::go_blocking tasks (docs/blocking.md). A blocking task holds its
// thread for as long as it blocks, so no TBB worker is taken from compute work.
//
// The pool starts a thread whenever a task arrives and no idle thread can take it, up to
// max_threads; beyond that, tasks wait in a first-come-first-served queue for a thread to free
// up (so max_threads blocking tasks that wait for a queued one would wait forever: size the
// bound for the program's widest blocking fan-out). A thread idle for idle_timeout ends, except
// the first thread, which stays so that a queued task always has a thread to run it.
struct BlockingPoolLimits {
  int max_threads = 512;                           // >= 1
  std::chrono::milliseconds idle_timeout{10'000};  // >= 0; beyond about 146 years: never
};

// Replaces the limits; takes effect for the next task and the next idle period (threads above a
// lowered bound end once idle). Throws std::invalid_argument for max_threads < 1 or a negative
// idle_timeout. Thread-safe.
void set_blocking_pool_limits(const BlockingPoolLimits& limits);

// The limits in force. Thread-safe.
BlockingPoolLimits blocking_pool_limits();

// What the pool holds at one moment (a snapshot: it may change as soon as it is returned).
struct BlockingPoolStats {
  int threads = 0;       // started and not ended
  int idle_threads = 0;  // of those, waiting for work
  int queued_tasks = 0;  // waiting for a thread
};

// What the pool holds now. Thread-safe.
BlockingPoolStats blocking_pool_stats();

}  // namespace cascade
