// Group policies (GroupOptions::policy): fail_fast, supervise, collect_all, first_success and
// quorum(k), with ErrorList, Group::first_result and the options' validation.

#include <gtest/gtest.h>

#include <cstddef>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "cascade/cascade.hpp"
#include "support/group_helpers.hpp"

namespace {

using cascade::Context;
using cascade::Error;
using cascade::ErrorList;
using cascade::GroupOptions;
using cascade::GroupPolicy;
using cascade::Task;
using cascade::TaskOutcome;
using Group = cascade::testing::TestGroup;
using cascade::testing::CancellableParent;
using cascade::testing::failure_id;
using cascade::testing::is_success;
using cascade::testing::mentions;
using cascade::testing::task_failure;
using cascade::testing::TaskFailure;
using cascade::testing::what_of_thrown;

// The ErrorList `error` holds; valid while `error` (or a copy of it) lives.
const ErrorList& error_list(const Error& error) {
  const auto* list = error.as<ErrorList>();
  if (list == nullptr) throw std::runtime_error("expected an ErrorList, got: " + error.message());
  return *list;
}

TEST(Policies, OptionsWithoutAPolicyKeepTheConstructorsDefault) {
  CancellableParent parent;
  Group with_parent(parent.context, GroupOptions{});
  with_parent.go([] { return task_failure(1); });
  (void)with_parent.wait();
  EXPECT_TRUE(with_parent.context().cancelled());  // fail_fast

  Group without_parent{GroupOptions{}};
  without_parent.go([] { return task_failure(1); });
  EXPECT_EQ(failure_id(without_parent.wait()), 1);
  EXPECT_FALSE(without_parent.context().cancelled());  // supervise
}

TEST(Policies, SuperviseUnderAParentRecordsFailuresAndCancelsNothing) {
  CancellableParent parent;
  Group group(parent.context, GroupOptions{.policy = GroupPolicy::supervise()});
  group.go([] { return task_failure(1); });
  EXPECT_EQ(failure_id(group.wait()), 1);
  group.go([] {});  // not skipped: wait() did not cancel either
  EXPECT_EQ(failure_id(group.wait()), 1);
  EXPECT_FALSE(group.context().cancelled());
}

TEST(Policies, FailFastWithoutAParentCancelsOnTheFirstFailure) {
  Group group(GroupOptions{.policy = GroupPolicy::fail_fast()});
  group.go([] { return task_failure(4); });
  EXPECT_EQ(failure_id(group.wait()), 4);
  EXPECT_EQ(failure_id(group.context().cause()), 4);
}

// Each failing task waits for the one before it, so the completion order is fixed.
TEST(CollectAll, ReturnsEveryFailureInCompletionOrder) {
  CancellableParent parent;
  Group group(parent.context, GroupOptions{.policy = GroupPolicy::collect_all()});
  Task<void> first = group.spawn([] { return task_failure(1); });
  group.go([] {});
  Task<void> second = group.spawn([first] {
    first.wait();
    return task_failure(2);
  });
  group.go([second] {
    second.wait();
    throw TaskFailure(3);
  });
  const Error result = group.wait();
  const ErrorList& list = error_list(result);
  ASSERT_EQ(list.size(), 3u);
  std::vector<int> ids;
  for (const ErrorList::Entry& entry : list) {
    ids.push_back(failure_id(entry.error));
    EXPECT_FALSE(entry.caused_by_cancellation);
  }
  EXPECT_EQ(ids, (std::vector<int>{1, 2, 3}));
  EXPECT_EQ(std::string(list.what()), "3 tasks failed; first: task failure 1");
  EXPECT_FALSE(group.context().cancelled());
}

// The waiting task submits the failing one and then waits for a cancellation that the failing
// task makes: its failure (the context's error) is marked as a consequence of cancellation, and
// the summary names the real failure, whichever completed first.
TEST(CollectAll, MarksFailuresThatOnlyFollowACancellation) {
  Group group(GroupOptions{.policy = GroupPolicy::collect_all()});
  group.go([&group](const Context& context) {
    group.go([&group] {
      group.cancel();
      return task_failure(1);
    });
    context.wait();
    return context.err();
  });
  const Error result = group.wait();
  const ErrorList& list = error_list(result);
  ASSERT_EQ(list.size(), 2u);
  for (const ErrorList::Entry& entry : list)  // the two may complete in either order
    EXPECT_EQ(entry.caused_by_cancellation, failure_id(entry.error) != 1) << entry.error.message();
  EXPECT_EQ(list.real_failures(), 1u);
  EXPECT_EQ(std::string(list.what()),
            "2 tasks failed (1 only because of cancellation); first: task failure 1");
}

TEST(CollectAll, SucceedsWithoutFailures) {
  Group group(GroupOptions{.policy = GroupPolicy::collect_all()});
  for (int i = 0; i < 10; ++i) group.go([] {});
  EXPECT_TRUE(is_success(group.wait()));
  EXPECT_EQ(group.stats().succeeded, 10u);
}

TEST(CollectAll, AnErrorListOfNothingOrOfASuccessIsRefused) {
  const std::string empty = what_of_thrown<std::invalid_argument>(
      [] { (void)ErrorList(std::vector<ErrorList::Entry>{}); });
  EXPECT_NE(empty.find("the list of failures is empty"), std::string::npos) << empty;
  const std::string with_success = what_of_thrown<std::invalid_argument>([] {
    (void)ErrorList({{task_failure(1), false}, {Error(), false}});
  });
  EXPECT_NE(with_success.find("entry 1 is a success"), std::string::npos) << with_success;
}

// Searcher 617 is the only one that can succeed; the others fail, or give up with the context's
// error once the winner cancelled them.
TEST(FirstSuccess, OneOfAThousandSearchersWins) {
  constexpr int kSearchers = 1000;
  constexpr int kWinner = 617;
  Group group(GroupOptions{.policy = GroupPolicy::first_success()});
  for (int i = 0; i < kSearchers; ++i) {
    (void)group.spawn([i](const Context& context) -> int {
      if (context.cancelled()) context.err().rethrow();
      if (i != kWinner) throw TaskFailure(i);
      return i * 10;
    });
  }
  EXPECT_TRUE(is_success(group.wait()));
  EXPECT_EQ(group.first_result<int>().get(), kWinner * 10);
  EXPECT_TRUE(mentions(group.context().cause(), "first_success: another task succeeded"));
  const cascade::GroupStats stats = group.stats();
  EXPECT_EQ(stats.submitted, static_cast<std::uint64_t>(kSearchers));
  EXPECT_EQ(stats.succeeded, 1u);
  EXPECT_EQ(stats.failed + stats.cancelled + stats.skipped,
            static_cast<std::uint64_t>(kSearchers - 1));
}

TEST(FirstSuccess, TheWinnerCancelsTheOthers) {
  Group group(GroupOptions{.policy = GroupPolicy::first_success()});
  // The loser returns its failure instead of throwing it: it resumes on the stack its suspended
  // wait left, where AddressSanitizer can misread a throw (docs/reliability.md).
  Task<void> loser = group.spawn([&group](const Context& context) {
    (void)group.spawn([] { return 1; });
    context.wait();
    return context.err();
  });
  EXPECT_TRUE(is_success(group.wait()));
  EXPECT_EQ(loser.outcome(), TaskOutcome::cancelled);
  EXPECT_EQ(group.first_result<int>().get(), 1);
}

TEST(FirstSuccess, FailsWithEveryFailureWhenNoTaskSucceeds) {
  Group group(GroupOptions{.policy = GroupPolicy::first_success()});
  for (int i = 0; i < 3; ++i) group.go([i] { return task_failure(i); });
  const Error result = group.wait();
  EXPECT_EQ(error_list(result).size(), 3u);
  EXPECT_TRUE(mentions(result, "3 tasks failed"));
  EXPECT_THROW((void)group.first_result<int>(), std::logic_error);
}

TEST(FirstSuccess, FailsClearlyWhenNoTaskWasSubmitted) {
  Group group(GroupOptions{.policy = GroupPolicy::first_success()});
  EXPECT_TRUE(mentions(group.wait(), "first_success needs 1 successful task(s), but only 0"));
}

TEST(FirstResult, RefusesWhatItCannotAnswer) {
  Group collecting(GroupOptions{.policy = GroupPolicy::collect_all()});
  EXPECT_THROW((void)collecting.first_result<int>(), std::logic_error);

  Group by_go(GroupOptions{.policy = GroupPolicy::first_success()});
  by_go.go([] {});
  ASSERT_TRUE(is_success(by_go.wait()));
  try {
    (void)by_go.first_result<int>();
    ADD_FAILURE() << "first_result of a go() winner returned";
  } catch (const std::logic_error& error) {
    EXPECT_NE(std::string(error.what()).find("go()"), std::string::npos);
  }

  Group typed(GroupOptions{.policy = GroupPolicy::first_success()});
  (void)typed.spawn([] { return 1; });
  ASSERT_TRUE(is_success(typed.wait()));
  EXPECT_THROW((void)typed.first_result<std::string>(), std::logic_error);
}

// The three successes wait for both failures, so the failures arrive first; after them three
// successes are still possible, so nothing is cancelled until the third success.
TEST(Quorum, ThreeOfFiveSucceedAfterTwoFailuresArriveFirst) {
  Group group(GroupOptions{.policy = GroupPolicy::quorum(3)});
  Task<int> first_failure = group.spawn([]() -> int { throw TaskFailure(1); });
  Task<int> second_failure = group.spawn([]() -> int { throw TaskFailure(2); });
  std::vector<Task<int>> successes;
  for (int i = 0; i < 3; ++i) {
    successes.push_back(group.spawn([=](const Context& context) {
      first_failure.wait();
      second_failure.wait();
      EXPECT_FALSE(context.cancelled());
      return i;
    }));
  }
  EXPECT_TRUE(is_success(group.wait()));
  for (const Task<int>& success : successes) EXPECT_EQ(success.outcome(), TaskOutcome::succeeded);
  EXPECT_TRUE(mentions(group.context().cause(), "quorum reached"));
  EXPECT_EQ(group.stats().failed, 2u);
  EXPECT_EQ(group.stats().succeeded, 3u);
}

TEST(Quorum, ReachingItCancelsTheRest) {
  Group group(GroupOptions{.policy = GroupPolicy::quorum(2)});
  Task<void> waiting = group.spawn([&group](const Context& context) {
    group.go([] {});
    group.go([] {});
    context.wait();
    return context.err();
  });
  EXPECT_TRUE(is_success(group.wait()));
  EXPECT_EQ(waiting.outcome(), TaskOutcome::cancelled);
  EXPECT_EQ(group.stats().cancelled, 1u);
}

// quorum(3) of 5: the failures come one after another (each waits for the one before); after two,
// three successes are still possible, after the third they are not, and the group cancels the
// two tasks left, which were waiting for exactly that.
TEST(Quorum, FailsAsSoonAsItBecomesImpossible) {
  Group group(GroupOptions{.policy = GroupPolicy::quorum(3)});
  std::vector<Task<void>> failures;
  for (int i = 0; i < 3; ++i) {
    std::optional<Task<void>> previous;
    if (!failures.empty()) previous = failures.back();
    failures.push_back(group.spawn([i, previous](const Context& context) {
      if (previous) previous->wait();
      EXPECT_FALSE(context.cancelled()) << "cancelled before failure " << i;
      return task_failure(i);
    }));
  }
  for (int i = 0; i < 2; ++i) {
    group.go([last = failures.back()](const Context& context) {
      last.wait();
      context.wait();
      return context.err();
    });
  }
  const Error result = group.wait();
  EXPECT_EQ(error_list(result).real_failures(), 3u);
  EXPECT_TRUE(mentions(group.context().cause(), "the required successes are impossible"));
  EXPECT_EQ(group.stats().cancelled + group.stats().skipped, 2u);
  Task<int> late = group.spawn([] { return 1; });
  (void)group.wait();
  EXPECT_EQ(late.outcome(), TaskOutcome::skipped);
}

// Before wait() starts, more tasks may come: an early failure does not cancel the group. (The
// main thread waits for the failing task, which needs a thread other than the main one.)
TEST(Quorum, AFailureBeforeWaitDoesNotCancelAGroupStillBeingFilled) {
  if (!cascade::testing::has_spare_thread()) GTEST_SKIP() << "needs a second thread";
  Group group(GroupOptions{.policy = GroupPolicy::quorum(2)});
  Task<void> early = group.spawn([] { return task_failure(1); });
  early.wait();
  EXPECT_EQ(early.outcome(), TaskOutcome::failed);
  EXPECT_FALSE(group.context().cancelled());
  group.go([] {});
  group.go([] {});
  EXPECT_TRUE(is_success(group.wait()));
}

TEST(Quorum, FailsClearlyWhenTooFewTasksWereSubmitted) {
  Group group(GroupOptions{.policy = GroupPolicy::quorum(3)});
  group.go([] {});
  group.go([] {});
  const Error result = group.wait();
  EXPECT_TRUE(mentions(
      result,
      "quorum(3) needs 3 successful task(s), but only 2 task(s) were submitted and 2 succeeded"))
      << result.message();
}

TEST(Quorum, InvalidSizesAreRejected) {
  for (int k : {0, -2}) {
    try {
      (void)GroupPolicy::quorum(k);
      ADD_FAILURE() << "quorum(" << k << ") was accepted";
    } catch (const std::invalid_argument& error) {
      EXPECT_NE(std::string(error.what()).find("k is " + std::to_string(k)), std::string::npos);
    }
  }
}

// A value or an exception that holds the Context it was made with.
struct Session {
  Context context;
  int id;
};

class FailureInSession : public std::runtime_error {
 public:
  explicit FailureInSession(Context context)
      : std::runtime_error("failure in a session"), context_(std::move(context)) {}

 private:
  Context context_;
};

// What a group keeps for its wait(), stats() and first_result() (the winner of first_success, the
// failures) goes when the Group does: a record holding the group's own context no longer keeps
// that context's node, and so itself, alive for good.
TEST(GroupRecords, ThoseHoldingTheGroupsOwnContextGoWithTheGroup) {
  const std::size_t before = cascade::live_context_nodes();
  {
    Group group(GroupOptions{.policy = GroupPolicy::first_success()});
    (void)group.spawn([](const Context& context) { return Session{context, 1}; });
    EXPECT_TRUE(is_success(group.wait()));
  }
  const auto fail_in_a_session = [](const Context& context) {
    return Error::make(FailureInSession(context));
  };
  {
    Group group(GroupOptions{.policy = GroupPolicy::collect_all()});
    group.go(fail_in_a_session);
    EXPECT_TRUE(mentions(group.wait(), "failure in a session"));
  }
  {
    Group group;  // supervise: its first failure is not its context's cause
    group.go(fail_in_a_session);
    EXPECT_TRUE(mentions(group.wait(), "failure in a session"));
  }
  EXPECT_EQ(cascade::live_context_nodes(), before);
}

}  // namespace
