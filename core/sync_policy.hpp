#pragma once

#include <atomic>

namespace cascade::detail {

// The synchronisation types that cascade's small concurrent kernels are written against
// (core/spin_lock.hpp, core/first_failure.hpp, core/limit_slots.hpp, pool/unfinished_count.hpp):
// `atomic<T>` with std::atomic's interface, `var<T>` for a plain field that the kernel's
// protocol guards, and back_off(spins), called while a spin loop waits. The library uses
// StdSync, which costs nothing over writing the types out; the Relacy model checks
// (tests/relacy/) plug in an adapter over Relacy's checked atomics and variables, so the models
// explore the library's own code. These headers compile as C++17, which Relacy needs.
struct StdSync {
  template <class T>
  using atomic = std::atomic<T>;
  template <class T>
  using var = T;
  // Pauses the processor briefly, and yields it after many attempts (core/spin_lock.cpp).
  static void back_off(int spins) noexcept;
};

}  // namespace cascade::detail
