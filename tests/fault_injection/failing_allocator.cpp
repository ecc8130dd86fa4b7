#include "failing_allocator.hpp"

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdlib>
#include <new>

namespace cascade::testing {
namespace {

constinit std::atomic<std::uint64_t> armed_fail_at{0};  // 0: disarmed
constinit std::atomic<std::uint64_t> armed_calls{0};
constinit std::atomic<bool> failure_injected{false};

// Counts the call while armed; true for the one call that must fail.
bool this_call_fails() noexcept {
  const std::uint64_t fail_at = armed_fail_at.load(std::memory_order_acquire);
  if (fail_at == 0) return false;
  if (armed_calls.fetch_add(1, std::memory_order_relaxed) + 1 != fail_at) return false;
  failure_injected.store(true, std::memory_order_relaxed);
  return true;
}

void* allocate(std::size_t bytes) noexcept {
  if (this_call_fails()) return nullptr;
  return std::malloc(std::max<std::size_t>(bytes, 1));
}

void* allocate(std::size_t bytes, std::align_val_t alignment) noexcept {
  if (this_call_fails()) return nullptr;
  void* memory = nullptr;
  const std::size_t align = std::max(static_cast<std::size_t>(alignment), sizeof(void*));
  return posix_memalign(&memory, align, std::max<std::size_t>(bytes, 1)) == 0 ? memory : nullptr;
}

void* allocate_or_throw(std::size_t bytes) {
  if (void* memory = allocate(bytes)) return memory;
  throw std::bad_alloc();
}

void* allocate_or_throw(std::size_t bytes, std::align_val_t alignment) {
  if (void* memory = allocate(bytes, alignment)) return memory;
  throw std::bad_alloc();
}

}  // namespace

FailingAllocation::FailingAllocation(std::uint64_t fail_at) noexcept {
  armed_calls.store(0, std::memory_order_relaxed);
  failure_injected.store(false, std::memory_order_relaxed);
  armed_fail_at.store(fail_at, std::memory_order_release);
}

FailingAllocation::~FailingAllocation() { disarm(); }

bool FailingAllocation::disarm() noexcept {
  armed_fail_at.store(0, std::memory_order_release);
  return failure_injected.load(std::memory_order_relaxed);
}

}  // namespace cascade::testing

// The replaced forms. The new-handler is not consulted: a failure here is the test's, on purpose.
using cascade::testing::allocate;
using cascade::testing::allocate_or_throw;

void* operator new(std::size_t bytes) { return allocate_or_throw(bytes); }
void* operator new[](std::size_t bytes) { return allocate_or_throw(bytes); }
void* operator new(std::size_t bytes, const std::nothrow_t&) noexcept { return allocate(bytes); }
void* operator new[](std::size_t bytes, const std::nothrow_t&) noexcept { return allocate(bytes); }
void* operator new(std::size_t bytes, std::align_val_t alignment) {
  return allocate_or_throw(bytes, alignment);
}
void* operator new[](std::size_t bytes, std::align_val_t alignment) {
  return allocate_or_throw(bytes, alignment);
}
void* operator new(std::size_t bytes, std::align_val_t alignment, const std::nothrow_t&) noexcept {
  return allocate(bytes, alignment);
}
void* operator new[](std::size_t bytes, std::align_val_t alignment,
                     const std::nothrow_t&) noexcept {
  return allocate(bytes, alignment);
}

void operator delete(void* memory) noexcept { std::free(memory); }
void operator delete[](void* memory) noexcept { std::free(memory); }
void operator delete(void* memory, std::size_t) noexcept { std::free(memory); }
void operator delete[](void* memory, std::size_t) noexcept { std::free(memory); }
void operator delete(void* memory, const std::nothrow_t&) noexcept { std::free(memory); }
void operator delete[](void* memory, const std::nothrow_t&) noexcept { std::free(memory); }
void operator delete(void* memory, std::align_val_t) noexcept { std::free(memory); }
void operator delete[](void* memory, std::align_val_t) noexcept { std::free(memory); }
void operator delete(void* memory, std::size_t, std::align_val_t) noexcept { std::free(memory); }
void operator delete[](void* memory, std::size_t, std::align_val_t) noexcept { std::free(memory); }
void operator delete(void* memory, std::align_val_t, const std::nothrow_t&) noexcept {
  std::free(memory);
}
void operator delete[](void* memory, std::align_val_t, const std::nothrow_t&) noexcept {
  std::free(memory);
}
