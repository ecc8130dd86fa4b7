#include "core/block_memory.hpp"

#include <atomic>
#include <cstddef>
#include <mutex>
#include <new>
#include <type_traits>
#include <utility>

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

// A free block's first words. Only the first block of a batch on the shared list (see
// SharedBlocks) uses more than `next`.
struct FreeBlock {
  FreeBlock* next;        // the next block of the same list or batch
  FreeBlock* next_batch;  // the first block of the next batch on the shared list
  std::size_t batch_size;
};

// Under AddressSanitizer a free block is poisoned past its links, so a use of a destroyed object
// is reported even though its memory is recycled, not returned to the heap.
#if defined(CASCADE_ADDRESS_SANITIZER)
template <std::size_t kBlockSize>
void poison(FreeBlock* block) noexcept {
  ASAN_POISON_MEMORY_REGION(reinterpret_cast<unsigned char*>(block) + sizeof(FreeBlock),
                            kBlockSize - sizeof(FreeBlock));
}
template <std::size_t kBlockSize>
void unpoison(FreeBlock* block) noexcept {
  ASAN_UNPOISON_MEMORY_REGION(block, kBlockSize);
}
#else
template <std::size_t kBlockSize>
void poison(FreeBlock*) noexcept {}
template <std::size_t kBlockSize>
void unpoison(FreeBlock*) noexcept {}
#endif

// Slabs are mapped directly: page-aligned, with no allocator header and no gaps between them, so
// an object costs exactly its block. Untouched pages of a slab cost no memory.
constexpr std::size_t kSlabSize = std::size_t{1} << 20;

// A list of free blocks of one kind, with its length. Only the list's owner (a thread, or
// whoever holds the shared list's lock) changes it; the length may also be read by another
// thread, for the count of live blocks, so it is an atomic written with a plain load and store
// (no read-modify-write). Constant-initialised and trivially destructible, so that a thread's
// list needs no guard on its hot path and stays usable while the thread exits.
template <class Kind>
class BlockList {
 public:
  std::size_t size() const noexcept { return size_.load(std::memory_order_relaxed); }
  FreeBlock* pop() noexcept {
    FreeBlock* block = head_;
    if (block != nullptr) {
      head_ = block->next;
      size_.store(size() - 1, std::memory_order_relaxed);
      unpoison<Kind::kBlockSize>(block);
    }
    return block;
  }
  void push(void* memory) noexcept {
    auto* block = new (memory) FreeBlock;  // the batch fields are set by whoever reads them
    block->next = head_;
    head_ = block;
    size_.store(size() + 1, std::memory_order_relaxed);
    poison<Kind::kBlockSize>(head_);
  }
  // Empties the list and returns its first block (null when it was empty), which leads the rest.
  FreeBlock* take_all() noexcept {
    size_.store(0, std::memory_order_relaxed);
    return std::exchange(head_, nullptr);
  }
  // Makes an empty list hold the `size` blocks that `first` leads.
  void adopt(FreeBlock* first, std::size_t size) noexcept {
    head_ = first;
    size_.store(size, std::memory_order_relaxed);
  }

 private:
  FreeBlock* head_ = nullptr;
  std::atomic<std::size_t> size_{0};
};

// Blocks no thread holds: whole lists that threads gave up (batches, stacked through their first
// blocks, so that giving or taking a list touches one block, not each), and the untouched rest of
// the newest slab. Never destroyed: blocks may be freed while static destructors run.
template <class Kind>
class SharedBlocks {
 public:
  static SharedBlocks& instance() {
    static auto* const shared = new SharedBlocks();
    return *shared;
  }
  // Takes over every block of `from`, which ends empty.
  void give(BlockList<Kind>& from) noexcept {
    const std::size_t size = from.size();
    FreeBlock* first = from.take_all();
    if (first == nullptr) return;
    std::lock_guard lock(mutex_);
    first->next_batch = batches_;  // a free block's links are never poisoned
    first->batch_size = size;
    batches_ = first;
    free_in_batches_ += size;
  }
  // Fills the empty list `into` with the newest batch, or else with up to `count` blocks carved
  // from a slab (mapping a new one when the last is used up).
  void refill(BlockList<Kind>& into, std::size_t count) {
    std::lock_guard lock(mutex_);
    if (FreeBlock* first = batches_) {
      batches_ = first->next_batch;
      free_in_batches_ -= first->batch_size;
      into.adopt(first, first->batch_size);
      return;
    }
    if (uncarved_ == uncarved_end_) map_slab();
    for (; count > 0 && uncarved_ != uncarved_end_; --count, ++carved_) {
      into.push(uncarved_);
      uncarved_ += Kind::kBlockSize;
    }
  }
  // Blocks carved from slabs, less the free ones: those in batches and the
  // `threads_free_blocks()` that the threads hold, counted under this list's lock, so that no
  // refill or give moves blocks between the lists meanwhile. Only a block allocated or freed on
  // a thread's own list while this runs can be missed.
  template <class CountThreadsFreeBlocks>
  std::size_t live_blocks(CountThreadsFreeBlocks threads_free_blocks) {
    std::lock_guard lock(mutex_);
    const std::size_t free = free_in_batches_ + threads_free_blocks();
    return carved_ > free ? carved_ - free : 0;
  }

