#pragma once

#include <new>

namespace cascade::detail {

// The fault-injection build: tests/fault_injection/ compiles the library a second time with
// CASCADE_FAULT_INJECTION, and replaces the global operator new with one that fails on its N-th
// call. Three kinds of allocation never reach operator new in a normal build, so there they are
// made visible to it (for Task states, see TaskStateBase::operator new); in every other build
// all of this is compiled out and costs nothing.
#if defined(CASCADE_FAULT_INJECTION)
inline constexpr bool kFaultInjectionBuild = true;
#else
inline constexpr bool kFaultInjectionBuild = false;
#endif

// Context nodes: taken from the global operator new (aligned form) instead of NodeMemory's
// mapped slabs, so that a node allocation can fail, and LeakSanitizer sees a leaked node.
inline constexpr std::align_val_t kFaultInjectionNodeAlignment{64};

// Task storage, which comes from oneTBB's small-object pool on the default backend: first asks
// operator new for a byte, so that the task's allocation fails where operator new fails.
inline void allocation_point() {
  if constexpr (kFaultInjectionBuild) {
    void* volatile probe = ::operator new(1);  // volatile: the pair must not be optimised away
    ::operator delete(probe);
  }
}

}  // namespace cascade::detail
