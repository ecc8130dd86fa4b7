// Deadlines (rule 12): with_timeout and with_deadline fire DeadlineExceeded, never early; the
// first deadline of a context and its ancestors wins; past deadlines give contexts born cancelled;
// enormous ones mean no deadline.

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <functional>
#include <thread>
#include <vector>

#include "cascade/cascade.hpp"
#include "support/context_helpers.hpp"

namespace {

using namespace std::chrono_literals;
using cascade::CancelCallback;
using cascade::Context;
using cascade::Error;
using cascade::testing::Cancellable;
using cascade::testing::cancelled_with;
using cascade::testing::child_of;
using cascade::testing::deadline_child;
using cascade::testing::ErrorKind;
using cascade::testing::Event;
using cascade::testing::fires_deadline_exceeded;
using cascade::testing::kFarDeadline;
using cascade::testing::kind_of;
using cascade::testing::kPatience;
using cascade::testing::kShortDeadline;
using cascade::testing::live;
using cascade::testing::make_failure;
using cascade::testing::root_child;
using cascade::testing::timed_child;

using Clock = std::chrono::steady_clock;

// Polls `condition` until it holds or `kPatience` passes; true if it held.
bool eventually(const std::function<bool()>& condition) {
  const auto give_up = Clock::now() + kPatience;
  while (!condition()) {
    if (Clock::now() > give_up) return false;
    std::this_thread::yield();
  }
  return true;
}

// Success when `context` has no deadline and is not cancelled, even after a short wait.
::testing::AssertionResult has_no_deadline(const Context& context) {
  if (context.deadline().has_value()) return ::testing::AssertionFailure() << "has a deadline";
  if (context.wait_for(5ms)) return ::testing::AssertionFailure() << "was cancelled";
  return ::testing::AssertionSuccess();
}

TEST(Deadline, WithTimeoutFiresDeadlineExceeded) {
  const Cancellable context = timed_child(Context::background(), kShortDeadline);
  EXPECT_TRUE(fires_deadline_exceeded(context.context));
}

TEST(Deadline, WithDeadlineFiresDeadlineExceeded) {
  const Cancellable context = deadline_child(Context::background(), Clock::now() + kShortDeadline);
  EXPECT_TRUE(fires_deadline_exceeded(context.context));
}

TEST(Deadline, FiresNoEarlierThanTheDeadline) {
  const auto deadline = Clock::now() + kShortDeadline;
  const Cancellable context = deadline_child(Context::background(), deadline);
  Clock::time_point fired_at{};
  Event fired;
  const CancelCallback callback = context.context.on_cancel([&fired_at, &fired] {
    fired_at = Clock::now();
    fired.set();
  });
  ASSERT_TRUE(fired.wait_for(kPatience));
  EXPECT_GE(fired_at, deadline);
}

TEST(Deadline, ManyDeadlinesFireEachNoEarlierThanItsTime) {
  constexpr std::size_t kContexts = 8;
  const auto start = Clock::now();
  std::vector<Clock::time_point> deadlines;
  std::vector<Cancellable> contexts;
  // Created latest deadline first, so that a timer kept in creation order would fire too early.
  for (std::size_t i = kContexts; i > 0; --i) {
    deadlines.push_back(start + 5ms * static_cast<int>(i));
    contexts.push_back(deadline_child(Context::background(), deadlines.back()));
  }
  std::vector<Clock::time_point> fired_at(kContexts);
  std::vector<Event> fired(kContexts);
  std::vector<CancelCallback> callbacks;
  for (std::size_t i = 0; i < kContexts; ++i) {
    callbacks.push_back(contexts[i].context.on_cancel([&fired_at, &fired, i] {
      fired_at[i] = Clock::now();
      fired[i].set();
    }));
  }
  for (std::size_t i = 0; i < kContexts; ++i) {
    ASSERT_TRUE(fired[i].wait_for(kPatience)) << "context " << i;
    EXPECT_GE(fired_at[i], deadlines[i]) << "context " << i;
    EXPECT_EQ(kind_of(contexts[i].context.err()), ErrorKind::kDeadlineExceeded) << "context " << i;
  }
}

TEST(Deadline, CallbackRunsWhenTheDeadlineFires) {
  const Cancellable context = timed_child(Context::background(), kShortDeadline);
  Event fired;
  const CancelCallback callback = context.context.on_cancel([&fired] { fired.set(); });
  EXPECT_TRUE(fired.wait_for(kPatience));
}

// A deadline's callbacks run on the timer thread; one that waits with a time limit must not need
// that thread to end the wait (before, the limit was a deadline of its own: the timer thread
// waited for itself, and no deadline of the process fired again).
TEST(Deadline, ACallbackOfADeadlineMayWaitWithATimeLimit) {
  const Cancellable context = timed_child(Context::background(), kShortDeadline);
  std::atomic<bool> timed_out{false};
  Event waited;
  const CancelCallback callback = context.context.on_cancel([&timed_out, &waited] {
    timed_out = !Context::background().wait_for(1ms);
    waited.set();
  });
  ASSERT_TRUE(waited.wait_for(kPatience)) << "the wait in the timer thread's callback never ended";
  EXPECT_TRUE(timed_out);
  EXPECT_TRUE(fires_deadline_exceeded(timed_child(Context::background(), kShortDeadline).context));
}

TEST(Deadline, DeadlineIsTheGivenTimePoint) {
  const auto deadline = Clock::now() + kFarDeadline;
  const Cancellable context = deadline_child(Context::background(), deadline);
  EXPECT_EQ(context.context.deadline(), deadline);
  EXPECT_TRUE(live(context.context));
}

TEST(Deadline, WithTimeoutDeadlineIsNowPlusTheTimeout) {
  const auto before = Clock::now();
  const Cancellable context = timed_child(Context::background(), kFarDeadline);
  const auto after = Clock::now();
  ASSERT_TRUE(context.context.deadline().has_value());
  EXPECT_GE(*context.context.deadline(), before + kFarDeadline);
  EXPECT_LE(*context.context.deadline(), after + kFarDeadline);
}

TEST(Deadline, PastDeadlineGivesAContextBornCancelled) {
  const Cancellable context = deadline_child(Context::background(), Clock::now() - 1h);
  EXPECT_TRUE(context.context.cancelled());
  EXPECT_EQ(kind_of(context.context.err()), ErrorKind::kDeadlineExceeded);
  EXPECT_EQ(kind_of(context.context.cause()), ErrorKind::kDeadlineExceeded);
}

TEST(Deadline, EarliestTimePointGivesAContextBornCancelled) {
  const Cancellable context = deadline_child(Context::background(), Clock::time_point::min());
  EXPECT_TRUE(context.context.cancelled());
  EXPECT_EQ(kind_of(context.context.err()), ErrorKind::kDeadlineExceeded);
}

TEST(Deadline, NegativeTimeoutsGiveContextsBornCancelled) {
  for (const std::chrono::nanoseconds timeout :
       {-1ns, std::chrono::nanoseconds(-1h), std::chrono::nanoseconds::min()}) {
    const Cancellable context = timed_child(Context::background(), timeout);
    EXPECT_TRUE(context.context.cancelled()) << timeout.count();
    EXPECT_EQ(kind_of(context.context.err()), ErrorKind::kDeadlineExceeded) << timeout.count();
  }
}

TEST(Deadline, ZeroTimeoutFires) {
  const Cancellable context = timed_child(Context::background(), 0ns);
  EXPECT_TRUE(fires_deadline_exceeded(context.context));
}

TEST(Deadline, DeadlineOfExactlyNowFires) {
  const Cancellable context = deadline_child(Context::background(), Clock::now());
  EXPECT_TRUE(fires_deadline_exceeded(context.context));
}

TEST(Deadline, LargestTimeoutMeansNoDeadline) {
  const Cancellable context = timed_child(Context::background(), std::chrono::nanoseconds::max());
  EXPECT_TRUE(has_no_deadline(context.context));
  EXPECT_TRUE(live(context.context));
}

TEST(Deadline, LastTimePointMeansNoDeadline) {
  const Cancellable context = deadline_child(Context::background(), Clock::time_point::max());
  EXPECT_TRUE(has_no_deadline(context.context));
  EXPECT_TRUE(live(context.context));
}

TEST(Deadline, EnormousTimeoutsNeverOverflowIntoThePast) {
  const std::chrono::nanoseconds largest = std::chrono::nanoseconds::max();
  for (const std::chrono::nanoseconds timeout : {largest - 1s, largest / 2, largest - 1ns}) {
    const Cancellable context = timed_child(Context::background(), timeout);
    EXPECT_FALSE(context.context.wait_for(5ms)) << timeout.count();
    const auto deadline = context.context.deadline();
    EXPECT_TRUE(!deadline.has_value() || *deadline > Clock::now() + 24h * 365 * 100)
        << timeout.count();
  }
}

TEST(Deadline, ParentsEarlierDeadlineWins) {
  const auto parent_deadline = Clock::now() + kShortDeadline;
  const Cancellable parent = deadline_child(Context::background(), parent_deadline);
  const Cancellable child = deadline_child(parent.context, Clock::now() + kFarDeadline);
  EXPECT_EQ(child.context.deadline(), parent_deadline);
  EXPECT_TRUE(fires_deadline_exceeded(child.context));
  EXPECT_TRUE(cancelled_with(child.context, parent.context.cause()));
}

TEST(Deadline, ChildsEarlierDeadlineIsItsOwn) {
  const Cancellable parent = timed_child(Context::background(), kFarDeadline);
  const auto child_deadline = Clock::now() + kShortDeadline;
  const Cancellable child = deadline_child(parent.context, child_deadline);
  EXPECT_EQ(child.context.deadline(), child_deadline);
  EXPECT_TRUE(fires_deadline_exceeded(child.context));
  EXPECT_TRUE(live(parent.context));
}

TEST(Deadline, ChildWithoutADeadlineReportsTheParentsDeadline) {
  const auto parent_deadline = Clock::now() + kFarDeadline;
  const Cancellable parent = deadline_child(Context::background(), parent_deadline);
  const Cancellable plain_child = child_of(parent.context);
  const Cancellable unbounded_child = timed_child(parent.context, std::chrono::nanoseconds::max());
  EXPECT_EQ(plain_child.context.deadline(), parent_deadline);
  EXPECT_EQ(unbounded_child.context.deadline(), parent_deadline);
}

TEST(Deadline, ParentsDeadlineCascadesWithTheSameCause) {
  const Cancellable parent = timed_child(Context::background(), kShortDeadline);
  const cascade::testing::ContextTree tree(parent.context, 2, 2);
  ASSERT_TRUE(fires_deadline_exceeded(parent.context));
  for (std::size_t node = 0; node < tree.size(); ++node) {
    EXPECT_TRUE(cancelled_with(tree.context(node), parent.context.cause())) << "node " << node;
    EXPECT_EQ(kind_of(tree.context(node).err()), ErrorKind::kDeadlineExceeded) << "node " << node;
  }
}

TEST(Deadline, ChildOfAnExpiredParentIsBornWithItsDeadlineExceeded) {
  const Cancellable parent = deadline_child(Context::background(), Clock::now() - 1s);
  const Cancellable child = child_of(parent.context);
  EXPECT_TRUE(cancelled_with(child.context, parent.context.cause()));
  EXPECT_EQ(kind_of(child.context.err()), ErrorKind::kDeadlineExceeded);
}

TEST(Deadline, CancelBeforeTheTimeoutGivesCancelled) {
  const Cancellable context = timed_child(Context::background(), kFarDeadline);
  context.cancel();
  EXPECT_EQ(kind_of(context.context.err()), ErrorKind::kCancelled);
  EXPECT_EQ(kind_of(context.context.cause()), ErrorKind::kCancelled);
}

TEST(Deadline, CancelBeforeTheTimeoutStaysCancelledAfterTheDeadlinePasses) {
  const auto deadline = Clock::now() + kShortDeadline;
  const Cancellable context = deadline_child(Context::background(), deadline);
  const Error cause = make_failure("finished early");
  context.cancel(cause);
  std::this_thread::sleep_until(deadline + kShortDeadline);
  EXPECT_EQ(kind_of(context.context.err()), ErrorKind::kCancelled);
  EXPECT_TRUE(cancelled_with(context.context, cause));
}

TEST(Deadline, CancelAfterTheDeadlineFiredIsANoOp) {
  const Cancellable context = timed_child(Context::background(), kShortDeadline);
  ASSERT_TRUE(fires_deadline_exceeded(context.context));
  context.cancel(make_failure("too late"));
  EXPECT_EQ(kind_of(context.context.cause()), ErrorKind::kDeadlineExceeded);
}

TEST(Deadline, FiredChildRemovesItselfFromItsParent) {
  const Cancellable parent = root_child();
  const Cancellable child = timed_child(parent.context, kShortDeadline);
  EXPECT_EQ(parent.context.child_count(), 1U);
  ASSERT_TRUE(fires_deadline_exceeded(child.context));
  EXPECT_TRUE(eventually([&parent] { return parent.context.child_count() == 0; }));
  EXPECT_TRUE(live(parent.context));
}

TEST(Deadline, WithoutCancelIgnoresTheParentsDeadline) {
  const Cancellable parent = timed_child(Context::background(), kShortDeadline);
  const Context detached = cascade::without_cancel(parent.context);
  EXPECT_FALSE(detached.deadline().has_value());
  ASSERT_TRUE(fires_deadline_exceeded(parent.context));
  EXPECT_TRUE(live(detached));
}

// One timer thread serves every deadline, and a context cancelled early leaves it at once: the
// timer does not keep (or keep alive) contexts that can no longer fire.
TEST(Deadline, ContextsCancelledEarlyLeaveTheTimer) {
  constexpr std::size_t kContexts = 100;
  const std::size_t before = cascade::armed_deadlines();
  std::vector<std::pair<Context, cascade::Canceller>> children;
  for (std::size_t i = 0; i < kContexts; ++i)
    children.push_back(cascade::with_timeout(Context::background(), std::chrono::hours(1)));
  EXPECT_EQ(cascade::armed_deadlines(), before + kContexts);
  for (std::size_t i = 0; i < kContexts / 2; ++i) children[i].second();
  EXPECT_EQ(cascade::armed_deadlines(), before + kContexts / 2);
  auto [parent, cancel_parent] = cascade::with_cancel(Context::background());
  auto [child, cancel_child] = cascade::with_timeout(parent, std::chrono::hours(1));
  EXPECT_EQ(cascade::armed_deadlines(), before + kContexts / 2 + 1);
  cancel_parent();  // an ancestor's cancel disarms the child's deadline too
  EXPECT_EQ(cascade::armed_deadlines(), before + kContexts / 2);
  children.clear();  // dropping a Canceller cancels its context
  EXPECT_EQ(cascade::armed_deadlines(), before);
}

}  // namespace
