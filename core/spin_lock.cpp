#include "core/spin_lock.hpp"

#include <thread>

namespace cascade::detail {
namespace {

void pause_briefly() noexcept {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

}  // namespace

void SpinLock::lock_contended() noexcept {
  constexpr int kSpinsBeforeYield = 64;
  for (int spins = 0; !try_lock(); ++spins) {
    if (spins < kSpinsBeforeYield)
      pause_briefly();
    else
      std::this_thread::yield();
  }
}

}  // namespace cascade::detail
