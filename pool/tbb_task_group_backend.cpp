// The oneTBB backend of pool/task_backend.hpp on oneTBB's public, specified API only
// (tbb::task_group, tbb::task_group_context, tbb::spin_mutex): the fallback for a oneTBB whose
// task layer, which tbb_task_backend.cpp uses, might change. Chosen at configure time with
// -DCASCADE_BACKEND=task_group; docs/design.md compares the two backends.
//
// A CompletionCounter is a tbb::task_group with its own isolated task_group_context, so it never
// binds to the TBB context current where it is first used and nothing ever cancels it (wait()
// resetting it is then harmless, even for concurrent waiters), plus cascade's own exact count of
// unfinished jobs: the core counts a job before it hands it to the pool, and under a limit a job
// waits in the group's queue, counted but not yet in the task_group.
//
// Why a counter's task_group is recycled, never destroyed: a task_group task releases the group's
// internal count after our functor returns, that is after done() took our count to zero, when the
// counter's owner may already be destroying it. Deleting the task_group then would let that
// release write to freed memory (and ~task_group throws missing_wait while it is pending); the
// only public way to see it happen is task_group::wait(), which may run unrelated tasks, in a
// destructor. Instead a destroyed counter's group joins a list of spare groups (the thread's, or
// a shared one) and is reused: a release still in flight only makes the next owner's first wait()
// wait a few instructions longer. The groups (288 bytes each in 2021.8) are never freed, so memory
// stays at the peak number of live counters.
//
// Out of memory: CompletionCounter() throws std::bad_alloc when it needs a new group (the group's
// creation then fails, and nothing is left). submit() is noexcept: the task task_group::run
// allocates comes from oneTBB's own allocator (malloc, not operator new), and std::bad_alloc
// there terminates; nothing else in it throws: the functor given to run() copies a pointer.

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <new>
#include <thread>
#include <type_traits>
#include <utility>

#include <oneapi/tbb/spin_mutex.h>
#include <oneapi/tbb/task_group.h>

#include "pool/arena.hpp"
#include "pool/task_backend.hpp"
#include "pool/unfinished_count.hpp"

namespace cascade::pool {
namespace {

// What a CompletionCounter points to.
struct CountedGroup {
  CountedGroup() : group(context) {}

  tbb::task_group_context context{tbb::task_group_context::isolated};
  tbb::task_group group;  // uses `context`, declared before it
  UnfinishedCount<cascade::detail::StdSync> unfinished;
  CountedGroup* next_spare = nullptr;  // while on a list of spare groups
};

// A list of groups that no counter uses.
class SpareGroups {
 public:
  int size() const noexcept { return size_; }
  CountedGroup* pop() noexcept {
    CountedGroup* group = top_;
    if (group != nullptr) {
      top_ = group->next_spare;
      --size_;
    }
    return group;
  }
  void push(CountedGroup& group) noexcept {
    group.next_spare = top_;
    top_ = &group;
    ++size_;
  }

 private:
  CountedGroup* top_ = nullptr;
  int size_ = 0;
};

// The process-wide list: a thread's surplus, and the lists of threads that exited.
class SharedSpareGroups {
 public:
  static SharedSpareGroups& instance() {
    // Never destroyed: jobs may still be finishing while static destructors run.
    static auto* const spares = new SharedSpareGroups();
    return *spares;
  }
  CountedGroup* pop() noexcept {
    tbb::spin_mutex::scoped_lock lock(mutex_);
    return spares_.pop();
  }
  void push(CountedGroup& group) noexcept {
    tbb::spin_mutex::scoped_lock lock(mutex_);
    spares_.push(group);
  }

 private:
  tbb::spin_mutex mutex_;
  SpareGroups spares_;
};

// The calling thread's list, bounded: a nested computation creates and destroys a group per task,
// mostly on one thread, so recycling stays local and takes no lock.
class ThreadSpareGroups {
 public:
  static constexpr int kCapacity = 64;

  ~ThreadSpareGroups() {
    exiting = true;
    while (CountedGroup* group = spares.pop()) SharedSpareGroups::instance().push(*group);
  }

