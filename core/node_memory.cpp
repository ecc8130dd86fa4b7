#include "core/node_memory.hpp"

#include <atomic>
#include <cstddef>
#include <mutex>
#include <new>
#include <type_traits>

#include <sys/mman.h>

#if defined(__SANITIZE_ADDRESS__)
#define CASCADE_ADDRESS_SANITIZER 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define CASCADE_ADDRESS_SANITIZER 1
#endif
#endif
#if defined(CASCADE_ADDRESS_SANITIZER)
#include <sanitizer/asan_interface.h>
#endif

namespace cascade::detail {
namespace {

struct FreeBlock {
  FreeBlock* next;
};

// Under AddressSanitizer a free block is poisoned past its link, so a use of a destroyed node is
// reported even though its memory is recycled, not returned to the heap.
#if defined(CASCADE_ADDRESS_SANITIZER)
void poison(FreeBlock* block) noexcept {
  ASAN_POISON_MEMORY_REGION(reinterpret_cast<unsigned char*>(block) + sizeof(FreeBlock),
                            NodeMemory::kBlockSize - sizeof(FreeBlock));
}
void unpoison(FreeBlock* block) noexcept {
  ASAN_UNPOISON_MEMORY_REGION(block, NodeMemory::kBlockSize);
}
#else
void poison(FreeBlock*) noexcept {}
void unpoison(FreeBlock*) noexcept {}
#endif

// Slabs are mapped directly: page-aligned, with no allocator header and no gaps between them, so
// a node costs exactly its block. Untouched pages of a slab cost no memory.
constexpr std::size_t kSlabSize = std::size_t{1} << 20;
constexpr std::size_t kBlocksPerSlab = kSlabSize / NodeMemory::kBlockSize;
// Mapped slabs are page-aligned, so every block is aligned as promised.
static_assert(NodeMemory::kBlockSize % NodeMemory::kBlockAlignment == 0);

// A list of free blocks, with its length. Only the list's owner (a thread, or whoever holds the
// shared list's lock) changes it; the length may also be read by another thread, for the count of
// live blocks, so it is an atomic written with a plain load and store (no read-modify-write).
class BlockList {
 public:
  std::size_t size() const noexcept { return size_.load(std::memory_order_relaxed); }
  FreeBlock* pop() noexcept {
    FreeBlock* block = head_;
    if (block != nullptr) {
      head_ = block->next;
      size_.store(size() - 1, std::memory_order_relaxed);
      unpoison(block);
    }
    return block;
  }
  void push(void* memory) noexcept {
    head_ = new (memory) FreeBlock{head_};
    size_.store(size() + 1, std::memory_order_relaxed);
    poison(head_);
  }

 private:
  FreeBlock* head_ = nullptr;
  std::atomic<std::size_t> size_{0};
};

// Blocks no thread holds. Never destroyed: nodes may be freed while static destructors run.
class SharedBlocks {
 public:
  static SharedBlocks& instance() {
    static auto* const shared = new SharedBlocks();
    return *shared;
  }
  void give(void* block) noexcept {
    std::lock_guard lock(mutex_);
    blocks_.push(block);
  }
  // Moves up to `count` blocks into `into`; carves a new slab when there are none.
  void refill(BlockList& into, std::size_t count) {
    std::lock_guard lock(mutex_);
    if (blocks_.size() == 0) carve_slab();
    for (; count > 0 && blocks_.size() > 0; --count) into.push(blocks_.pop());
  }
  // Blocks carved from slabs, less the free ones: those on the shared list and the
  // `threads_free_blocks()` that the threads hold, counted under this list's lock, so that no
  // refill or give moves blocks between the lists meanwhile. Only a node allocated or freed on a
  // thread's own list while this runs can be missed.
  template <class CountThreadsFreeBlocks>
  std::size_t live_blocks(CountThreadsFreeBlocks threads_free_blocks) {
    std::lock_guard lock(mutex_);
    const std::size_t free = blocks_.size() + threads_free_blocks();
    return carved_ > free ? carved_ - free : 0;
  }

