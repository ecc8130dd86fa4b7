#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <thread>
#include <utility>

#include "core/context_node.hpp"

namespace cascade::detail {

// DeadlineTimer cancels contexts with DeadlineExceeded when their deadlines pass. One thread for
// the whole process, started by the first arm(); it only cancels contexts, it never runs tasks.
// The timer lives until the process ends (it is never destroyed).
//
// Thread-safety: all members may be called from any thread. The timer never holds its own mutex
// while it cancels a context, so a context's lock may be held while calling arm().
class DeadlineTimer {
 public:
  using Key = std::pair<Clock::time_point, std::uint64_t>;

  static DeadlineTimer& instance();

  // Cancels `node` at `deadline`; holds a reference to it until then or until disarm(). Throws
  // std::system_error when the timer thread cannot be started, std::bad_alloc when out of memory
  // (then nothing is armed).
  Key arm(Clock::time_point deadline, ContextNode& node);
  // Forgets the entry if it has not fired, releasing its reference.
  void disarm(const Key& key) noexcept;
  // The entries that have not fired or been disarmed.
  std::size_t armed();

  DeadlineTimer(const DeadlineTimer&) = delete;
  DeadlineTimer& operator=(const DeadlineTimer&) = delete;

 private:
  DeadlineTimer() = default;
  void fire_due_deadlines();

  std::mutex mutex_;
  std::condition_variable wake_;
  std::map<Key, ContextNode*> entries_;  // each holds a counted reference
  std::uint64_t next_id_ = 0;
  std::thread thread_;
};

}  // namespace cascade::detail