  // Set once this thread's list is gone: groups given back later (by thread_local or static
  // destructors that run after it) go to the shared list.
  static constinit thread_local bool exiting;
  SpareGroups spares;
};

constinit thread_local bool ThreadSpareGroups::exiting = false;
thread_local ThreadSpareGroups thread_spare_groups;

CountedGroup& take_group() {
  if (!ThreadSpareGroups::exiting)
    if (CountedGroup* group = thread_spare_groups.spares.pop()) return *group;
  if (CountedGroup* group = SharedSpareGroups::instance().pop()) return *group;
  return *new CountedGroup();
}

void give_back_group(CountedGroup& group) noexcept {
  SpareGroups& local = thread_spare_groups.spares;
  if (ThreadSpareGroups::exiting || local.size() == ThreadSpareGroups::kCapacity)
    SharedSpareGroups::instance().push(group);
  else
    local.push(group);
}

// A counter's storage holds a pointer to its group. submit() reaches the storage from outside the
// class through the counter's address: a standard-layout object and its first member share it.
static_assert(std::is_standard_layout_v<CompletionCounter>);
static_assert(sizeof(CompletionCounter) >= sizeof(CountedGroup*) &&
              alignof(CompletionCounter) >= alignof(CountedGroup*));

CountedGroup& counted_group(const void* storage) noexcept {
  return **std::launder(static_cast<CountedGroup* const*>(storage));
}

}  // namespace

CompletionCounter::CompletionCounter() { new (storage_) CountedGroup*(&take_group()); }

CompletionCounter::~CompletionCounter() { give_back_group(counted_group(storage_)); }

void CompletionCounter::add() noexcept { counted_group(storage_).unfinished.add(); }

void CompletionCounter::done() noexcept { counted_group(storage_).unfinished.done(); }

bool CompletionCounter::idle() const noexcept { return counted_group(storage_).unfinished.idle(); }

namespace {

// One round of waiting on the calling thread, in whatever arena it is in: runs this group's jobs,
// and others, until the task_group holds none. The counter may still count some: a job another
// thread counted and is about to hand over, one queued behind a slot that a thread holds outside
// this group (both arrive shortly), or a job running on the blocking pool, which may take long:
// after a few rounds, stop spinning.
void wait_one_round(CompletionCounter& counter, tbb::task_group& group, int round) noexcept {
  group.wait();
  constexpr int kYieldingRounds = 64;
  if (counter.idle()) return;
  if (round < kYieldingRounds)
    std::this_thread::yield();
  else
    std::this_thread::sleep_for(std::chrono::microseconds(100));
}

}  // namespace

void CompletionCounter::wait_in(Arena* arena, int round) noexcept {
  tbb::task_group& group = counted_group(storage_).group;
  if (arena == nullptr || arena == ArenaScope::of_this_thread()) {
    wait_one_round(*this, group, round);
    return;
  }
  arena->enter([this, &group, round] { wait_one_round(*this, group, round); }, round);
}

namespace {

// In front of each job's storage: the task_group task of a held job (hold()), which counts it in
// its task_group until submit() runs it; empty for every other job.
struct JobHeader {
  tbb::task_handle held;
};
// operator new's storage is aligned to 16; the job after the header stays so, as the interface
// requires.
static_assert(__STDCPP_DEFAULT_NEW_ALIGNMENT__ >= 16);
constexpr std::size_t kHeaderBytes = (sizeof(JobHeader) + 15) / 16 * 16;

JobHeader& header_of(void* job_storage) noexcept {
  return *std::launder(
      reinterpret_cast<JobHeader*>(static_cast<unsigned char*>(job_storage) - kHeaderBytes));
}

// What task_group::run runs for `job`: a lambda that copies a pointer (task_group keeps a const
// copy of its functor).
auto runner_of(Job& job) noexcept {
  const auto runner = [&job] { run_detached(job); };
  static_assert(std::is_nothrow_copy_constructible_v<decltype(runner)>);
  return runner;
}

}  // namespace

void* allocate_job(std::size_t bytes) {
  auto* block = static_cast<unsigned char*>(::operator new(kHeaderBytes + bytes));
  new (block) JobHeader();
  return block + kHeaderBytes;
}

// An unrun held task is destroyed with its header, which releases its count in the task_group.
void free_job(void* storage) noexcept {
  JobHeader& header = header_of(storage);
  header.~JobHeader();
  ::operator delete(static_cast<void*>(&header));
}

void hold(void* job_storage, CompletionCounter& counter) {
  header_of(job_storage).held =
      counted_group(&counter).group.defer(runner_of(*static_cast<Job*>(job_storage)));
}

void submit(Job& job, CompletionCounter& counter, Arena* arena) noexcept {
  tbb::task_group& group = counted_group(&counter).group;
  tbb::task_handle& held = header_of(&job).held;
  if (spawns_here(arena)) {
    if (held)
      group.run(std::move(held));
    else
      group.run(runner_of(job));
  } else {
    arena_for_this_thread(arena)->tbb_arena().enqueue(held ? std::move(held)
                                                           : group.defer(runner_of(job)));
  }
}

}  // namespace cascade::pool
