// Group::spawn and Task<R> (results), and the per-task outcome record with Group::stats().

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <system_error>
#include <vector>

#include "cascade/cascade.hpp"
#include "support/group_helpers.hpp"

namespace {

using cascade::Context;
using cascade::Error;
using cascade::GroupOptions;
using cascade::GroupStats;
using cascade::Task;
using cascade::TaskOutcome;
using cascade::TaskSkipped;
using Group = cascade::testing::TestGroup;
using cascade::testing::CancellableParent;
using cascade::testing::failure_id;
using cascade::testing::is_same_error;
using cascade::testing::is_success;
using cascade::testing::mentions;
using cascade::testing::task_failure;
using cascade::testing::TaskFailure;
using cascade::testing::TimedLatch;

TEST(Task, HoldsTheValueAfterTheGroupsWait) {
  Group group;
  Task<int> answer = group.spawn([] { return 42; });
  Task<std::string> text = group.spawn([](const Context&) { return std::string("forty-two"); });
  ASSERT_TRUE(is_success(group.wait()));
  EXPECT_TRUE(answer.ready());
  EXPECT_EQ(answer.get(), 42);
  EXPECT_EQ(text.get(), "forty-two");
  EXPECT_EQ(answer.outcome(), TaskOutcome::succeeded);
  EXPECT_TRUE(is_success(answer.error()));
}

TEST(Task, ATaskTakingAContextGetsTheGroupsContext) {
  Group group;
  Task<bool> saw_group_context =
      group.spawn([&group](const Context& context) { return context == group.context(); });
  ASSERT_TRUE(is_success(group.wait()));
  EXPECT_TRUE(saw_group_context.get());
}

TEST(Task, MoveOnlyResultsCanBeMovedOut) {
  Group group;
  Task<std::unique_ptr<int>> boxed = group.spawn([] { return std::make_unique<int>(7); });
  ASSERT_TRUE(is_success(group.wait()));
  std::unique_ptr<int> taken = std::move(boxed.get());
  ASSERT_NE(taken, nullptr);
  EXPECT_EQ(*taken, 7);
  EXPECT_EQ(boxed.get(), nullptr);  // copies of a handle share the one stored value
}

// Task states come from cascade's blocks when they fit one (a value of a few words), from the
// heap otherwise, and from the heap with the alignment an over-aligned value asks for.
TEST(Task, LargeAndOverAlignedValuesKeepTheirSizeAndAlignment) {
  struct alignas(256) Aligned {
    int value = 0;
  };
  struct Large {
    std::array<long, 64> values{};
  };
  Group group;
  Task<Aligned> aligned = group.spawn([] { return Aligned{7}; });
  Task<Large> large = group.spawn([] {
    Large made;
    made.values.back() = 9;
    return made;
  });
  Task<long> small = group.spawn([] { return 5L; });
  ASSERT_TRUE(is_success(group.wait()));
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(&aligned.get()) % alignof(Aligned), 0U);
  EXPECT_EQ(aligned.get().value, 7);
  EXPECT_EQ(large.get().values.back(), 9);
  EXPECT_EQ(small.get(), 5L);
}

TEST(Task, GetThrowsTheTasksOwnFailure) {
  Group group;
  Task<int> failing = group.spawn([]() -> int { throw TaskFailure(7); });
  const Error result = group.wait();
  EXPECT_EQ(failure_id(result), 7);
  EXPECT_EQ(failing.outcome(), TaskOutcome::failed);
  EXPECT_TRUE(is_same_error(failing.error(), result));
  EXPECT_THROW(failing.get(), TaskFailure);
}

TEST(Task, VoidErrorAndErrorCodeCallablesGiveTaskVoid) {
  Group group;
  Task<void> plain = group.spawn([] {});
  Task<void> returned = group.spawn([] { return task_failure(3); });
  Task<void> code = group.spawn([] { return std::make_error_code(std::errc::timed_out); });
  (void)group.wait();
  EXPECT_NO_THROW(plain.get());
  EXPECT_EQ(plain.outcome(), TaskOutcome::succeeded);
  EXPECT_EQ(failure_id(returned.error()), 3);
  EXPECT_THROW(code.get(), std::system_error);
}

