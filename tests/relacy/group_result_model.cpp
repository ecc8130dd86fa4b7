// Model checks of a group's result: the first-failure flag (core/first_failure.hpp) and the
// completion counter, both backends' counting (pool/unfinished_count.hpp, the task_group
// backend's own code; wait_context_mirror.hpp, TBB's), run over Relacy's atomics. Tasks that fail
// race to record their failure and then count themselves done, as GroupState::run() and the pool
// do; the waiter loops until the counter is idle, as GroupState::wait_for_tasks() does, and
// reads the result, as GroupState::result() does. Checked: the slot holds exactly one failure,
// the one whose record() won, wait() sees it once the counter reads idle, and nothing the tasks
// wrote races with the waiter (the group may be freed once wait() returns).

#include "core/first_failure.hpp"
#include "model_runner.hpp"
#include "pool/unfinished_count.hpp"
#include "wait_context_mirror.hpp"

namespace cascade::relacy {
namespace {

// Threads 0..kTasks-1 are tasks (those below kFailing fail); the last thread waits.
template <class Counter, unsigned kTasks, unsigned kFailing>
struct GroupResult : rl::test_suite<GroupResult<Counter, kTasks, kFailing>, kTasks + 1> {
  Counter counter;
  detail::FirstFailureFlag<RelacySync> failure_flag;
  rl::var<unsigned> first_failure;        // GroupState::first_failure_: 0 = none, else task + 1
  rl::var<unsigned> task_output[kTasks];  // what each task wrote, read by the waiter
  rl::var<bool> won[kTasks];

  void before() {
    first_failure($) = 0;
    for (unsigned task = 0; task < kTasks; ++task) {
      counter.add();  // GroupState::accept(), before the task reaches the pool
      task_output[task]($) = 0;
      won[task]($) = false;
    }
  }
  void thread(unsigned index) {
    if (index < kTasks) {
      task_output[index]($) = index + 1;   // the task's work
      won[index]($) = index < kFailing &&  // GroupState::record_failure()
                      failure_flag.record([&] { first_failure($) = index + 1; });
      counter.done();  // the pool, after run() returned
      return;
    }
    while (!counter.idle()) rl::yield(1, $);  // GroupState::wait_for_tasks()
    for (unsigned task = 0; task < kTasks; ++task) RL_ASSERT(task_output[task]($) == task + 1);
    unsigned winners = 0;
    for (unsigned task = 0; task < kTasks; ++task)
      if (won[task]($)) {
        ++winners;
        RL_ASSERT(first_failure($) == task + 1);
      }
    RL_ASSERT(winners == (kFailing > 0 ? 1u : 0u));
    RL_ASSERT(failure_flag.recorded() == (kFailing > 0));  // GroupState::result()
  }
};

// A task that submits another task to its own group (go() from inside a task) while the owner
// already waits: the child's add() is relaxed and races the waiter's idle() reads. Thread 0 is
// the task, thread 1 runs the child once the pool hands it over (a release/acquire flag stands
// for oneTBB's spawn and steal), thread 2 waits. Checked: the waiter never sees the counter idle
// before the child finished, and nothing either task wrote races with it.
template <class Counter>
struct GoFromATask : rl::test_suite<GoFromATask<Counter>, 3> {
  Counter counter;
  Atomic<bool> child_handed_over{false};
  rl::var<unsigned> parent_output;
  rl::var<unsigned> child_output;

  void before() {
    counter.add();  // the parent task, accepted before the waiter starts waiting
    parent_output($) = 0;
    child_output($) = 0;
  }
  void thread(unsigned index) {
    if (index == 0) {
      parent_output($) = 1;
      counter.add();  // go() of the child, from inside the running task
      child_handed_over.store(true, std::memory_order_release);
      counter.done();
    } else if (index == 1) {
      while (!child_handed_over.load(std::memory_order_acquire)) rl::yield(1, $);
      child_output($) = 1;
      counter.done();
    } else {
      while (!counter.idle()) rl::yield(1, $);
      RL_ASSERT(parent_output($) == 1);
      RL_ASSERT(child_output($) == 1);
    }
  }
};

using TaskGroupCounter = pool::UnfinishedCount<RelacySync>;

}  // namespace
}  // namespace cascade::relacy

int main(int argc, char** argv) {
  using namespace cascade::relacy;
  ModelRunner runner(argc, argv);
  runner.exhaustive<GroupResult<TaskGroupCounter, 2, 2>>("group_result.task_group(2 failing)");
  runner.exhaustive<GroupResult<TaskGroupCounter, 2, 1>>("group_result.task_group(1 of 2 failing)");
  runner.exhaustive<GroupResult<WaitContextMirror, 2, 2>>("group_result.task_layer(2 failing)");
  runner.random<GroupResult<TaskGroupCounter, 3, 3>>("group_result.task_group(3 failing)");
  runner.random<GroupResult<WaitContextMirror, 3, 2>>("group_result.task_layer(2 of 3 failing)");
  runner.random<GoFromATask<TaskGroupCounter>>("group_result.task_group(go from a task)");
  runner.random<GoFromATask<WaitContextMirror>>("group_result.task_layer(go from a task)");
  return runner.exit_code();
}
