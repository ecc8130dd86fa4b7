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

// A list of free blocks, with its length.
class BlockList {
 public:
  std::size_t size() const noexcept { return size_; }
  FreeBlock* pop() noexcept {
    FreeBlock* block = head_;
    if (block != nullptr) {
      head_ = block->next;
      --size_;
      unpoison(block);
    }
    return block;
  }
  void push(void* memory) noexcept {
    head_ = new (memory) FreeBlock{head_};
    ++size_;
    poison(head_);
  }

 private:
  FreeBlock* head_ = nullptr;
  std::size_t size_ = 0;
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

 private:
  void carve_slab() {
    void* mapped = mmap(nullptr, kSlabSize, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (mapped == MAP_FAILED) throw std::bad_alloc();
    auto* slab = static_cast<unsigned char*>(mapped);
    for (std::size_t block = kBlocksPerSlab; block-- > 0;)  // handed out in address order
      blocks_.push(slab + block * NodeMemory::kBlockSize);
  }

  std::mutex mutex_;
  BlockList blocks_;
};

// The count of live nodes, kept per thread so that allocating and freeing a node cost a plain
// load and store of the thread's own counter (no read-modify-write, no lock). Each thread's counter
// is enlisted once, when the thread first touches node memory, and folded into `retired_` when the
// thread exits; a node freed on another thread than the one that allocated it makes one counter
// go below zero and the other above, so only the sum means something.
class LiveNodeCounters {
 public:
  class Counter {
   public:
    void add(std::ptrdiff_t delta) noexcept {
      count_.store(count_.load(std::memory_order_relaxed) + delta, std::memory_order_relaxed);
    }

   private:
    friend class LiveNodeCounters;
    std::atomic<std::ptrdiff_t> count_{0};  // written by its thread only, read by total()
    Counter* previous_ = nullptr;
    Counter* next_ = nullptr;
  };

  static LiveNodeCounters& instance() noexcept;
  void enlist(Counter& counter) noexcept {
    std::lock_guard lock(mutex_);
    counter.next_ = first_;
    if (first_ != nullptr) first_->previous_ = &counter;
    first_ = &counter;
  }
  void retire(Counter& counter) noexcept {
    std::lock_guard lock(mutex_);
    retired_ += counter.count_.load(std::memory_order_relaxed);
    (counter.previous_ != nullptr ? counter.previous_->next_ : first_) = counter.next_;
    if (counter.next_ != nullptr) counter.next_->previous_ = counter.previous_;
  }
  // A node allocated or freed by a thread whose counter is already retired.
  void add_retired(std::ptrdiff_t delta) noexcept {
    std::lock_guard lock(mutex_);
    retired_ += delta;
  }
  std::size_t total() {
    std::lock_guard lock(mutex_);
    std::ptrdiff_t sum = retired_;
    for (const Counter* counter = first_; counter != nullptr; counter = counter->next_)
      sum += counter->count_.load(std::memory_order_relaxed);
    return static_cast<std::size_t>(sum);
  }

 private:
  std::mutex mutex_;
  Counter* first_ = nullptr;
  std::ptrdiff_t retired_ = 0;
};

// Constant-initialized, so that no allocation can fail when a thread enlists, and trivially
// destructible, so that it outlives every thread_local and static destructor that frees nodes.
constinit LiveNodeCounters live_node_counters;
static_assert(std::is_trivially_destructible_v<LiveNodeCounters>);

LiveNodeCounters& LiveNodeCounters::instance() noexcept { return live_node_counters; }

// The calling thread's blocks, bounded so that a thread that frees many blocks allocated
// elsewhere passes the surplus on, and its count of live nodes.
class ThreadBlocks {
 public:
  static constexpr std::size_t kCapacity = 256;
  static constexpr std::size_t kRefill = 32;

  ThreadBlocks() noexcept { LiveNodeCounters::instance().enlist(live); }
  ~ThreadBlocks() {
    exiting = true;
    LiveNodeCounters::instance().retire(live);
    while (FreeBlock* block = blocks.pop()) SharedBlocks::instance().give(block);
  }

  // Set once this thread's list is gone: blocks freed later (by thread_local or static
  // destructors that run after it) go to the shared list.
  static constinit thread_local bool exiting;
  BlockList blocks;
  LiveNodeCounters::Counter live;
};

constinit thread_local bool ThreadBlocks::exiting = false;
thread_local ThreadBlocks thread_blocks;

}  // namespace

void* NodeMemory::allocate() {
  if (ThreadBlocks::exiting) {
    BlockList one;
    SharedBlocks::instance().refill(one, 1);
    LiveNodeCounters::instance().add_retired(1);
    return one.pop();
  }
  ThreadBlocks& local = thread_blocks;
  if (local.blocks.size() == 0) SharedBlocks::instance().refill(local.blocks, ThreadBlocks::kRefill);
  local.live.add(1);
  return local.blocks.pop();
}

void NodeMemory::free(void* block) noexcept {
  if (ThreadBlocks::exiting) {
    LiveNodeCounters::instance().add_retired(-1);
    SharedBlocks::instance().give(block);
    return;
  }
  ThreadBlocks& local = thread_blocks;
  local.live.add(-1);
  if (local.blocks.size() == ThreadBlocks::kCapacity)
    SharedBlocks::instance().give(block);
  else
    local.blocks.push(block);
}

std::size_t NodeMemory::live_blocks() { return LiveNodeCounters::instance().total(); }

}  // namespace cascade::detail