TEST(Task, ASkippedTaskThrowsCancelledWithTheCause) {
  CancellableParent parent;
  Group group(parent.context);
  const Error cause = task_failure(9);
  group.cancel(cause);
  Task<int> skipped = group.spawn([] { return 1; });
  EXPECT_TRUE(is_same_error(group.wait(), cause));
  EXPECT_EQ(skipped.outcome(), TaskOutcome::skipped);
  try {
    (void)skipped.get();
    ADD_FAILURE() << "get() of a skipped task returned";
  } catch (const TaskSkipped& skip) {
    EXPECT_TRUE(is_same_error(skip.cause(), cause));
    EXPECT_TRUE(mentions(Error::make(skip), "task skipped: task failure 9"));
  }
  EXPECT_TRUE(skipped.error().is<cascade::Cancelled>());
}

TEST(Task, GetOnAnUnfinishedTaskThrowsLogicError) {
  Group group;
  TimedLatch release;
  Task<int> blocked = group.spawn([&release] {
    release.wait();
    return 5;
  });
  EXPECT_FALSE(blocked.ready());
  EXPECT_EQ(blocked.outcome(), TaskOutcome::pending);
  try {
    (void)blocked.get();
    ADD_FAILURE() << "get() of an unfinished task returned";
  } catch (const std::logic_error& error) {
    EXPECT_NE(std::string(error.what()).find("cascade::Task::get"), std::string::npos);
  }
  release.count_down();
  ASSERT_TRUE(is_success(group.wait()));
  EXPECT_EQ(blocked.get(), 5);
}

// Each task waits for the one before it: a waiting task is suspended, so this does not deadlock
// even with a single thread.
TEST(Task, WaitingForAnotherTaskInsideATaskDoesNotDeadlock) {
  Group group;
  constexpr int kChain = 50;
  std::vector<Task<int>> chain;
  chain.push_back(group.spawn([] { return 0; }));
  for (int i = 1; i < kChain; ++i) {
    Task<int> previous = chain.back();
    chain.push_back(group.spawn([previous] {
      previous.wait();
      return previous.get() + 1;
    }));
  }
  ASSERT_TRUE(is_success(group.wait()));
  EXPECT_EQ(chain.back().get(), kChain - 1);
}

// Under a limit of 1 the later tasks wait in the group's queue; the first cancels the group, so
// they are skipped when their turn comes, and their handles say so.
TEST(Task, TasksQueuedBehindALimitAreSkippedAfterACancel) {
  Group group;
  group.set_limit(1);
  Task<int> first = group.spawn([&group] {
    group.cancel();
    return 1;
  });
  std::vector<Task<int>> queued;
  for (int i = 0; i < 3; ++i) queued.push_back(group.spawn([i] { return i; }));
  (void)group.wait();
  EXPECT_EQ(first.get(), 1);
  for (const Task<int>& task : queued) {
    EXPECT_EQ(task.outcome(), TaskOutcome::skipped);
    EXPECT_THROW((void)task.get(), cascade::Cancelled);
  }
}

TEST(Task, SpawnUnderALimitOfZeroThrowsAndSubmitsNothing) {
  Group group;
  group.set_limit(0);
  EXPECT_THROW((void)group.spawn([] { return 1; }), std::logic_error);
  EXPECT_TRUE(is_success(group.wait()));
}

TEST(Task, TheHandleOutlivesTheGroup) {
  std::optional<Task<int>> kept;
  {
    Group group;
    kept.emplace(group.spawn([] { return 11; }));
    ASSERT_TRUE(is_success(group.wait()));
  }
  EXPECT_EQ(kept->get(), 11);
}

