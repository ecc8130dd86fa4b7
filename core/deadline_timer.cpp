#include "core/deadline_timer.hpp"

namespace cascade::detail {

DeadlineTimer& DeadlineTimer::instance() {
  // Never destroyed: contexts with deadlines may be cancelled (and disarm) while static
  // destructors run. Its thread waits on a condition variable until the process ends.
  static auto* const timer = new DeadlineTimer();
  return *timer;
}

DeadlineTimer::Key DeadlineTimer::arm(Clock::time_point deadline, ContextNode& node) {
  std::lock_guard lock(mutex_);
  if (!thread_.joinable()) thread_ = std::thread([this] { fire_due_deadlines(); });
  const Key key{deadline, next_id_++};
  const bool earliest = entries_.empty() || key < entries_.begin()->first;
  entries_.emplace(key, &node);  // may throw std::bad_alloc: before the reference is taken
  retain(&node);
  if (earliest) wake_.notify_one();
  return key;
}

void DeadlineTimer::disarm(const Key& key) noexcept {
  ContextNode* node = nullptr;
  {
    std::lock_guard lock(mutex_);
    const auto entry = entries_.find(key);
    if (entry == entries_.end()) return;
    node = entry->second;
    entries_.erase(entry);
  }
  release(node);
}

std::size_t DeadlineTimer::armed() {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

void DeadlineTimer::fire_due_deadlines() {
  std::unique_lock lock(mutex_);
  for (;;) {
    if (entries_.empty()) {
      wake_.wait(lock);
      continue;
    }
    const auto first = entries_.begin();
    const Clock::time_point due = first->first.first;  // a copy: the entry may go while waiting
    if (due > Clock::now()) {
      wake_.wait_until(lock, due);
      continue;
    }
    ContextNode* node = first->second;
    entries_.erase(first);
    lock.unlock();
    node->cancel(Error(), CancelKind::deadline_exceeded);
    release(node);
    lock.lock();
  }
}

}  // namespace cascade::detail
