#pragma once

#include <string>

namespace cascade {
namespace pool {
class Arena;
}
namespace detail {
struct PoolAccess;
}

// What a Pool is made of.
struct PoolOptions {
  int threads = 0;     // 1 to 65520; 0: oneTBB's default concurrency (the machine's cores)
  int numa_node = -1;  // -1: anywhere; else one of the NUMA nodes oneTBB reports
  std::string name;    // shown in errors (and traces); empty: "pool-<n>"
};

// Pool is a set of oneTBB worker slots (a tbb::task_arena underneath) that groups can be bound
// to: Group(parent, pool) and Group(pool) run every task in the pool, wherever go() is called
// from (an external thread, a task of another pool), and their wait() works from any thread:
// a waiter outside the pool enters it to wait and help, so run and wait never end up in
// different arenas (the hangs of oneTBB issues 1684 and 2056).
//
// The pool asks oneTBB for `threads` workers; while pools exist, cascade raises oneTBB's
// process-wide worker limit to make room for them (a lower limit the program set with
// tbb::global_control still wins: then waiters run the pool's tasks themselves).
//
// Not copyable, not movable. Destroy every group bound to a pool before the pool. Destroying it
// earlier is reported on stderr, naming the pool and the groups still bound; the pool's arena and
// threads are then kept (leaked) so that those groups go on working: an error, never a crash or
// lost work.
// Thread-safety: groups may be bound and used concurrently from any thread.
class Pool {
 public:
  // Throws std::invalid_argument for threads < 1 or above 65520 (oneTBB's arenas hold 65536
  // threads, 16 of a pool's are reserved for threads that enter it).
  explicit Pool(int threads);
  // Throws std::invalid_argument for threads < 0 or above 65520, or a NUMA node oneTBB does not
  // report.
  explicit Pool(PoolOptions options);
  Pool(const Pool&) = delete;
  Pool& operator=(const Pool&) = delete;
  ~Pool();

  // A pool of oneTBB's default concurrency, named "default", created on first use and never
  // destroyed.
  static Pool& default_pool();

  // The threads it was made with (oneTBB's default concurrency for 0) and its name ("pool-<n>"
  // when none was given). Thread-safe.
  int threads() const noexcept;
  const std::string& name() const noexcept;

 private:
  friend struct detail::PoolAccess;
  pool::Arena* arena_;  // owned
};

}  // namespace cascade
