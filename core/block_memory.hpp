#pragma once

#include <cstddef>

namespace cascade::detail {

// The kinds of blocks cascade recycles. Each kind is a separate pool (its own slabs, lists and
// count), so that live_context_nodes() counts nodes only.
struct NodeBlocks {  // context nodes, a group's node included (core/context_node.hpp)
  static constexpr std::size_t kBlockSize = 128;
};
struct TaskBlocks {  // a task as the pool runs it: TBB's task, the job and a small callable
  static constexpr std::size_t kBlockSize = 256;
};
struct TaskStateBlocks {  // a spawn() task's shared state with a small value (task_state.hpp)
  static constexpr std::size_t kBlockSize = 128;
};

// Memory for objects created and destroyed once per task of a nested computation (a group's
// node, a task): fixed-size, cache-line-aligned blocks carved from 1 MiB mapped slabs and
// recycled through a small per-thread free list, so that taking and returning a block costs a
// few loads and stores on the calling thread, and an object costs exactly its block (no
// allocator header, no alignment slack).
//
// A block may be freed on any thread: it joins that thread's list; when the list is full, the
// whole list moves to a shared list (under a lock, once per many frees, touching one block), as
// it does when the thread exits. A thread whose list is empty takes a whole list back from the
// shared one, or else carves blocks from a slab. Slabs are never returned to the system: memory
// stays at the peak number of live blocks, like oneTBB's own small-object pools.
template <class Kind>
class BlockMemory {
 public:
  static constexpr std::size_t kBlockSize = Kind::kBlockSize;
  static constexpr std::size_t kBlockAlignment = 64;

  // A block of kBlockSize bytes. Throws std::bad_alloc.
  static void* allocate();
  static void free(void* block) noexcept;
  // Blocks allocated and not yet freed, process-wide: those carved from slabs, less the free
  // ones (on the shared list and on each thread's), summed under locks; allocate and free pay
  // nothing for it. Exact when every allocate and free happens-before the call.
  static std::size_t live_blocks();
};

using NodeMemory = BlockMemory<NodeBlocks>;
using TaskMemory = BlockMemory<TaskBlocks>;
using TaskStateMemory = BlockMemory<TaskStateBlocks>;

}  // namespace cascade::detail
