// set_limit(n) (rule 17): never more than n tasks active, go() at the limit queues instead of
// blocking, try_go() counts queued and running tasks, the limit cannot change while tasks are
// active, limit 0 refuses every task, and cancelling drops the queued tasks as skipped.

#include <gtest/gtest.h>

#include <atomic>
#include <functional>
#include <stdexcept>
#include <thread>

#include "cascade/cascade.hpp"
#include "support/group_helpers.hpp"

namespace {

using cascade::Context;
using cascade::Error;
using Group = cascade::testing::TestGroup;
using cascade::testing::ActivityGauge;
using cascade::testing::CancellableParent;
using cascade::testing::describe;
using cascade::testing::is_same_error;
using cascade::testing::is_success;
using cascade::testing::task_failure;
using cascade::testing::TimedLatch;

// A task long enough for others to overlap it when the limit lets them.
void busy_for_a_moment() {
  for (int i = 0; i < 10; ++i) std::this_thread::yield();
}

// Submits `tasks` tasks that record how many of them are active at once.
void submit_measured_tasks(Group& group, int tasks, ActivityGauge& gauge, std::atomic<int>& ran) {
  for (int i = 0; i < tasks; ++i) {
    group.go([&gauge, &ran] {
      const ActivityGauge::Scope active(gauge);
      busy_for_a_moment();
      ran.fetch_add(1);
    });
  }
}

TEST(GroupLimit, NeverMoreThanTheLimitActiveAtOnce) {
  for (const int limit : {1, 2, 3}) {
    ActivityGauge gauge;
    std::atomic<int> ran{0};
    Group group;
    group.set_limit(limit);
    submit_measured_tasks(group, 200, gauge, ran);
    EXPECT_TRUE(is_success(group.wait()));
    EXPECT_EQ(ran.load(), 200) << "limit " << limit;
    EXPECT_GE(gauge.peak(), 1);
    EXPECT_LE(gauge.peak(), limit);
  }
}

TEST(GroupLimit, GoAtTheLimitQueuesInsteadOfBlockingTheCaller) {
  constexpr int kTasks = 100;
  TimedLatch gate;
  std::atomic<int> ran{0};
  Group group;
  group.set_limit(1);
  for (int i = 0; i < kTasks; ++i) {
    group.go([&] {
      gate.wait();
      ran.fetch_add(1);
    });
  }
  EXPECT_EQ(ran.load(), 0) << "the gate is closed: nothing can have finished";
  gate.count_down();
  EXPECT_TRUE(is_success(group.wait()));
  EXPECT_EQ(ran.load(), kTasks);
}

// Every task holds the group's only slot while it calls go() on its own group: go() must queue
// the child and return, or the group could never make progress.
TEST(GroupLimit, GoFromATaskOfTheSameLimitedGroupDoesNotDeadlock) {
  constexpr int kDepth = 8;
  ActivityGauge gauge;
  std::atomic<int> ran{0};
  Group group;
  group.set_limit(1);
  std::function<void(int)> spawn_tree = [&](int depth) {
    group.go([&, depth] {
      const ActivityGauge::Scope active(gauge);
      ran.fetch_add(1);
      if (depth == 0) return;
      spawn_tree(depth - 1);
      spawn_tree(depth - 1);
    });
  };
  spawn_tree(kDepth);
  EXPECT_TRUE(is_success(group.wait()));
  EXPECT_EQ(ran.load(), (1 << (kDepth + 1)) - 1);
  EXPECT_EQ(gauge.peak(), 1);
}

TEST(GroupLimit, TryGoIsFalseAtTheLimitCountingQueuedAndRunningTasks) {
  TimedLatch gate;
  std::atomic<int> ran{0};
  const auto gated = [&] {
    gate.wait();
    ran.fetch_add(1);
  };
  Group group;
  group.set_limit(2);
  EXPECT_TRUE(group.try_go(gated));
  EXPECT_TRUE(group.try_go(gated));
  EXPECT_FALSE(group.try_go([&ran] { ran.fetch_add(100); }));
  group.go(gated);
  EXPECT_FALSE(group.try_go([&ran] { ran.fetch_add(100); }));
  gate.count_down();
  EXPECT_TRUE(is_success(group.wait()));
  EXPECT_EQ(ran.load(), 3);
  EXPECT_TRUE(group.try_go([&ran] { ran.fetch_add(1); }));
  EXPECT_TRUE(is_success(group.wait()));
  EXPECT_EQ(ran.load(), 4);
}

TEST(GroupLimit, SetLimitWhileTasksAreActiveThrowsLogicError) {
  TimedLatch gate;
  Group group;
  group.go([&gate] { gate.wait(); });
  EXPECT_THROW(group.set_limit(2), std::logic_error) << "from no limit to a limit";
  EXPECT_THROW(group.set_limit(-1), std::logic_error);
  gate.count_down();
  EXPECT_TRUE(is_success(group.wait()));

  group.set_limit(1);
  TimedLatch second_gate;
  group.go([&second_gate] { second_gate.wait(); });
  EXPECT_THROW(group.set_limit(3), std::logic_error) << "from one limit to another";
  EXPECT_THROW(group.set_limit(-1), std::logic_error) << "from a limit to none";
  second_gate.count_down();
  EXPECT_TRUE(is_success(group.wait()));
  EXPECT_NO_THROW(group.set_limit(-1)) << "nothing is active after wait()";
}

TEST(GroupLimit, SetLimitFromInsideATaskOfTheGroupThrowsLogicError) {
  std::atomic<bool> threw_logic_error{false};
  Group group;
  group.go([&] {
    try {
      group.set_limit(4);
    } catch (const std::logic_error&) {
      threw_logic_error = true;
    }
  });
  EXPECT_TRUE(is_success(group.wait()));
  EXPECT_TRUE(threw_logic_error);
}

TEST(GroupLimit, LimitZeroRefusesEveryTask) {
  std::atomic<int> ran{0};
  const auto count = [&ran] { ran.fetch_add(1); };
  Group group;
  group.set_limit(0);
  for (int i = 0; i < 1024; ++i) EXPECT_FALSE(group.try_go(count)) << "call " << i;
  EXPECT_THROW(group.go(count), std::logic_error);
  EXPECT_TRUE(is_success(group.wait())) << "nothing was submitted";
  EXPECT_EQ(ran.load(), 0);

  group.set_limit(-1);
  group.go(count);
  EXPECT_TRUE(is_success(group.wait()));
  EXPECT_EQ(ran.load(), 1);
}

// One gated task takes the only slot; the rest wait in the group's queue. Cancelling drops them:
// they never run and count as skipped, so wait() reports the cause.
void expect_cancel_drops_queued_tasks(const std::function<void(Group&, const Error&)>& cancel,
                                      const Context& parent) {
  constexpr int kQueued = 50;
  const Error cause = task_failure(1);
  TimedLatch gate;
  std::atomic<int> queued_ran{0};
  Group group(parent);
  group.set_limit(1);
  group.go([&gate] { gate.wait(); });
  for (int i = 0; i < kQueued; ++i) group.go([&queued_ran] { queued_ran.fetch_add(1); });
  cancel(group, cause);
  gate.count_down();
  const Error result = group.wait();
  EXPECT_TRUE(is_same_error(result, cause)) << describe(result);
  EXPECT_EQ(queued_ran.load(), 0);
}

TEST(GroupLimit, CancellingTheGroupDropsQueuedTasksAsSkipped) {
  const CancellableParent parent;
  expect_cancel_drops_queued_tasks([](Group& group, const Error& cause) { group.cancel(cause); },
                                   parent.context);
}

TEST(GroupLimit, CancellingTheParentDropsQueuedTasksAsSkipped) {
  const CancellableParent parent;
  expect_cancel_drops_queued_tasks([&parent](Group&, const Error& cause) { parent.cancel(cause); },
                                   parent.context);
}

TEST(GroupLimit, FailureOfTheRunningTaskDropsQueuedTasks) {
  constexpr int kQueued = 50;
  const Error failure = task_failure(2);
  const CancellableParent parent;
  std::atomic<int> queued_ran{0};
  Group group(parent.context);
  group.set_limit(1);
  group.go([failure] { return failure; });
  for (int i = 0; i < kQueued; ++i) group.go([&queued_ran] { queued_ran.fetch_add(1); });
  EXPECT_TRUE(is_same_error(group.wait(), failure));
  EXPECT_EQ(queued_ran.load(), 0);
}

}  // namespace
