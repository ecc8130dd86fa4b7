#pragma once

#include <mutex>

#include "core/spin_lock.hpp"
#include "core/sync_policy.hpp"

namespace cascade::detail {

// A group's limit: at most slots() items hold a slot at once (a task queued in the pool or
// running); the others wait in a queue, first come first served, linked through their
// `next_in_queue` field, until a holder gives its slot back and hands it to the oldest of them.
// Written against a synchronisation policy (core/sync_policy.hpp), so the Relacy models
// (tests/relacy/) check this very code. Thread-safe; every operation takes one short lock.
template <class Sync, class Item>
class LimitSlots {
 public:
  explicit LimitSlots(int slot_count) noexcept : slots_(slot_count) {}

  int slots() const noexcept { return slots_; }

  // Takes a free slot for `item` (true: the caller hands it to the pool), or queues it (false:
  // a release() hands it over later).
  bool take_or_queue(Item& item) noexcept {
    std::lock_guard lock(lock_);
    if (holders_ < slots_) {
      ++holders_;
      return true;
    }
    if (queue_tail_ != nullptr)
      queue_tail_->next_in_queue = &item;
    else
      queue_head_ = &item;
    queue_tail_ = &item;
    return false;
  }
  // Takes a free slot if there is one, queueing nothing.
  bool try_take() noexcept {
    std::lock_guard lock(lock_);
    if (holders_ >= slots_) return false;
    ++holders_;
    return true;
  }
  // Gives a slot back: returns the oldest queued item, which now holds the slot (the caller hands
  // it to the pool), or null when none waits and the slot is free again.
  Item* release() noexcept {
    std::lock_guard lock(lock_);
    Item* const next = queue_head_;
    if (next == nullptr) {
      --holders_;
      return nullptr;
    }
    queue_head_ = static_cast<Item*>(next->next_in_queue);
    if (queue_head_ == nullptr) queue_tail_ = nullptr;
    return next;
  }

 private:
  const int slots_;
  BasicSpinLock<Sync> lock_;
  // Guarded by lock_.
  typename Sync::template var<int> holders_{0};
  typename Sync::template var<Item*> queue_head_{nullptr};
  typename Sync::template var<Item*> queue_tail_{nullptr};
};

}  // namespace cascade::detail
