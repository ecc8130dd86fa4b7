#include "pool/entry_gate.hpp"

namespace cascade::pool {

bool EntryGate::try_take() noexcept {
  int free = free_places_.load();
  while (free > 0)
    if (free_places_.compare_exchange_weak(free, free - 1)) return true;
  return false;
}

// The sleeper counts itself before it looks for a place, and leave() frees a place before it
// looks for sleepers (both sequentially consistent): either the sleeper sees the place, or
// leave() sees the sleeper and notifies it under the mutex, after it went to sleep.
bool EntryGate::try_enter_for(std::chrono::microseconds patience) {
  if (try_take()) return true;
  std::unique_lock lock(mutex_);
  sleepers_.fetch_add(1);
  const bool entered = place_freed_.wait_for(lock, patience, [this] { return try_take(); });
  sleepers_.fetch_sub(1);
  return entered;
}

void EntryGate::leave() noexcept {
  free_places_.fetch_add(1);
  if (sleepers_.load() == 0) return;
  const std::lock_guard lock(mutex_);
  place_freed_.notify_one();
}

}  // namespace cascade::pool