TEST(Task, AnEmptyCallableIsRejectedNamingSpawn) {
  Group group;
  std::function<int()> empty;
  try {
    (void)group.spawn(empty);
    ADD_FAILURE() << "spawn() accepted an empty callable";
  } catch (const std::invalid_argument& error) {
    EXPECT_NE(std::string(error.what()).find("cascade::Group::spawn"), std::string::npos);
  }
  EXPECT_TRUE(is_success(group.wait()));
}

// A task that returns the context's error after a sibling's failure cancelled the group ends as
// cancelled, not failed; the sibling's own failure is failed. The waiting task submits the
// failing one itself, so it has started first at any thread count.
TEST(TaskOutcomes, ReturningTheContextsErrorAfterACancellationIsCancelled) {
  CancellableParent parent;
  Group group(parent.context, GroupOptions{.count_tasks = true});
  std::optional<Task<void>> failing;
  Task<void> waiting = group.spawn([&group, &failing](const Context& context) {
    failing.emplace(group.spawn([] { return task_failure(1); }));
    context.wait();
    return context.err();
  });
  EXPECT_EQ(failure_id(group.wait()), 1);
  EXPECT_EQ(failing->outcome(), TaskOutcome::failed);
  EXPECT_EQ(waiting.outcome(), TaskOutcome::cancelled);
  const GroupStats stats = group.stats();
  EXPECT_EQ(stats, (GroupStats{.submitted = 2,
                               .running = 0,
                               .succeeded = 0,
                               .failed = 1,
                               .cancelled = 1,
                               .skipped = 0}));
}

TEST(TaskOutcomes, StatsCountEveryOutcome) {
  Group group(GroupOptions{.count_tasks = true});
  for (int i = 0; i < 3; ++i) group.go([] {});
  group.go([] { throw TaskFailure(2); });
  EXPECT_EQ(failure_id(group.wait()), 2);
  group.cancel();
  group.go([] {});
  Task<int> skipped = group.spawn([] { return 0; });
  (void)group.wait();
  EXPECT_EQ(skipped.outcome(), TaskOutcome::skipped);
  const GroupStats stats = group.stats();
  EXPECT_EQ(stats, (GroupStats{.submitted = 6,
                               .running = 0,
                               .succeeded = 3,
                               .failed = 1,
                               .cancelled = 0,
                               .skipped = 2}));
  EXPECT_EQ(cascade::to_string(stats),
            "submitted 6, running 0, succeeded 3, failed 1, cancelled 0, skipped 2");
}

TEST(TaskOutcomes, StatsSeeARunningTask) {
  Group group(GroupOptions{.count_tasks = true});
  TimedLatch started;
  TimedLatch release;
  group.go_blocking([&] {
    started.count_down();
    release.wait();
  });
  ASSERT_TRUE(started.wait());
  EXPECT_EQ(group.stats().running, 1u);
  release.count_down();
  ASSERT_TRUE(is_success(group.wait()));
  EXPECT_EQ(group.stats().running, 0u);
  EXPECT_EQ(group.stats().succeeded, 1u);
}

TEST(TaskOutcomes, AGroupThatDoesNotCountRefusesStats) {
  Group group;
  group.go([] {});
  ASSERT_TRUE(is_success(group.wait()));
  try {
    (void)group.stats();
    ADD_FAILURE() << "stats() of a group that does not count returned";
  } catch (const std::logic_error& error) {
    EXPECT_NE(std::string(error.what()).find("count_tasks"), std::string::npos);
  }
}

TEST(TaskOutcomes, OutcomesPrintTheirNames) {
  std::ostringstream out;
  out << TaskOutcome::skipped_upstream_failed << ' ' << TaskOutcome::cancelled;
  EXPECT_EQ(out.str(), "skipped_upstream_failed cancelled");
  EXPECT_EQ(cascade::to_string(TaskOutcome::pending), "pending");
}

}  // namespace
