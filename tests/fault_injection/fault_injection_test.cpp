// Fault injection (issue 5): for N = 1, 2, ... the N-th allocation fails, through every operation
// that allocates: go() in its forms, nested groups, context and group creation, on_cancel. Each
// failure must reach the caller as std::bad_alloc, or the group as its error; nothing may hang,
// leak (the tasks' captured state is counted, and LeakSanitizer sees the rest, context nodes
// included in this build) or be lost (an accepted task runs, or is skipped after a failure
// cancelled its group). A sweep ends at the first N that its operation never reaches.

#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <exception>
#include <initializer_list>
#include <iostream>
#include <new>
#include <optional>
#include <stop_token>
#include <string>
#include <utility>
#include <vector>

#include "cascade/cascade.hpp"
#include "failing_allocator.hpp"
#include "support/group_helpers.hpp"

namespace {

using namespace std::chrono_literals;
using cascade::CancelCallback;
using cascade::Context;
using cascade::Error;
using cascade::Group;
using cascade::testing::CancellableParent;
using cascade::testing::describe;
using cascade::testing::FailingAllocation;
using cascade::testing::is_cancelled_because_of;
using cascade::testing::TimedLatch;

constexpr int kTasks = 6;
constexpr std::uint64_t kMostFailurePoints = 100000;  // a sweep this long would never end

// What became of a sweep's tasks, as their captured state counts it.
struct Ledger {
  std::atomic<int> live{0};            // captured states alive: each closure holds one
  std::atomic<int> ran{0};             // task bodies started
  std::atomic<int> failed_in_body{0};  // bodies whose own allocation failed
};

// A task's captured state. Like most real captures, copying it allocates (a string longer than
// the short-string buffer), and so does running it.
class Payload {
 public:
  explicit Payload(Ledger& ledger) : ledger_(&ledger), text_(64, 'x') {
    ledger_->live.fetch_add(1);
  }
  Payload(const Payload& other) : ledger_(other.ledger_), text_(other.text_) {
    ledger_->live.fetch_add(1);
  }
  Payload& operator=(const Payload&) = delete;
  ~Payload() { ledger_->live.fetch_sub(1); }

  void operator()() const {
    ledger_->ran.fetch_add(1);
    try {
      void* volatile scratch = ::operator new(text_.size());  // volatile: never optimised away
      ::operator delete(scratch);
    } catch (const std::bad_alloc&) {
      ledger_->failed_in_body.fetch_add(1);
      throw;
    }
  }

 private:
  Ledger* ledger_;
  std::string text_;
};

// How one call ended.
enum class Outcome { returned, bad_alloc, other_exception };

template <class Call>
Outcome outcome_of(const Call& call) {
  try {
    call();
    return Outcome::returned;
  } catch (const std::bad_alloc&) {
    return Outcome::bad_alloc;
  } catch (...) {
    return Outcome::other_exception;
  }
}

// The calls of one attempt, by outcome.
struct Tally {
  int returned = 0;
  int bad_alloc = 0;
  int other_exception = 0;

