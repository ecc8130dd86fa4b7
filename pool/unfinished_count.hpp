#pragma once

#include <atomic>
#include <cstdint>

#include "core/sync_policy.hpp"

namespace cascade::pool {

// The exact count of a group's unfinished jobs behind the task_group backend's CompletionCounter
// (pool/tbb_task_backend.cpp relies on TBB's wait_context instead, whose counting
// tests/relacy/wait_context_mirror.hpp mirrors). Everything a job did before done() happens-before
// an idle() that returns true; done() touches nothing after its decrement, so the owner may free
// the count as soon as it reads idle. Written against a synchronisation policy
// (core/sync_policy.hpp), so the Relacy models (tests/relacy/) check this very code.
template <class Sync>
class UnfinishedCount {
 public:
  // Counted before the job is handed to the pool, by a thread that holds the group: relaxed.
  void add() noexcept { count_.fetch_add(1, std::memory_order_relaxed); }
  void done() noexcept { count_.fetch_sub(1, std::memory_order_release); }
  bool idle() const noexcept { return count_.load(std::memory_order_acquire) == 0; }

 private:
  typename Sync::template atomic<std::uint64_t> count_{0};
};

}  // namespace cascade::pool
