#include "core/spin_lock.hpp"

#include <thread>

namespace cascade::detail {

void StdSync::back_off(int spins) noexcept {
  constexpr int kSpinsBeforeYield = 64;
  if (spins >= kSpinsBeforeYield) {
    std::this_thread::yield();
    return;
  }
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

template class BasicSpinLock<StdSync>;

}  // namespace cascade::detail
