#pragma once

// How many threads may be inside one pool's arena at once through Arena::enter (pool/arena.hpp).

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>

namespace cascade::pool {

// A counting gate: at most `capacity` threads are through it at once. A thread that would be one
// too many waits, for a while, until another leaves.
//
// Why a pool needs one: oneTBB's task_arena::execute, called by a thread that finds every slot of
// the arena taken, hands the call to the arena as a task, which some thread inside runs on top of
// whatever it is waiting for. When that call is a wait whose tasks lead, through nested groups, to
// the very thread that took it, neither ever returns. Arena keeps at most as many threads inside
// through its gate as it has slots reserved for them, so execute() always finds one.
//
// Thread-safety: any thread may call either function. Memory: leave() happens-before the
// try_enter_for() that takes the place it freed.
class EntryGate {
 public:
  explicit EntryGate(int capacity) noexcept : free_places_(capacity) {}
  EntryGate(const EntryGate&) = delete;
  EntryGate& operator=(const EntryGate&) = delete;

  // Takes a place and returns true, waiting at most `patience` for one to be freed; false when
  // none was. Lock-free while places are free.
  bool try_enter_for(std::chrono::microseconds patience);
  // Gives back the place a successful try_enter_for() took.
  void leave() noexcept;

 private:
  bool try_take() noexcept;

  std::atomic<int> free_places_;
  std::atomic<int> sleepers_{0};
  std::mutex mutex_;
  std::condition_variable place_freed_;
};

}  // namespace cascade::pool