 private:
  // Mapped slabs are page-aligned, so every block is aligned as promised.
  static_assert(Kind::kBlockSize % BlockMemory<Kind>::kBlockAlignment == 0);
  static_assert(kSlabSize % Kind::kBlockSize == 0);

  void map_slab() {
    void* mapped =
        mmap(nullptr, kSlabSize, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (mapped == MAP_FAILED) throw std::bad_alloc();
    uncarved_ = static_cast<unsigned char*>(mapped);
    uncarved_end_ = uncarved_ + kSlabSize;
  }

  std::mutex mutex_;
  FreeBlock* batches_ = nullptr;
  std::size_t free_in_batches_ = 0;
  unsigned char* uncarved_ = nullptr;
  unsigned char* uncarved_end_ = nullptr;
  std::size_t carved_ = 0;
};

// The calling thread's blocks of one kind, bounded so that a thread that frees many blocks
// allocated elsewhere passes the surplus on. Constant-initialised and trivially destructible (see
// BlockList): the work of the thread's exit is ThreadExit's.
template <class Kind>
struct ThreadBlocks {
  static constexpr std::size_t kCapacity = 256;
  static constexpr std::size_t kRefill = 32;

  BlockList<Kind> blocks;
  bool enlisted = false;
  // Set once this thread's list is gone: blocks freed later (by thread_local or static
  // destructors that run after it) go to the shared list.
  bool exiting = false;
  // The registry's list of threads, guarded by its lock.
  ThreadBlocks* previous = nullptr;
  ThreadBlocks* next = nullptr;
};

// The threads' block lists of one kind, so that the count of live blocks can subtract the free
// blocks each thread holds: live = carved - shared - the threads' lists. A thread enlists its
// list when it first puts a block on it, and leaves when it exits; allocate() and free() touch
// neither otherwise.
template <class Kind>
class ThreadListRegistry {
 public:
  void enlist(ThreadBlocks<Kind>& list) noexcept {
    std::lock_guard lock(mutex_);
    list.next = first_;
    if (first_ != nullptr) first_->previous = &list;
    first_ = &list;
  }
  void leave(ThreadBlocks<Kind>& list) noexcept {
    std::lock_guard lock(mutex_);
    (list.previous != nullptr ? list.previous->next : first_) = list.next;
    if (list.next != nullptr) list.next->previous = list.previous;
  }
  std::size_t live_blocks() {
    std::lock_guard lock(mutex_);  // always before the shared list's
    return SharedBlocks<Kind>::instance().live_blocks([this] {
      std::size_t free = 0;
      for (const ThreadBlocks<Kind>* list = first_; list != nullptr; list = list->next)
        free += list->blocks.size();
      return free;
    });
  }

 private:
  std::mutex mutex_;
  ThreadBlocks<Kind>* first_ = nullptr;
};

// Per kind: the registry, constant-initialised, so that enlisting cannot fail, and trivially
// destructible, so that it outlives every thread_local and static destructor that frees blocks.
template <class Kind>
constinit ThreadListRegistry<Kind> thread_lists;

// Empties the thread's list into the shared one when the thread exits. Constructed when the thread
// enlists (a cold path), which registers the destructor.
template <class Kind>
class ThreadExit {
 public:
  ThreadExit() = default;
  ThreadExit(const ThreadExit&) = delete;
  ThreadExit& operator=(const ThreadExit&) = delete;
  ~ThreadExit();
  // Constructs the thread's object: a store the optimiser keeps.
  void arm() noexcept { armed_ = true; }

