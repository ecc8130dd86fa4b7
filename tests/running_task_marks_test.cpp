// The per-thread marks of running tasks (core/running_tasks.hpp), of running cancel callbacks
// (core/callback_runner.hpp) and of the pool a thread runs in (pool::ArenaScope) follow a task's
// stack when oneTBB moves it to another thread. A task that a blocking thread runs while it waits
// for a nested group (in its own task, or in a cancel callback), and that suspends (Task::wait,
// Context::wait_for), may be resumed by a TBB worker; oneTBB later hands the blocking thread's
// stack back to its owner, with no cascade code on the worker in between. The worker must not
// keep marks that point into that stack: a later self-wait check, or ~CancelCallback's check for
// a callback destroying itself, would walk them (a crash, or a false "wait would wait for
// itself"). Whether a worker resumes such a task depends on timing, so each case runs many
// rounds; with the marks left behind, workers saw them in about half the runs of these rounds
// (and the callback case crashed in two runs out of three, at 4 threads).

#include <gtest/gtest.h>

#include <oneapi/tbb/parallel_for.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "cascade/cascade.hpp"
#include "core/callback_runner.hpp"
#include "core/running_tasks.hpp"
#include "pool/task_backend.hpp"
#include "support/group_helpers.hpp"

namespace {

using cascade::Context;
using cascade::Group;
using cascade::Task;
using cascade::testing::is_success;

enum class Suspension { task_wait, context_wait_for };

constexpr int kRounds = 100;
constexpr int kChain = 20;
constexpr std::chrono::seconds kEffort{3};

// Waits for a nested group of kChain tasks, each of which suspends: it waits for the task before
// it, or for a short time limit.
cascade::Error wait_for_suspending_tasks(const Context& context, Suspension suspension) {
  Group nested(context);
  std::vector<Task<int>> chain{nested.spawn([] { return 1; })};
  for (int i = 1; i < kChain; ++i) {
    chain.push_back(nested.spawn([previous = chain.back(), suspension, i](const Context& task) {
      if (suspension == Suspension::task_wait) {
        previous.wait();
      } else {
        (void)task.wait_for(std::chrono::microseconds(20 * i));
      }
      return 1;
    }));
  }
  return nested.wait();
}

// Where the blocking thread waits for the nested group: in its task, or in a cancel callback that
// its task's cancel runs (the callback's own mark must not be left behind either).
enum class Waiter { blocking_task, cancel_callback };

void run_suspending_tasks_on_a_blocking_thread(Suspension suspension, Waiter waiter) {
  Group outer(Context::background());
  outer.go_blocking([suspension, waiter](const Context& context) {
    if (waiter == Waiter::blocking_task) return wait_for_suspending_tasks(context, suspension);
    auto [cancellable, cancel] = cascade::with_cancel(context);
    cascade::Error result;
    const cascade::CancelCallback callback = cancellable.on_cancel([&result, &context, suspension] {
      result = wait_for_suspending_tasks(context, suspension);
    });
    cancel();
    return result;
  });
  ASSERT_TRUE(is_success(outer.wait()));
}

// Marks seen by plain TBB tasks, which run outside every cascade task and pool scope. Each chunk
// yields a while, so that every worker takes some.
int marks_seen_outside_tasks() {
  std::atomic<int> seen{0};
  tbb::parallel_for(
      0, 64,
      [&seen](int) {
        const bool marked = cascade::detail::RunningTask::marks().innermost != nullptr ||
                            cascade::detail::RunningTask::marks().mask != 0 ||
                            cascade::detail::running_callbacks() != nullptr ||
                            cascade::pool::ArenaScope::of_this_thread() != nullptr;
        if (marked) seen.fetch_add(1);
        for (int spin = 0; spin < 20; ++spin) std::this_thread::yield();  // spreads the chunks
      },
      tbb::simple_partitioner{});
  return seen.load();
}

// Runs up to kRounds rounds, and no more than kEffort of them on a slow (loaded, sanitized) run.
void expect_no_marks_left_behind(Suspension suspension, Waiter waiter) {
  const auto stop = std::chrono::steady_clock::now() + kEffort;
  int seen = 0;
  for (int round = 0;
       round < kRounds && std::chrono::steady_clock::now() < stop && !::testing::Test::HasFailure();
       ++round) {
    run_suspending_tasks_on_a_blocking_thread(suspension, waiter);
    seen += marks_seen_outside_tasks();
  }
  EXPECT_EQ(seen, 0)
      << "threads kept running-task, running-callback or pool marks after their tasks ended";
}

TEST(RunningTaskMarks, NoneAreLeftBehindByTasksResumedAfterTaskWait) {
  expect_no_marks_left_behind(Suspension::task_wait, Waiter::blocking_task);
}

TEST(RunningTaskMarks, NoneAreLeftBehindByTasksResumedAfterContextWaitFor) {
  expect_no_marks_left_behind(Suspension::context_wait_for, Waiter::blocking_task);
}

TEST(RunningTaskMarks, NoneAreLeftBehindWhenACancelCallbackWaitsForTheTasks) {
  expect_no_marks_left_behind(Suspension::context_wait_for, Waiter::cancel_callback);
  expect_no_marks_left_behind(Suspension::task_wait, Waiter::cancel_callback);
}

}  // namespace
