#pragma once

#include <cstddef>

namespace cascade::detail {

// Memory for context nodes (a group's node included): fixed-size blocks, recycled through a small
// per-thread free list, so that creating and destroying a group per task of a nested computation
// costs a few loads and stores instead of a trip through a general-purpose allocator. A block may
// be freed on any thread; it then joins that thread's list (or the global heap when the list is
// full or the thread is exiting).
class NodeMemory {
 public:
  static constexpr std::size_t kBlockSize = 128;
  // A cache line: a node spans exactly two lines, and nodes of different threads never share one.
  static constexpr std::size_t kBlockAlignment = 64;

  // A block of kBlockSize bytes. Throws std::bad_alloc.
  static void* allocate();
  static void free(void* block) noexcept;
};

}  // namespace cascade::detail
