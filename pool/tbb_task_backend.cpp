// The oneTBB backend of pool/task_backend.hpp, on TBB's task layer (tbb::detail::d1): the ABI that
// every TBB algorithm compiles against, unchanged from 2021.8 to current releases, but not part of
// the oneTBB specification, which is why nothing outside this file sees it.
//
// Why not tbb::task_group: each task_group owns a task_group_context, and binding and tearing
// down that context is most of the cost of a nested group (docs/design.md). cascade keeps
// cancellation and errors in its own context tree, so every job shares one isolated TBB context
// that is never cancelled; a job that should not run is skipped by the core, not by TBB.

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <new>

#include <oneapi/tbb/detail/_task.h>
#include <oneapi/tbb/task_group.h>

#include "core/block_memory.hpp"
#include "pool/arena.hpp"
#include "pool/task_backend.hpp"

namespace cascade::pool {
namespace {

namespace d1 = tbb::detail::d1;
namespace r1 = tbb::detail::r1;

d1::task_group_context& shared_context() {
  // Never destroyed: jobs may still be finishing while static destructors run.
  static auto* const context = new d1::task_group_context(d1::task_group_context::isolated);
  return *context;
}

// The TBB task in front of each job. The job is stored right after the task's own fields (64
// bytes), so that the job's header and the first 32 bytes of a small callable share the task's
// second cache line: a task that runs touches two lines, as a tbb::task_group task does. Like a C
// flexible array member, the storage extends past `job_storage_` when the block was allocated
// larger. A task whose block fits TaskMemory's blocks (a small callable: what a tbb::task_group
// task takes from oneTBB's small-object pool) comes from there, and a larger one from the heap;
// the final class (BlockJobTask, HeapJobTask) knows which, so no field has to record it.
class JobTask : public d1::task {
 public:
  static constexpr std::size_t storage_offset() noexcept;
  // A task of the right kind, with room for a job of `job_bytes`. Throws std::bad_alloc.
  static JobTask& create(std::size_t job_bytes);
  void* storage() noexcept { return job_storage_; }
  static JobTask& of(void* storage) noexcept {
    return *reinterpret_cast<JobTask*>(static_cast<unsigned char*>(storage) - storage_offset());
  }

  d1::task* execute(d1::execution_data&) override { return run_and_free(); }
  // TBB calls cancel() instead of execute() only when the shared context is cancelled, which
  // never happens; the job decides itself whether to run or skip.
  d1::task* cancel(d1::execution_data&) override { return run_and_free(); }

  // Ends the task's lifetime and frees its storage.
  virtual void free() noexcept = 0;

 protected:
  JobTask() = default;

 private:
  d1::task* run_and_free() {
    CompletionCounter& counter = static_cast<Job*>(storage())->run();
    free();
    counter.done();  // last: the group may be destroyed as soon as this returns
    return nullptr;
  }

  alignas(16) unsigned char job_storage_[16];
};

// A JobTask in one of TaskMemory's blocks.
class BlockJobTask final : public JobTask {
 public:
  void free() noexcept override {
    this->~BlockJobTask();
    detail::TaskMemory::free(this);
  }
};

// A JobTask too large for TaskMemory's blocks, on the heap.
class HeapJobTask final : public JobTask {
 public:
  void free() noexcept override {
    this->~HeapJobTask();
    ::operator delete (this, std::align_val_t{alignof(HeapJobTask)});
  }
};

// offsetof on a class with virtual functions is conditionally supported; GCC and Clang support it.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Winvalid-offsetof"
constexpr std::size_t JobTask::storage_offset() noexcept { return offsetof(JobTask, job_storage_); }
#pragma GCC diagnostic pop

d1::wait_context& waitable(unsigned char* storage) noexcept {
  return *std::launder(reinterpret_cast<d1::wait_context*>(storage));
}

// d1::wait_context keeps its count private: only TBB's dispatcher and task_group, as friends,
// read it (task_group's destructor does, to skip a needless wait). Its layout, in 2021.8 as on
// current master, is {uint64 version_and_traits; atomic<uint64> ref_count}; the count is read
// where it lies. The static_asserts below pin the layout this relies on.
const std::atomic<std::uint64_t>& count_of(const unsigned char* storage) noexcept {
  return *std::launder(
      reinterpret_cast<const std::atomic<std::uint64_t>*>(storage + sizeof(std::uint64_t)));
}

}  // namespace

static_assert(sizeof(d1::wait_context) == 2 * sizeof(std::uint64_t) &&
              alignof(d1::wait_context) == alignof(std::uint64_t));
static_assert(sizeof(std::atomic<std::uint64_t>) == sizeof(std::uint64_t));
static_assert(JobTask::storage_offset() == sizeof(d1::task) && JobTask::storage_offset() % 16 == 0,
              "a job must start right after the TBB task's fields, 16-byte aligned");
static_assert(sizeof(BlockJobTask) == sizeof(JobTask) && sizeof(HeapJobTask) == sizeof(JobTask));
static_assert(detail::TaskMemory::kBlockAlignment % alignof(JobTask) == 0);

JobTask& JobTask::create(std::size_t job_bytes) {
  const std::size_t bytes = std::max(sizeof(JobTask), storage_offset() + job_bytes);
  if (bytes <= detail::TaskMemory::kBlockSize)
    return *new (detail::TaskMemory::allocate()) BlockJobTask;
  return *new (::operator new (bytes, std::align_val_t{alignof(HeapJobTask)})) HeapJobTask;
}

CompletionCounter::CompletionCounter() { new (storage_) d1::wait_context(0); }

CompletionCounter::~CompletionCounter() { waitable(storage_).~wait_context(); }

void CompletionCounter::add() noexcept { waitable(storage_).reserve(); }

void CompletionCounter::done() noexcept { waitable(storage_).release(); }

bool CompletionCounter::idle() const noexcept {
  return count_of(storage_).load(std::memory_order_acquire) == 0;
}

namespace {

// Enters `arena` and waits there, or, when the arena is full, waits a while for a place
// (Arena::enter). Out of line: a nested group's wait, the hot case, never enters an arena, and
// must not pay for setting up the call into oneTBB's execute().
[[gnu::noinline]] void enter_and_wait(Arena& arena, d1::wait_context& counter, int round) noexcept {
  arena.enter([&counter] { d1::wait(counter, shared_context()); }, round);
}

}  // namespace

void CompletionCounter::wait_in(Arena* arena, int round) noexcept {
  if (arena == nullptr || arena == ArenaScope::of_this_thread())
    d1::wait(waitable(storage_), shared_context());  // one d1::wait is enough
  else
    enter_and_wait(*arena, waitable(storage_), round);
}

// d1::wait helps run any job while the count is not zero, and the job is counted already.
void hold(void*, CompletionCounter&) {}

void* allocate_job(std::size_t bytes) { return JobTask::create(bytes).storage(); }

void free_job(void* storage) noexcept { JobTask::of(storage).free(); }

void submit(Job& job, CompletionCounter&, Arena* arena) noexcept {  // run() names the counter
  JobTask& task = JobTask::of(&job);
  if (spawns_here(arena))
    d1::spawn(task, shared_context());
  else
    r1::enqueue(task, shared_context(), &arena_for_this_thread(arena)->tbb_arena());
}

}  // namespace cascade::pool
