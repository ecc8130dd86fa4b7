// The per-thread marks of running tasks (core/running_tasks.hpp) and of the pool a thread runs in
// (pool::ArenaScope) follow a task's stack when oneTBB moves it to another thread. A task that a
// blocking thread runs while it waits for a nested group, and that suspends (Task::wait,
// Context::wait_for), may be resumed by a TBB worker; oneTBB later hands the blocking thread's
// stack back to its owner, with no cascade code on the worker in between. The worker must not
// keep marks that point into that stack: a later self-wait check would walk them (a crash, or a
// false "wait would wait for itself"). Whether a worker resumes such a task depends on timing, so
// each case runs many rounds; with the marks left behind, workers saw them in about half the
// runs of these rounds.

#include <gtest/gtest.h>

#include <oneapi/tbb/parallel_for.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "cascade/cascade.hpp"
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

// A blocking task waits for a nested group of kChain tasks, each of which suspends: it waits for
// the task before it, or for a short time limit.
void run_suspending_tasks_under_a_blocking_task(Suspension suspension) {
  Group outer(Context::background());
  outer.go_blocking([suspension](const Context& context) {
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
                            cascade::pool::ArenaScope::of_this_thread() != nullptr;
        if (marked) seen.fetch_add(1);
        for (int spin = 0; spin < 20; ++spin) std::this_thread::yield();  // spreads the chunks
      },
      tbb::simple_partitioner{});
  return seen.load();
}

// Runs up to kRounds rounds, and no more than kEffort of them on a slow (loaded, sanitized) run.
void expect_no_marks_left_behind(Suspension suspension) {
  const auto stop = std::chrono::steady_clock::now() + kEffort;
  int seen = 0;
  for (int round = 0;
       round < kRounds && std::chrono::steady_clock::now() < stop && !::testing::Test::HasFailure();
       ++round) {
    run_suspending_tasks_under_a_blocking_task(suspension);
    seen += marks_seen_outside_tasks();
  }
  EXPECT_EQ(seen, 0) << "threads kept running-task or pool marks after their tasks ended";
}

TEST(RunningTaskMarks, NoneAreLeftBehindByTasksResumedAfterTaskWait) {
  expect_no_marks_left_behind(Suspension::task_wait);
}

TEST(RunningTaskMarks, NoneAreLeftBehindByTasksResumedAfterContextWaitFor) {
  expect_no_marks_left_behind(Suspension::context_wait_for);
}

}  // namespace
