// Model checks of cascade's SpinLock (core/spin_lock.hpp), the library's own template run over
// Relacy's atomics: mutual exclusion, the ordering of a critical section before the next one
// (a plain counter incremented under the lock never races), try_lock, and is_locked(), whose
// false answer ContextNode::retire() relies on to know that the last unlocker is done.

#include "core/spin_lock.hpp"
#include "model_runner.hpp"

namespace cascade::relacy {
namespace {

using Lock = detail::BasicSpinLock<RelacySync>;

// Each thread increments a plain counter under the lock; one of them with try_lock().
template <unsigned kThreads>
struct MutualExclusion : rl::test_suite<MutualExclusion<kThreads>, kThreads> {
  Lock lock;
  rl::var<int> counter;
  rl::var<int> try_lock_successes;

  void before() {
    counter($) = 0;
    try_lock_successes($) = 0;
  }
  void thread(unsigned index) {
    if (index == 0) {
      if (!lock.try_lock()) return;
      ++try_lock_successes($);
    } else {
      lock.lock();
    }
    counter($) = counter($) + 1;
    lock.unlock();
  }
  void after() { RL_ASSERT(counter($) == static_cast<int>(kThreads) - 1 + try_lock_successes($)); }
};

// retire()'s lock-free fast path: a child lets go of its parent by storing the new count
// (release) under the parent's lock, then still reads the parent (zombie_) before it unlocks. A
// thread that reads the count zero (acquire) and then is_locked() false may free the parent: the
// child's read happens-before the free.
struct UnlockedMeansDone : rl::test_suite<UnlockedMeansDone, 2> {
  Lock lock;
  rl::atomic<int> holders;
  rl::var<bool> node_memory;  // written by the free, read by the child under the lock

  void before() {
    holders($).store(1, rl::mo_relaxed);
    node_memory($) = true;
  }
  void thread(unsigned index) {
    if (index == 0) {
      lock.lock();
      holders($).store(0, rl::mo_release);
      RL_ASSERT(node_memory($));
      lock.unlock();
    } else if (holders($).load(rl::mo_acquire) == 0 && !lock.is_locked()) {
      node_memory($) = false;
    }
  }
};

}  // namespace
}  // namespace cascade::relacy

int main(int argc, char** argv) {
  cascade::relacy::ModelRunner runner(argc, argv);
  runner.exhaustive<cascade::relacy::MutualExclusion<2>>("spin_lock.mutual_exclusion(2 threads)");
  runner.exhaustive<cascade::relacy::MutualExclusion<3>>("spin_lock.mutual_exclusion(3 threads)");
  runner.exhaustive<cascade::relacy::UnlockedMeansDone>("spin_lock.unlocked_means_done");
  return runner.exit_code();
}
