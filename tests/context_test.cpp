// Context basics: background(), handles and equality, err()/cause() while live, stop_token(),
// and the blocking waits.

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <optional>
#include <stop_token>
#include <thread>
#include <utility>

#include "cascade/cascade.hpp"
#include "support/context_helpers.hpp"

namespace {

using namespace std::chrono_literals;
using cascade::Context;
using cascade::Error;
using cascade::testing::cancel_on_thread;
using cascade::testing::Event;
using cascade::testing::kPatience;
using cascade::testing::live;

using Clock = std::chrono::steady_clock;

// Starts a thread that runs `wait(context)` and sets the returned event once it returns.
template <class Wait>
std::jthread wait_on_thread(const Context& context, Event& returned, Wait wait) {
  return std::jthread([context, &returned, wait] {
    wait(context);
    returned.set();
  });
}

TEST(Context, BackgroundIsNeverCancelled) {
  const Context background = Context::background();
  EXPECT_TRUE(live(background));
  EXPECT_FALSE(background.deadline().has_value());
  EXPECT_EQ(background.child_count(), 0U);
  EXPECT_FALSE(background.wait_for(1ms));
}

TEST(Context, BackgroundChildrenAreNotRegistered) {
  auto [child, cancel] = cascade::with_cancel(Context::background());
  EXPECT_EQ(Context::background().child_count(), 0U);
  EXPECT_TRUE(live(child));
}

TEST(Context, DefaultConstructedIsBackground) {
  const Context context;
  EXPECT_EQ(context, Context::background());
}

TEST(Context, MovedFromIsBackground) {
  auto [child, cancel] = cascade::with_cancel(Context::background());
  const Context target = std::move(child);
  EXPECT_EQ(child, Context::background());  // NOLINT(bugprone-use-after-move): documented state
  EXPECT_NE(target, Context::background());
}

TEST(Context, CopiesCompareEqual) {
  auto [child, cancel] = cascade::with_cancel(Context::background());
  const Context copy = child;
  Context assigned;
  assigned = child;
  EXPECT_EQ(copy, child);
  EXPECT_EQ(assigned, child);
}

TEST(Context, DistinctNodesCompareUnequal) {
  auto [first, cancel_first] = cascade::with_cancel(Context::background());
  auto [second, cancel_second] = cascade::with_cancel(Context::background());
  EXPECT_NE(first, second);
}

TEST(Context, CopiesShareCancellation) {
  auto [child, cancel] = cascade::with_cancel(Context::background());
  const Context copy = child;
  cancel();
  EXPECT_TRUE(copy.cancelled());
  EXPECT_EQ(copy.cause(), child.cause());
}

TEST(Context, ErrAndCauseAreEmptyWhileLive) {
  auto [child, cancel] = cascade::with_cancel(Context::background());
  EXPECT_FALSE(child.cancelled());
  EXPECT_FALSE(child.err());
  EXPECT_FALSE(child.cause());
  EXPECT_FALSE(child.deadline().has_value());
}

TEST(Context, ErrIsCancelledOnceCancelled) {
  auto [child, cancel] = cascade::with_cancel(Context::background());
  cancel(cascade::testing::make_failure("explicit cause"));
  EXPECT_TRUE(child.cancelled());
  EXPECT_TRUE(child.err().is<cascade::Cancelled>());
  EXPECT_FALSE(child.err().is<cascade::DeadlineExceeded>());
}

TEST(Context, ErrStaysTheSameAfterCancellation) {
  auto [child, cancel] = cascade::with_cancel(Context::background());
  cancel();
  const Error first = child.err();
  cancel(cascade::testing::make_failure("too late"));
  EXPECT_EQ(child.err().message(), first.message());
  EXPECT_TRUE(child.cause().is<cascade::Cancelled>());
}

TEST(Context, WritesBeforeCancelAreVisibleOnceCancelledIsSeen) {
  auto [child, cancel] = cascade::with_cancel(Context::background());
  int published = 0;
  std::jthread writer([&published, &canceller = cancel] {
    published = 42;
    canceller();
  });
  while (!child.cancelled()) std::this_thread::yield();
  EXPECT_EQ(published, 42);
}

TEST(Context, StopTokenIsNotRequestedWhileLive) {
  auto [child, cancel] = cascade::with_cancel(Context::background());
  EXPECT_FALSE(child.stop_token().stop_requested());
}

TEST(Context, StopTokenIsRequestedOnceCancelled) {
  auto [child, cancel] = cascade::with_cancel(Context::background());
  const std::stop_token token = child.stop_token();
  cancel();
  EXPECT_TRUE(token.stop_requested());
  EXPECT_TRUE(child.stop_token().stop_requested());
}

TEST(Context, StopTokenOfADescendantIsRequestedByTheAncestorsCancel) {
  auto [parent, cancel] = cascade::with_cancel(Context::background());
  auto [child, cancel_child] = cascade::with_cancel(parent);
  const std::stop_token token = child.stop_token();
  cancel();
  EXPECT_TRUE(token.stop_requested());
}

TEST(Context, StopCallbackRunsOnCancel) {
  auto [child, cancel] = cascade::with_cancel(Context::background());
  int calls = 0;
  const std::stop_callback callback(child.stop_token(), [&calls] { ++calls; });
  EXPECT_EQ(calls, 0);
  cancel();
  EXPECT_EQ(calls, 1);
}

TEST(Context, StopCallbackRunsAtOnceWhenAlreadyCancelled) {
  auto [child, cancel] = cascade::with_cancel(Context::background());
  cancel();
  int calls = 0;
  const std::stop_callback callback(child.stop_token(), [&calls] { ++calls; });
  EXPECT_EQ(calls, 1);
}

TEST(Context, ConditionVariableAnyWaitIsInterruptedByCancel) {
  auto [child, cancel] = cascade::with_cancel(Context::background());
  std::mutex mutex;
  std::condition_variable_any condition;
  bool predicate_result = true;
  Event returned;
  std::jthread waiter([&, token = child.stop_token()] {
    std::unique_lock lock(mutex);
    predicate_result = condition.wait(lock, token, [] { return false; });
    returned.set();
  });
  cancel();
  ASSERT_TRUE(returned.wait_for(kPatience));
  std::lock_guard lock(mutex);
  EXPECT_FALSE(predicate_result);
}

TEST(Context, WaitReturnsAtOnceWhenCancelled) {
  auto [child, cancel] = cascade::with_cancel(Context::background());
  cancel();
  child.wait();
  EXPECT_TRUE(child.wait_for(0ns));
  EXPECT_TRUE(child.wait_until(Clock::now() - 1h));
}

TEST(Context, WaitIsWokenByACancelFromAnotherThread) {
  auto [child, cancel] = cascade::with_cancel(Context::background());
  Event returned;
  std::jthread waiter = wait_on_thread(child, returned, [](const Context& c) { c.wait(); });
  EXPECT_FALSE(returned.is_set());
  std::jthread canceller = cancel_on_thread(cancel);
  EXPECT_TRUE(returned.wait_for(kPatience));
}

TEST(Context, WaitForIsWokenByACancelFromAnotherThread) {
  auto [child, cancel] = cascade::with_cancel(Context::background());
  bool result = false;
  Event returned;
  std::jthread waiter = wait_on_thread(child, returned, [&result](const Context& c) {
    result = c.wait_for(std::chrono::duration_cast<std::chrono::nanoseconds>(kPatience) * 4);
  });
  std::jthread canceller = cancel_on_thread(cancel);
  ASSERT_TRUE(returned.wait_for(kPatience));
  EXPECT_TRUE(result);
}

TEST(Context, WaitForReturnsFalseOnTimeout) {
  auto [child, cancel] = cascade::with_cancel(Context::background());
  const auto start = Clock::now();
  EXPECT_FALSE(child.wait_for(20ms));
  EXPECT_GE(Clock::now() - start, 20ms);
  EXPECT_FALSE(child.cancelled());
}

TEST(Context, WaitForWithNonPositiveTimeoutPollsOnly) {
  auto [child, cancel] = cascade::with_cancel(Context::background());
  EXPECT_FALSE(child.wait_for(0ns));
  EXPECT_FALSE(child.wait_for(-1s));
  EXPECT_FALSE(child.wait_for(std::chrono::nanoseconds::min()));
}

TEST(Context, WaitForTheLargestDurationDoesNotOverflow) {
  auto [child, cancel] = cascade::with_cancel(Context::background());
  bool result = false;
  Event returned;
  std::jthread waiter = wait_on_thread(child, returned, [&result](const Context& c) {
    result = c.wait_for(std::chrono::nanoseconds::max());
  });
  // An overflow into the past would return false at once, before the cancel.
  EXPECT_FALSE(returned.wait_for(10ms));
  cancel();
  ASSERT_TRUE(returned.wait_for(kPatience));
  EXPECT_TRUE(result);
}

TEST(Context, WaitUntilReturnsFalseAtThatTime) {
  auto [child, cancel] = cascade::with_cancel(Context::background());
  const auto until = Clock::now() + 20ms;
  EXPECT_FALSE(child.wait_until(until));
  EXPECT_GE(Clock::now(), until);
}

TEST(Context, WaitUntilThePastReturnsFalseWhileLive) {
  auto [child, cancel] = cascade::with_cancel(Context::background());
  EXPECT_FALSE(child.wait_until(Clock::now() - 1h));
  EXPECT_FALSE(child.wait_until(Clock::time_point::min()));
}

TEST(Context, WaitUntilTheLastTimePointIsWokenByCancel) {
  auto [child, cancel] = cascade::with_cancel(Context::background());
  bool result = false;
  Event returned;
  std::jthread waiter = wait_on_thread(child, returned, [&result](const Context& c) {
    result = c.wait_until(Clock::time_point::max());
  });
  EXPECT_FALSE(returned.wait_for(10ms));
  std::jthread canceller = cancel_on_thread(cancel);
  ASSERT_TRUE(returned.wait_for(kPatience));
  EXPECT_TRUE(result);
}

TEST(Context, ManyWaitersAreAllWoken) {
  constexpr std::size_t kWaiters = 8;
  auto [child, cancel] = cascade::with_cancel(Context::background());
  std::vector<Event> returned(kWaiters);
  std::vector<std::jthread> waiters;
  for (Event& event : returned) {
    waiters.push_back(wait_on_thread(child, event, [](const Context& c) { c.wait(); }));
  }
  cancel();
  for (Event& event : returned) EXPECT_TRUE(event.wait_for(kPatience));
}

// Holds a cancelled context until the static destructors run, then ends the process with 0 when
// the context still reads Cancelled. A global of the test program: with the usual link order
// (the program's objects before the library's archive) it is constructed before the library's
// own statics, and so destroyed after them.
struct ReadsTheCauseAtExit {
  std::optional<Context> context;
  ReadsTheCauseAtExit() = default;
  ReadsTheCauseAtExit(const ReadsTheCauseAtExit&) = delete;
  ReadsTheCauseAtExit& operator=(const ReadsTheCauseAtExit&) = delete;
  ~ReadsTheCauseAtExit() {
    if (context)
      std::_Exit(
          context->err().is<cascade::Cancelled>() && context->cause().is<cascade::Cancelled>() ? 0
                                                                                               : 1);
  }
};
ReadsTheCauseAtExit reads_the_cause_at_exit;

[[noreturn]] void cancel_and_exit() {
  auto [context, cancel] = cascade::with_cancel(Context::background());
  cancel();
  reads_the_cause_at_exit.context = context;
  std::exit(2);  // runs the static destructors, where the holder's ends the process
}

// The library's own causes outlive every static object: code that runs while static destructors
// run (a global's destructor, the timer thread, a TBB worker) reads a cancelled context's err()
// and cause() as Cancelled, never as success. A fresh process, to exit from.
TEST(ContextDeathTest, ACancelledContextReadsItsCauseWhileStaticDestructorsRun) {
  ::testing::FLAGS_gtest_death_test_style = "threadsafe";
  EXPECT_EXIT(cancel_and_exit(), ::testing::ExitedWithCode(0), "");
}

}  // namespace