 private:
  bool armed_ = false;
};

// The calling thread's state of one kind. Static members of a class template, not variable
// templates: g++ 12 never registers the destructor of a thread_local variable template.
template <class Kind>
struct ThisThread {
  static constinit thread_local ThreadBlocks<Kind> blocks;
  static thread_local ThreadExit<Kind> exit;
};
template <class Kind>
constinit thread_local ThreadBlocks<Kind> ThisThread<Kind>::blocks;
template <class Kind>
thread_local ThreadExit<Kind> ThisThread<Kind>::exit;

template <class Kind>
ThreadExit<Kind>::~ThreadExit() {
  if (!armed_) return;
  ThreadBlocks<Kind>& local = ThisThread<Kind>::blocks;
  local.exiting = true;
  SharedBlocks<Kind>::instance().give(local.blocks);
  thread_lists<Kind>.leave(local);
}

// Enlists this thread's list in the registry and arms its exit, once: called when the list is
// empty, before the thread first puts a block on it (a refill or a free). Out of line, so the hot
// paths stay small.
template <class Kind>
[[gnu::noinline]] void enlist_this_thread() noexcept {
  ThreadBlocks<Kind>& local = ThisThread<Kind>::blocks;
  if (local.enlisted) return;
  thread_lists<Kind>.enlist(local);
  local.enlisted = true;
  ThisThread<Kind>::exit.arm();
}

// Takes one block straight from the shared list, for a thread whose own list is gone.
template <class Kind>
[[gnu::noinline]] void* allocate_while_exiting() {
  BlockList<Kind> one;
  SharedBlocks<Kind>::instance().refill(one, 1);
  FreeBlock* block = one.pop();
  SharedBlocks<Kind>::instance().give(one);  // the rest of a batch it may have taken
  return block;
}

template <class Kind>
[[gnu::noinline]] void* refill_and_allocate() {
  ThreadBlocks<Kind>& local = ThisThread<Kind>::blocks;
  enlist_this_thread<Kind>();
  SharedBlocks<Kind>::instance().refill(local.blocks, ThreadBlocks<Kind>::kRefill);
  return local.blocks.pop();
}

// Frees a block on a thread whose list is empty (it enlists first), full (the whole list goes to
// the shared one first) or gone (the block goes to the shared list).
template <class Kind>
[[gnu::noinline]] void free_off_the_fast_path(void* block) noexcept {
  ThreadBlocks<Kind>& local = ThisThread<Kind>::blocks;
  if (local.exiting) {
    BlockList<Kind> one;
    one.push(block);
    SharedBlocks<Kind>::instance().give(one);
    return;
  }
  if (local.blocks.size() == 0)
    enlist_this_thread<Kind>();
  else
    SharedBlocks<Kind>::instance().give(local.blocks);
  local.blocks.push(block);
}

}  // namespace

template <class Kind>
void* BlockMemory<Kind>::allocate() {
  ThreadBlocks<Kind>& local = ThisThread<Kind>::blocks;
  if (local.blocks.size() != 0) [[likely]]
    return local.blocks.pop();
  if (local.exiting) return allocate_while_exiting<Kind>();
  return refill_and_allocate<Kind>();
}

// A thread's list holds blocks only while the thread is enlisted and not exiting (its exit
// empties the list for good), so one comparison selects the fast path.
template <class Kind>
void BlockMemory<Kind>::free(void* block) noexcept {
  BlockList<Kind>& blocks = ThisThread<Kind>::blocks.blocks;
  if (blocks.size() - 1 < ThreadBlocks<Kind>::kCapacity - 1) [[likely]] {  // neither empty nor full
    blocks.push(block);
    return;
  }
  free_off_the_fast_path<Kind>(block);
}

template <class Kind>
std::size_t BlockMemory<Kind>::live_blocks() {
  return thread_lists<Kind>.live_blocks();
}

template class BlockMemory<NodeBlocks>;
template class BlockMemory<TaskBlocks>;
template class BlockMemory<TaskStateBlocks>;

}  // namespace cascade::detail
