// Suspended tasks (pool/task_backend.hpp: suspend_task, resume_task) on oneTBB's resumable tasks,
// tbb::task::suspend and tbb::task::resume: public API, not a preview since oneTBB 2021, so both
// backends share this file. Also the process-wide limit on suspended tasks (cascade/context.hpp).
//
// What a suspension costs (../shared/reference/onetbb-2021.8.md, section 11): the suspended task
// keeps its stack, and its thread goes on on another one, a coroutine stack of the worker stack
// size (4 MiB of virtual memory by default), mapped by oneTBB on first use and cached per arena.
// Each stack takes about two memory maps, and a process has vm.max_map_count of them (65530 by
// default): past roughly 32k suspended tasks mmap fails, which a release build of oneTBB does
// not check (it crashes). Hence the limit, whose default leaves half of the maps to the rest of
// the process.

#include <atomic>
#include <fstream>
#include <stdexcept>
#include <string>
#include <system_error>

#include <oneapi/tbb/task.h>
#include <oneapi/tbb/task_arena.h>

#include "cascade/context.hpp"
#include "pool/task_backend.hpp"

namespace cascade::pool {
namespace {

constexpr int kDefaultMaxSuspendedWaits = 16384;
constinit std::atomic<int> max_suspended_tasks{kDefaultMaxSuspendedWaits};
constinit std::atomic<int> suspended_tasks{0};

// Counts one more suspended task, or throws when max_suspended_tasks are already suspended.
void count_suspended_task() {
  int count = suspended_tasks.load(std::memory_order_relaxed);
  do {
    const int limit = max_suspended_tasks.load(std::memory_order_relaxed);
    if (count >= limit)
      throw std::system_error(
          std::make_error_code(std::errc::resource_unavailable_try_again),
          "cascade: cannot suspend the waiting task (Context::wait, Task::wait): the limit of " +
              std::to_string(limit) +
              " suspended waits is reached (cascade::set_max_suspended_waits)");
  } while (!suspended_tasks.compare_exchange_weak(count, count + 1, std::memory_order_relaxed));
}

// Checked in this order so that a thread oneTBB has never seen stays unknown to it:
// current_thread_index() only reads, current_context() would register the thread.
// Linux's vm.max_map_count, or its default when it cannot be read.
long max_memory_maps() {
  constexpr long kLinuxDefault = 65530;
  std::ifstream setting("/proc/sys/vm/max_map_count");
  long maps = 0;
  return setting >> maps ? maps : kLinuxDefault;
}

}  // namespace

bool runs_tbb_task() noexcept {
  return tbb::this_task_arena::current_thread_index() != tbb::task_arena::not_initialized &&
         tbb::task::current_context() != nullptr;
}

#if __TBB_RESUMABLE_TASKS

bool suspend_task(Resumable& resumable) {
  if (!runs_tbb_task()) return false;
  count_suspended_task();
  struct Uncount {  // also when suspend() throws (oneTBB allocates a suspend point on first use)
    ~Uncount() { suspended_tasks.fetch_sub(1, std::memory_order_relaxed); }
  } uncount;
  tbb::task::suspend([&resumable](tbb::task::suspend_point point) { resumable.suspending(point); });
  return true;
}

void resume_task(SuspendedTask task) noexcept {
  tbb::task::resume(static_cast<tbb::task::suspend_point>(task));
}

#else  // a platform without resumable tasks (oneTBB: Android, QNX, Linux without glibc)

bool suspend_task(Resumable&) { return false; }

void resume_task(SuspendedTask) noexcept {}  // never called: nothing is ever suspended

#endif

}  // namespace cascade::pool

namespace cascade {

void set_max_suspended_waits(int limit) {
  const long ceiling = pool::max_memory_maps() / 2;
  if (limit < 1 || limit > ceiling)
    throw std::invalid_argument(
        "cascade::set_max_suspended_waits: the limit is " + std::to_string(limit) +
        "; it must be between 1 and " + std::to_string(ceiling) +
        " (each suspended task's stack takes two of the process's vm.max_map_count memory maps)");
  pool::max_suspended_tasks.store(limit, std::memory_order_relaxed);
}

int max_suspended_waits() noexcept {
  return pool::max_suspended_tasks.load(std::memory_order_relaxed);
}

int suspended_waits() noexcept { return pool::suspended_tasks.load(std::memory_order_relaxed); }

}  // namespace cascade