  void count(Outcome outcome) {
    if (outcome == Outcome::returned) ++returned;
    if (outcome == Outcome::bad_alloc) ++bad_alloc;
    if (outcome == Outcome::other_exception) ++other_exception;
  }
};

// Runs `attempt(fail_at)` for fail_at = 1, 2, ... until an attempt is not reached by its injected
// failure (attempt returns whether it was), or a check failed. Returns the failure points swept,
// and prints them (the figures of docs/reliability.md).
template <class Attempt>
std::uint64_t sweep(const std::string& operation, const Attempt& attempt) {
  std::uint64_t fail_at = 1;
  while (attempt(fail_at) && !::testing::Test::HasFailure()) {
    if (++fail_at > kMostFailurePoints) {
      ADD_FAILURE() << operation << ": still failing after " << kMostFailurePoints << " points";
      break;
    }
  }
  const std::uint64_t points = fail_at - 1;
  std::cout << "[fault injection] " << operation << ": " << points << " failure points swept\n";
  ::testing::Test::RecordProperty("failure_points", std::to_string(points));
  EXPECT_GT(points, 0u) << operation << " allocates nothing: the sweep proves nothing";
  return points;
}

// Ways to submit the sweep's tasks.
enum class Submission { go, go_queued, try_go, go_blocking };

constexpr int limit_of(Submission form) {
  return form == Submission::go_queued ? 1 : form == Submission::try_go ? 2 : -1;
}

// Checks that `group` holds none of its `limit` slots: as many try_go() in a row all succeed (a
// slot a failed submission kept would make one fail; tasks finishing meanwhile only free more).
void expect_slots_free(Group& group, int limit) {
  int accepted = 0;
  for (int i = 0; i < limit; ++i) accepted += group.try_go([] {}) ? 1 : 0;
  EXPECT_EQ(accepted, limit) << "a limit slot is still held after wait()";
  (void)group.wait();
}

// One attempt: a Group(parent) gets kTasks tasks in `form` (after set_limit, for the limited
// forms), then wait(), all with allocation `fail_at` failing.
bool attempt_submissions(Submission form, std::uint64_t fail_at) {
  Ledger ledger;
  const CancellableParent parent;
  Tally submits;
  int refused = 0;  // try_go() returned false: the limit was reached
  Outcome limit_outcome = Outcome::returned;
  Outcome wait_outcome = Outcome::returned;
  Error result;
  bool injected = false;
  {
    const Payload payload(ledger);
    TimedLatch gate;  // holds the blocking tasks until all are submitted: each needs a thread
    const auto blocking_task = [payload, &gate] {
      gate.wait();
      payload();
    };
    Group group(parent.context);
    {
      FailingAllocation failing(fail_at);
      if (limit_of(form) >= 0) limit_outcome = outcome_of([&] { group.set_limit(limit_of(form)); });
      for (int i = 0; i < kTasks; ++i) {
        submits.count(outcome_of([&] {
          if (form == Submission::go_blocking) {
            group.go_blocking(blocking_task);
          } else if (form == Submission::try_go) {
            if (!group.try_go(payload)) ++refused;
          } else {
            group.go(payload);
          }
        }));
      }
      gate.count_down();
      wait_outcome = outcome_of([&] { result = group.wait(); });
      injected = failing.disarm();
    }
    EXPECT_NE(limit_outcome, Outcome::other_exception);
    EXPECT_EQ(submits.other_exception, 0)
        << "a submission failed with something else than bad_alloc";
    EXPECT_EQ(wait_outcome, Outcome::returned) << "wait() threw";
    const int accepted = submits.returned - refused;
    EXPECT_LE(ledger.ran.load(), accepted);
    if (ledger.failed_in_body.load() == 0) {
      EXPECT_FALSE(result) << "no task failed, yet wait() returned " << describe(result);
      EXPECT_EQ(ledger.ran.load(), accepted) << "accepted tasks were lost";
    } else {
      EXPECT_TRUE(result.is<std::bad_alloc>()) << "wait() returned " << describe(result);
    }
    if (limit_of(form) >= 0 && limit_outcome == Outcome::returned)
      expect_slots_free(group, limit_of(form));
  }
  EXPECT_EQ(ledger.live.load(), 0) << "a task's closure was never destroyed";
  EXPECT_EQ(parent.context.child_count(), 0u);
  return injected;
}

// One attempt: kTasks tasks that each run a nested Group(task context) of two tasks, with
// allocation `fail_at` failing; a failure inside a task is that task's failure.
bool attempt_nested_groups(std::uint64_t fail_at) {
  Ledger ledger;
  const CancellableParent parent;
  Tally submits;
  Error result;
  bool injected = false;
  {
    const Payload payload(ledger);
    const auto nested = [payload](const Context& context) {
      Group inner(context);
      inner.go(payload);
      inner.go(payload);
      return inner.wait();
    };
    Group group(parent.context);
    FailingAllocation failing(fail_at);
    for (int i = 0; i < kTasks; ++i) submits.count(outcome_of([&] { group.go(nested); }));
    result = group.wait();
    injected = failing.disarm();
  }
  EXPECT_EQ(submits.other_exception, 0);
  if (result)
    EXPECT_TRUE(result.is<std::bad_alloc>()) << "wait() returned " << describe(result);
  else
    EXPECT_EQ(ledger.ran.load(), 2 * submits.returned) << "nested tasks were lost";
  EXPECT_EQ(ledger.live.load(), 0);
  EXPECT_EQ(parent.context.child_count(), 0u);
  return injected;
}

// Every kind of context and group, derived from `parent`: a failure while building it unwinds
// what was built.
struct ContextKinds {
  explicit ContextKinds(const Context& parent)
      : cancellable(cascade::with_cancel(parent)),
        timed(cascade::with_timeout(cancellable.first, 1h)),
        dated(cascade::with_deadline(timed.first, std::chrono::steady_clock::now() + 30min)),
        group(dated.first),
        nested(group.context()),
        detached(cascade::without_cancel(parent)),
        stop(nested.context().stop_token()) {}

