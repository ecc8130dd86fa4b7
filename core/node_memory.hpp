#pragma once

#include <cstddef>

namespace cascade::detail {

// Memory for context nodes (a group's node included): 128-byte, cache-line-aligned blocks carved
// from 1 MiB mapped slabs and recycled through a small per-thread free list, so that creating and
// destroying a group per task of a nested computation costs a few loads and stores, and a node
// costs exactly its block (no allocator header, no alignment slack).
//
// A block may be freed on any thread: it joins that thread's list, or a shared list (under a
// lock) when the thread's list is full or the thread is exiting; a thread whose list is empty
// refills it from the shared list before it carves a new slab. Slabs are never returned to the
// system: memory stays at the peak number of live nodes, like oneTBB's own small-object pools.
class NodeMemory {
 public:
  static constexpr std::size_t kBlockSize = 128;
  static constexpr std::size_t kBlockAlignment = 64;

  // A block of kBlockSize bytes. Throws std::bad_alloc.
  static void* allocate();
  static void free(void* block) noexcept;
  // Blocks allocated and not yet freed, process-wide: those carved from slabs, less the free
  // ones (on the shared list and on each thread's), summed under locks; allocate and free pay
  // nothing for it. Exact when every allocate and free happens-before the call.
  static std::size_t live_blocks();
};

}  // namespace cascade::detail
