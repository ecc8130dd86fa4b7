#include "core/node_memory.hpp"

#include <new>

namespace cascade::detail {
namespace {

struct FreeBlock {
  FreeBlock* next;
};

constexpr std::align_val_t kAlignment{NodeMemory::kBlockAlignment};

void* new_block() { return ::operator new(NodeMemory::kBlockSize, kAlignment); }
void delete_block(void* block) noexcept { ::operator delete(block, kAlignment); }

// The calling thread's recycled blocks. Bounded, so a thread that frees many blocks allocated
// elsewhere hands the surplus back to the heap.
class ThreadBlocks {
 public:
  static constexpr int kCapacity = 128;

  ~ThreadBlocks() {
    exiting = true;
    while (FreeBlock* block = pop()) delete_block(block);
  }
  FreeBlock* pop() noexcept {
    FreeBlock* block = head_;
    if (block != nullptr) {
      head_ = block->next;
      --count_;
    }
    return block;
  }
  bool push(void* memory) noexcept {
    if (count_ == kCapacity) return false;
    head_ = new (memory) FreeBlock{head_};
    ++count_;
    return true;
  }

  // Set once this thread's list is gone: blocks freed later (by thread_local or static
  // destructors that run after it) go straight to the heap.
  static constinit thread_local bool exiting;

 private:
  FreeBlock* head_ = nullptr;
  int count_ = 0;
};

constinit thread_local bool ThreadBlocks::exiting = false;
thread_local ThreadBlocks thread_blocks;

}  // namespace

void* NodeMemory::allocate() {
  if (!ThreadBlocks::exiting)
    if (FreeBlock* block = thread_blocks.pop()) return block;
  return new_block();
}

void NodeMemory::free(void* block) noexcept {
  if (ThreadBlocks::exiting || !thread_blocks.push(block)) delete_block(block);
}

}  // namespace cascade::detail