  std::pair<Context, cascade::Canceller> cancellable;
  std::pair<Context, cascade::Canceller> timed;  // owns a deadline
  std::pair<Context, cascade::Canceller> dated;  // owns an earlier one
  Group group;
  Group nested;
  Group zero;
  Context detached;
  std::stop_token stop;
};

bool attempt_context_creation(std::uint64_t fail_at) {
  const CancellableParent parent;
  const std::size_t deadlines_before = cascade::armed_deadlines();
  std::optional<ContextKinds> kinds;
  bool injected = false;
  Outcome outcome = Outcome::returned;
  {
    FailingAllocation failing(fail_at);
    outcome = outcome_of([&] { kinds.emplace(parent.context); });
    injected = failing.disarm();
  }
  EXPECT_NE(outcome, Outcome::other_exception);
  if (kinds) {
    EXPECT_EQ(parent.context.child_count(), 1u);
    EXPECT_EQ(cascade::armed_deadlines(), deadlines_before + 2);
    parent.cancel();
    const Error cause = parent.context.cause();
    for (const Context* context : std::initializer_list<const Context*>{
             &kinds->cancellable.first, &kinds->timed.first, &kinds->dated.first,
             &kinds->group.context(), &kinds->nested.context()})
      EXPECT_TRUE(is_cancelled_because_of(*context, cause));
    EXPECT_TRUE(kinds->stop.stop_requested());
    EXPECT_FALSE(kinds->zero.context().cancelled());
    EXPECT_FALSE(kinds->detached.cancelled());
    kinds.reset();
  } else {
    EXPECT_EQ(parent.context.child_count(), 0u) << "a half-built context stayed in the tree";
  }
  EXPECT_EQ(cascade::armed_deadlines(), deadlines_before) << "a deadline stayed armed";
  return injected;
}

// One attempt: kLiveGroups groups alive at once, with allocation `fail_at` failing. More groups
// than the suite ever had alive, so on the task_group backend the last ones need a new oneTBB
// task_group each (a group's completion counter reuses those of destroyed groups).
constexpr std::size_t kLiveGroups = 64;

bool attempt_many_live_groups(std::uint64_t fail_at) {
  const CancellableParent parent;
  std::array<std::optional<Group>, kLiveGroups> groups;
  std::size_t created = 0;
  bool injected = false;
  Outcome outcome = Outcome::returned;
  {
    FailingAllocation failing(fail_at);
    outcome = outcome_of([&] {
      for (; created < kLiveGroups; ++created) groups[created].emplace(parent.context);
    });
    injected = failing.disarm();
  }
  EXPECT_NE(outcome, Outcome::other_exception);
  EXPECT_EQ(parent.context.child_count(), created) << "a group that failed to be created stayed";
  for (std::size_t i = 0; i < created; ++i) EXPECT_FALSE(groups[i]->wait());
  return injected;
}

// One attempt: kTasks callbacks on a live context, one on a cancelled one (it runs at once), and
// a stop_token, with allocation `fail_at` failing. Each registered callback runs exactly once.
bool attempt_on_cancel(std::uint64_t fail_at) {
  Ledger ledger;
  const CancellableParent target;
  const CancellableParent cancelled;
  cancelled.cancel();
  std::atomic<int> calls{0};
  Tally registrations;
  std::optional<std::stop_token> stop;
  bool injected = false;
  {
    const Payload payload(ledger);
    const auto callback = [payload, &calls] { calls.fetch_add(1); };
    std::vector<CancelCallback> handles;
    handles.reserve(kTasks + 1);
    {
      FailingAllocation failing(fail_at);
      for (int i = 0; i < kTasks; ++i)
        registrations.count(
            outcome_of([&] { handles.push_back(target.context.on_cancel(callback)); }));
      registrations.count(
          outcome_of([&] { handles.push_back(cancelled.context.on_cancel(callback)); }));
      (void)outcome_of([&] { stop = target.context.stop_token(); });
      injected = failing.disarm();
    }
    EXPECT_EQ(registrations.other_exception, 0);
    EXPECT_EQ(static_cast<int>(handles.size()), registrations.returned);
    target.cancel();
    EXPECT_EQ(calls.load(), registrations.returned) << "a registered callback did not run once";
    if (stop) {
      EXPECT_TRUE(stop->stop_requested());
    }
  }
  EXPECT_EQ(ledger.live.load(), 0) << "a callback's record was never freed";
  return injected;
}

// One attempt, with allocation `fail_at` failing: in a cancelled group, kTasks spawn() tasks,
// which are skipped (each handle gets a TaskSkipped), each with a dependent (skipped in turn, its
// handle given an UpstreamFailed); and a collect_all group whose kTasks tasks all fail (its ledger
// lists each failure). Building a TaskSkipped, an UpstreamFailed or a list entry allocates, on
// whichever thread skips or finishes the task, where nothing may throw: each handle must still
// settle (holding the std::bad_alloc when its error could not be built), and the list must hold
// every failure, or end with the std::bad_alloc that lost some.
bool attempt_skips_and_failure_lists(std::uint64_t fail_at) {
  const CancellableParent parent;
  parent.cancel();
  std::vector<cascade::Task<int>> handles;
  handles.reserve(std::size_t{2} * kTasks);  // push_back then allocates nothing
  Tally spawns;
  Tally failing_tasks;
  Outcome collect_outcome = Outcome::returned;
  Error collected;
  bool injected = false;
  {
    Group skipping(parent.context);
    Group collecting(cascade::GroupOptions{.policy = cascade::GroupPolicy::collect_all()});
    FailingAllocation failing(fail_at);
    for (int i = 0; i < kTasks; ++i) {
      spawns.count(outcome_of([&] {
        handles.push_back(skipping.spawn([] { return 1; }));
        handles.push_back(skipping.spawn([](int n) { return n; }, cascade::after(handles.back())));
      }));
      failing_tasks.count(outcome_of([&] { collecting.go([] { throw std::bad_alloc(); }); }));
    }
    (void)skipping.wait();
    collect_outcome = outcome_of([&] { collected = collecting.wait(); });
    injected = failing.disarm();
  }
  EXPECT_EQ(spawns.other_exception, 0);
  EXPECT_EQ(failing_tasks.other_exception, 0);
  for (const cascade::Task<int>& handle : handles) {
    EXPECT_TRUE(handle.ready()) << "a skipped task's handle never settled";
    const Error error = handle.error();
    EXPECT_TRUE(error.is<cascade::TaskSkipped>() || error.is<std::bad_alloc>()) << describe(error);
  }
  EXPECT_NE(collect_outcome, Outcome::other_exception);
  if (collect_outcome == Outcome::returned && failing_tasks.returned > 0) {
    const auto* list = collected.as<cascade::ErrorList>();
    if (list == nullptr) {
      ADD_FAILURE() << "wait() returned " << describe(collected);
      return injected;
    }
    const auto accepted = static_cast<std::size_t>(failing_tasks.returned);
    const bool complete = list->size() == accepted;
    const bool ends_with_the_loss =
        list->size() <= accepted && (*list)[list->size() - 1].error.is<std::bad_alloc>();
    EXPECT_TRUE(complete || ends_with_the_loss)
        << list->size() << " entries for " << accepted << " failures: " << list->what();
  }
  return injected;
}

TEST(FaultInjection, Go) {
  sweep("go", [](std::uint64_t n) { return attempt_submissions(Submission::go, n); });
}

TEST(FaultInjection, GoQueuedBehindALimit) {
  sweep("go, limit 1",
        [](std::uint64_t n) { return attempt_submissions(Submission::go_queued, n); });
}

TEST(FaultInjection, TryGo) {
  sweep("try_go, limit 2",
        [](std::uint64_t n) { return attempt_submissions(Submission::try_go, n); });
}

TEST(FaultInjection, GoBlocking) {
  // Idle blocking threads end at once, so every attempt starts threads again.
  const cascade::BlockingPoolLimits limits = cascade::blocking_pool_limits();
  cascade::set_blocking_pool_limits({.max_threads = limits.max_threads, .idle_timeout = 0s});
  sweep("go_blocking",
        [](std::uint64_t n) { return attempt_submissions(Submission::go_blocking, n); });
  cascade::set_blocking_pool_limits(limits);
}

TEST(FaultInjection, NestedGroups) { sweep("nested groups", attempt_nested_groups); }

TEST(FaultInjection, ContextAndGroupCreation) {
  sweep("context and group creation", attempt_context_creation);
}

TEST(FaultInjection, ManyLiveGroups) { sweep("64 live groups", attempt_many_live_groups); }

TEST(FaultInjection, SkipsAndFailureLists) {
  sweep("skipped spawns and collect_all", attempt_skips_and_failure_lists);
}

TEST(FaultInjection, OnCancel) { sweep("on_cancel and stop_token", attempt_on_cancel); }

// Cancels a fresh context, then reads its err() and cause() while the next allocation fails, and
// ends the process with 0 when the reads allocated nothing and found Cancelled.
[[noreturn]] void read_a_library_cause_while_allocation_fails() {
  auto [context, cancel] = cascade::with_cancel(Context::background());
  cancel();
  FailingAllocation failing(1);
  bool cancelled = false;
  try {
    cancelled = context.err().is<cascade::Cancelled>() && context.cause().is<cascade::Cancelled>();
  } catch (const std::bad_alloc&) {
  }
  std::_Exit(!failing.disarm() && cancelled ? 0 : 1);
}

// The library's own causes are built while the program starts, so that reading one never
// allocates: the library reads them in noexcept code (a failed task's classification reads the
// context's cause), where an allocation failure would end the process. Before, the first read of
// a process built them. A fresh process, for nothing to be built by earlier tests.
TEST(FaultInjectionDeathTest, ReadingALibraryCauseAllocatesNothing) {
  ::testing::FLAGS_gtest_death_test_style = "threadsafe";
  EXPECT_EXIT(read_a_library_cause_while_allocation_fails(), ::testing::ExitedWithCode(0), "");
}

}  // namespace
