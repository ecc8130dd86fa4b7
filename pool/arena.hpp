#pragma once

// A Pool's oneTBB arena, for the pool backends (pool/*.cpp only: this header includes oneTBB).

#include <atomic>
#include <string>

#include <oneapi/tbb/task_arena.h>

#include "cascade/pool.hpp"
#include "pool/task_backend.hpp"

namespace cascade::pool {

// A tbb::task_arena, the pool's name, and a count of the groups bound to it. The arena has the
// pool's threads as worker slots plus kEntrySlots slots reserved for threads that enter it to
// wait (task_arena::execute). A thread that finds no free slot would have its wait handed to the
// arena as a task, run by a worker on top of whatever that worker is waiting for; two such
// handed-over waits across pools (A waits for B, B for A) can deadlock. With a slot of its own,
// an entering thread waits on its own stack, as a nested tbb::task_group wait does. While any
// Arena exists, oneTBB's process-wide worker limit is raised by the arenas' threads (WorkerLimit
// in arena.cpp), so that each can get its workers.
class Arena {
 public:
  // Threads that can wait inside one pool at once, each in a slot of its own.
  static constexpr int kEntrySlots = 16;

  // Validates the options (std::invalid_argument naming the mistake) and starts the arena.
  explicit Arena(const PoolOptions& options);
  Arena(const Arena&) = delete;
  Arena& operator=(const Arena&) = delete;
  ~Arena();

  // Whether the arena may be destroyed now: true when no group is bound to it; otherwise reports
  // the pool's early destruction on stderr and returns false (see Pool).
  bool retire() noexcept;

  int threads() const noexcept { return threads_; }
  const std::string& name() const noexcept { return name_; }
  tbb::task_arena& tbb_arena() noexcept { return arena_; }

  void bind_group() noexcept { bound_groups_.fetch_add(1, std::memory_order_relaxed); }
  void unbind_group() noexcept { bound_groups_.fetch_sub(1, std::memory_order_release); }

 private:
  const int threads_;
  const std::string name_;
  std::atomic<int> bound_groups_{0};
  tbb::task_arena arena_;
};

// The arena that the calling thread submits to and waits in for a group bound to `arena`: that
// arena; for a group without a pool, null (the thread's own arena), except on a blocking thread
// outside a wait loop, which uses the default pool's. A blocking thread's own arena would get a
// worker only when one is free, and the free ones may all be waiting, nested, for this very job;
// a waiter that enters the default pool's arena can run the job itself.
Arena* arena_for_this_thread(Arena* arena);

// Whether submit() spawns a job for `arena` on the calling thread (LIFO, stealable) rather than
// enqueueing it: when the thread runs inside that arena (or, for no arena, in any arena), and is
// not a blocking-pool thread.
inline bool spawns_here(Arena* arena) noexcept {
  if (on_blocking_thread()) return false;
  return arena == nullptr || arena == ArenaScope::of_this_thread();
}

}  // namespace cascade::pool
