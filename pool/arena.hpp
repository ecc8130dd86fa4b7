#pragma once

// A Pool's oneTBB arena, for the pool backends (pool/*.cpp only: this header includes oneTBB).

#include <atomic>
#include <string>

#include <oneapi/tbb/task_arena.h>

#include "cascade/pool.hpp"
#include "pool/task_backend.hpp"

namespace cascade::pool {

// A tbb::task_arena with all its slots for workers, the pool's name, and a count of the groups
// bound to it. While any Arena exists, oneTBB's process-wide worker limit is raised by the
// arenas' threads (WorkerLimit in arena.cpp), so that each can get its workers.
class Arena {
 public:
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

}  // namespace cascade::pool
