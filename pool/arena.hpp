#pragma once

// A Pool's oneTBB arena, for the pool backends (pool/*.cpp only: this header includes oneTBB).

#include <algorithm>
#include <atomic>
#include <chrono>
#include <string>

#include <oneapi/tbb/task_arena.h>

#include "cascade/pool.hpp"
#include "pool/entry_gate.hpp"
#include "pool/task_backend.hpp"

namespace cascade::pool {

// A tbb::task_arena, the pool's name, and a count of the groups bound to it. The arena has the
// pool's threads as worker slots plus kEntrySlots slots reserved for threads that enter it to
// wait (enter()). A thread that found no free slot would have its wait handed to the arena as a
// task, run by a thread inside on top of whatever that thread waits for: when the handed-over
// wait leads back to that thread's own wait (through nested groups, in one pool or across pools),
// neither ends. enter() lets at most kEntrySlots threads in at once, each in a slot of its own,
// where it waits on its own stack, as a nested tbb::task_group wait does. While any Arena exists,
// oneTBB's process-wide worker limit is raised by the arenas' threads (WorkerLimit in arena.cpp),
// so that each can get its workers.
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

  // Runs `wait` (a callable taking nothing, that does not throw) inside the arena on the calling
  // thread, in a slot of its own, marked as inside (ArenaScope). When kEntrySlots threads are
  // inside already, it waits for one of them to leave (50 us at the first round, twice as long
  // each round up to 1.6 ms) and, if none did, returns without running `wait`: the caller's jobs
  // are queued in the arena, where the pool's workers and the threads inside run them, and the
  // caller checks its count and comes again, counting its `round`s (0: its wait begins). A
  // caller kept out at every attempt for kWarnAfter is reported on stderr, once per arena
  // (note_kept_out()).
  template <class Wait>
  void enter(Wait&& wait, int round) {
    constexpr int kLongestRound = 5;
    const std::chrono::microseconds patience{50 << std::min(round, kLongestRound)};
    if (!entry_gate_.try_enter_for(patience)) {
      note_kept_out(round);
      return;
    }
    note_let_in();
    arena_.execute([this, &wait] {
      const ArenaScope inside(this);
      wait();
    });
    entry_gate_.leave();
  }

  void bind_group() noexcept { bound_groups_.fetch_add(1, std::memory_order_relaxed); }
  void unbind_group() noexcept { bound_groups_.fetch_sub(1, std::memory_order_release); }

 private:
  static constexpr std::chrono::seconds kWarnAfter{5};

  // Per waiting thread: when it was first kept out in a row of refused attempts (the row starts
  // anew with each wait, at round 0, and ends when it is let in). After kWarnAfter, says on stderr,
  // once per arena, that a waiter has been kept out for long: when every thread inside waits in
  // turn for another pool (nested waits that alternate between pools take a place at each level),
  // nothing frees a place, and the waits are deadlocked (docs/pools.md, "Limits").
  [[gnu::noinline]] void note_kept_out(int round) noexcept;
  static void note_let_in() noexcept;

  const int threads_;
  const std::string name_;
  std::atomic<bool> warned_{false};
  std::atomic<int> bound_groups_{0};
  EntryGate entry_gate_{kEntrySlots};
  tbb::task_arena arena_;
};

// The arena that the calling thread submits to and waits in for a group bound to `arena`: that
// arena; for a group without a pool, null (the thread's own arena), except on a blocking thread
// outside a wait loop, which uses the default pool's. A blocking thread's own arena would get a
// worker only when one is free, and the free ones may all be waiting, nested, for this very job;
// a waiter that enters the default pool's arena can run the job itself.
[[gnu::noinline]] Arena* arena_for_this_thread(Arena* arena);

// Whether submit() spawns a job for `arena` on the calling thread (LIFO, stealable) rather than
// enqueueing it: when the thread runs inside that arena (or, for no arena, in any arena), and is
// not a blocking-pool thread.
inline bool spawns_here(Arena* arena) noexcept {
  if (on_blocking_thread()) return false;
  return arena == nullptr || arena == ArenaScope::of_this_thread();
}

}  // namespace cascade::pool