 private:
  void carve_slab() {
    void* mapped = mmap(nullptr, kSlabSize, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (mapped == MAP_FAILED) throw std::bad_alloc();
    auto* slab = static_cast<unsigned char*>(mapped);
    for (std::size_t block = kBlocksPerSlab; block-- > 0;)  // handed out in address order
      blocks_.push(slab + block * NodeMemory::kBlockSize);
    carved_ += kBlocksPerSlab;
  }

  std::mutex mutex_;
  BlockList blocks_;
  std::size_t carved_ = 0;
};

class ThreadBlocks;

// The threads' block lists, so that the count of live blocks can subtract the free blocks each
// thread holds: live = carved - shared - the threads' lists. A thread enlists its list when it
// first touches node memory and leaves when it exits; allocate() and free() touch neither.
class ThreadListRegistry {
 public:
  void enlist(ThreadBlocks& list) noexcept;
  void leave(ThreadBlocks& list) noexcept;
  std::size_t live_blocks();

 private:
  std::mutex mutex_;
  ThreadBlocks* first_ = nullptr;
};

// Constant-initialized, so that enlisting cannot fail, and trivially destructible, so that it
// outlives every thread_local and static destructor that frees nodes.
constinit ThreadListRegistry thread_lists;
static_assert(std::is_trivially_destructible_v<ThreadListRegistry>);

// The calling thread's blocks, bounded so that a thread that frees many blocks allocated
// elsewhere passes the surplus on.
class ThreadBlocks {
 public:
  static constexpr std::size_t kCapacity = 256;
  static constexpr std::size_t kRefill = 32;

  ~ThreadBlocks() {
    exiting = true;
    while (FreeBlock* block = blocks.pop()) SharedBlocks::instance().give(block);
    if (enlisted) thread_lists.leave(*this);
  }

  // Set once this thread's list is gone: blocks freed later (by thread_local or static
  // destructors that run after it) go to the shared list.
  static constinit thread_local bool exiting;
  BlockList blocks;
  bool enlisted = false;
  // The registry's list of threads, guarded by its lock.
  ThreadBlocks* previous = nullptr;
  ThreadBlocks* next = nullptr;
};

void ThreadListRegistry::enlist(ThreadBlocks& list) noexcept {
  std::lock_guard lock(mutex_);
  list.next = first_;
  if (first_ != nullptr) first_->previous = &list;
  first_ = &list;
}

void ThreadListRegistry::leave(ThreadBlocks& list) noexcept {
  std::lock_guard lock(mutex_);
  (list.previous != nullptr ? list.previous->next : first_) = list.next;
  if (list.next != nullptr) list.next->previous = list.previous;
}

std::size_t ThreadListRegistry::live_blocks() {
  std::lock_guard lock(mutex_);  // always before the shared list's
  return SharedBlocks::instance().live_blocks([this] {
    std::size_t free = 0;
    for (const ThreadBlocks* list = first_; list != nullptr; list = list->next)
      free += list->blocks.size();
    return free;
  });
}

constinit thread_local bool ThreadBlocks::exiting = false;
thread_local ThreadBlocks thread_blocks;

// Enlists this thread's list in the registry, once: called when the list is empty, before the
// thread first puts a block on it (a refill or a free), so that ThreadBlocks' constructor stays
// trivial. Out of line, so the hot paths never take the list's address.
[[gnu::noinline]] void enlist_this_thread() noexcept {
  ThreadBlocks& local = thread_blocks;
  if (local.enlisted) return;
  thread_lists.enlist(local);
  local.enlisted = true;
}

}  // namespace

void* NodeMemory::allocate() {
  if (ThreadBlocks::exiting) {
    BlockList one;
    SharedBlocks::instance().refill(one, 1);
    return one.pop();
  }
  if (thread_blocks.blocks.size() == 0) {
    enlist_this_thread();
    SharedBlocks::instance().refill(thread_blocks.blocks, ThreadBlocks::kRefill);
  }
  return thread_blocks.blocks.pop();
}

void NodeMemory::free(void* block) noexcept {
  if (!ThreadBlocks::exiting) {
    const std::size_t size = thread_blocks.blocks.size();
    if (size < ThreadBlocks::kCapacity) {
      if (size == 0) [[unlikely]] enlist_this_thread();
      thread_blocks.blocks.push(block);
      return;
    }
  }
  SharedBlocks::instance().give(block);
}

std::size_t NodeMemory::live_blocks() { return thread_lists.live_blocks(); }

}  // namespace cascade::detail
