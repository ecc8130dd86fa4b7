#pragma once

// The fault-injection suite's global operator new (failing_allocator.cpp replaces every form:
// plain, array, aligned, nothrow): it allocates with malloc, except that while a
// FailingAllocation is armed, its fail_at-th call fails.

#include <cstdint>

namespace cascade::testing {

// Arms the replaced operator new for its lifetime: the `fail_at`-th call from now on (counting
// every form, on every thread) throws std::bad_alloc, or returns null in a nothrow form; every
// other call succeeds. Arm it around the operation under test only, so that GoogleTest's own
// allocations never fail. One at a time; `fail_at` is at least 1.
class FailingAllocation {
 public:
  explicit FailingAllocation(std::uint64_t fail_at) noexcept;
  ~FailingAllocation();
  FailingAllocation(const FailingAllocation&) = delete;
  FailingAllocation& operator=(const FailingAllocation&) = delete;

  // Disarms (once armed calls are over, e.g. after the group's wait()) and returns whether the
  // failure was injected. Idempotent.
  bool disarm() noexcept;
};

}  // namespace cascade::testing
