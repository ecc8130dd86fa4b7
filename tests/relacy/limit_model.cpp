// Model checks of a group's limit (core/limit_slots.hpp, the library's own LimitSlots over
// Relacy's atomics). Each thread submits one task as GroupState::submit() does (take a slot or
// queue), or reserves one first as Group::try_go() does; a thread that got a slot runs its task
// and gives the slot back as GroupState::run() does, and runs the queued task that the slot is
// handed to (GroupState::release_slot() hands it to the pool). Checked: never more than k tasks
// running, every task runs exactly once (none stranded in the queue), and afterwards all k slots
// are free again.

#include "core/limit_slots.hpp"
#include "model_runner.hpp"

namespace cascade::relacy {
namespace {

struct QueuedTask {
  Var<QueuedTask*> next_in_queue{nullptr};  // pool::Job::next_in_queue
  rl::var<int> runs;
};

template <int kSlots, unsigned kThreads, bool kLastTriesFirst>
struct Limit : rl::test_suite<Limit<kSlots, kThreads, kLastTriesFirst>, kThreads> {
  detail::LimitSlots<RelacySync, QueuedTask> limit{kSlots};
  QueuedTask tasks[kThreads];
  rl::atomic<int> running;

  void before() {
    running($).store(0, rl::mo_relaxed);
    for (QueuedTask& task : tasks) task.runs($) = 0;
  }
  void thread(unsigned index) {
    QueuedTask& task = tasks[index];
    if (kLastTriesFirst && index == kThreads - 1) {  // Group::try_go(): reserve, or give up
      if (!limit.try_take()) {
        task.runs($) = -1;  // not submitted
        return;
      }
    } else if (!limit.take_or_queue(task)) {
      return;  // queued: whoever releases a slot runs it
    }
    for (QueuedTask* next = &task; next != nullptr; next = limit.release()) run(*next);
  }
  void run(QueuedTask& task) {
    RL_ASSERT(running($).fetch_add(1, rl::mo_relaxed) < kSlots);
    task.runs($) = task.runs($) + 1;
    running($).fetch_sub(1, rl::mo_relaxed);
  }
  void after() {
    for (QueuedTask& task : tasks) RL_ASSERT(task.runs($) == 1 || task.runs($) == -1);
    for (int slot = 0; slot < kSlots; ++slot) RL_ASSERT(limit.try_take());
    RL_ASSERT(!limit.try_take());
  }
};

}  // namespace
}  // namespace cascade::relacy

int main(int argc, char** argv) {
  using namespace cascade::relacy;
  ModelRunner runner(argc, argv);
  runner.exhaustive<Limit<1, 2, false>>("limit.one_slot(2 tasks)");
  runner.exhaustive<Limit<1, 2, true>>("limit.one_slot(go vs try_go)");
  runner.random<Limit<1, 3, false>>("limit.one_slot(3 tasks)");
  runner.random<Limit<2, 3, true>>("limit.two_slots(2 tasks + try_go)");
  return runner.exit_code();
}
