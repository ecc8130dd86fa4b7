#pragma once

#include <atomic>

#include "core/sync_policy.hpp"

namespace cascade::detail {

// SpinLock guards the context tree's short critical sections (linking a child, marking a node).
// Unlocking is a plain release store, so a lock/unlock pair costs one atomic exchange. A waiter
// spins briefly, then yields the processor between attempts: a thread that waits while another
// marks a large subtree does not keep a core busy. Satisfies Lockable (std::lock_guard works).
// Memory: lock() acquires, unlock() releases. Written against a synchronisation policy
// (core/sync_policy.hpp) so that the Relacy models (tests/relacy/) check this very code.
template <class Sync>
class BasicSpinLock {
 public:
  void lock() noexcept {
    if (!locked_.exchange(true, std::memory_order_acquire)) [[likely]]
      return;
    lock_contended();
  }
  bool try_lock() noexcept {
    return !locked_.load(std::memory_order_relaxed) &&
           !locked_.exchange(true, std::memory_order_acquire);
  }
  void unlock() noexcept { locked_.store(false, std::memory_order_release); }
  // Whether a thread holds the lock now; acquire, so a false answer orders this thread after the
  // last unlock().
  bool is_locked() const noexcept { return locked_.load(std::memory_order_acquire); }

 private:
  void lock_contended() noexcept;

  typename Sync::template atomic<bool> locked_{false};
};

// Out of line, so that lock() stays small where it is inlined.
template <class Sync>
void BasicSpinLock<Sync>::lock_contended() noexcept {
  for (int spins = 0; !try_lock(); ++spins) Sync::back_off(spins);
}

using SpinLock = BasicSpinLock<StdSync>;
extern template class BasicSpinLock<StdSync>;

}  // namespace cascade::detail
