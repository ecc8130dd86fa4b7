// Task graphs: Group::spawn(f, after(...)), skipped_upstream_failed and UpstreamFailed, task
// names and ids, TaskReport.

#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <random>
#include <set>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "cascade/cascade.hpp"
#include "support/group_helpers.hpp"

namespace {

using cascade::after;
using cascade::AfterList;
using cascade::Context;
using cascade::Error;
using cascade::ErrorList;
using cascade::GroupOptions;
using cascade::GroupPolicy;
using cascade::Task;
using cascade::TaskOptions;
using cascade::TaskOutcome;
using cascade::TaskReport;
using cascade::TaskSkipped;
using cascade::UpstreamFailed;
using Group = cascade::testing::TestGroup;
using cascade::testing::CancellableParent;
using cascade::testing::describe;
using cascade::testing::failure_id;
using cascade::testing::is_success;
using cascade::testing::mentions;
using cascade::testing::TaskFailure;
using cascade::testing::TimedLatch;
using cascade::testing::what_of_thrown;

TaskOptions named(std::string name) { return TaskOptions{.name = std::move(name)}; }

// The UpstreamFailed a skipped_upstream_failed handle holds (fails the test when there is none).
template <class R>
const UpstreamFailed& upstream_failure_of(const Task<R>& task, Error& keep_alive) {
  keep_alive = task.error();
  const auto* failure = keep_alive.as<UpstreamFailed>();
  if (failure == nullptr) throw std::logic_error("no UpstreamFailed in: " + keep_alive.message());
  return *failure;
}

TEST(TaskGraph, ADependentReceivesTheValuesOfItsDependenciesInOrder) {
  Group group;
  Task<int> number = group.spawn([] { return 20; });
  Task<void> side_effect = group.spawn([] {});
  Task<std::string> word = group.spawn([] { return std::string("two"); });
  Task<std::string> joined = group.spawn(
      [](const int& n, const std::string& w) { return std::to_string(n + 2) + " " + w; },
      after(number, side_effect, word));
  ASSERT_TRUE(is_success(group.wait()));
  EXPECT_EQ(joined.get(), "22 two");
  EXPECT_EQ(joined.outcome(), TaskOutcome::succeeded);
}

TEST(TaskGraph, ACallableTakingAContextGetsItBeforeTheValues) {
  Group group;
  Task<int> number = group.spawn([] { return 1; });
  Task<bool> saw = group.spawn(
      [&group](const Context& context, int n) { return context == group.context() && n == 1; },
      after(number));
  ASSERT_TRUE(is_success(group.wait()));
  EXPECT_TRUE(saw.get());
}

TEST(TaskGraph, ADependentStartsOnlyAfterEveryDependencyFinished) {
  Group group;
  std::atomic<int> finished{0};
  std::vector<Task<void>> firsts;
  for (int i = 0; i < 8; ++i)
    firsts.push_back(
        group.spawn([&finished] { finished.fetch_add(1, std::memory_order_relaxed); }));
  Task<int> seen =
      group.spawn([&finished] { return finished.load(std::memory_order_relaxed); }, after(firsts));
  ASSERT_TRUE(is_success(group.wait()));
  EXPECT_EQ(seen.get(), 8);
}

// An AfterList keeps a few dependencies inline and the rest on the heap; every size around the
// switch, reserved or not, moved or not, names every dependency: the last one's failure, added
// last, skips the dependent.
TEST(TaskGraph, AnAfterListOfAnySizeNamesEveryDependency) {
  for (std::size_t count = 1; count <= 3 * AfterList::kInlineDependencies; ++count) {
    for (const bool reserved : {false, true}) {
      SCOPED_TRACE("dependencies " + std::to_string(count) + (reserved ? ", reserved" : ""));
      Group group;
      AfterList list;
      if (reserved) list.reserve(count);
      for (std::size_t i = 0; i + 1 < count; ++i) list.add(group.spawn([] {}));
      list.add(group.spawn([]() -> Error { return Error::make(TaskFailure(7)); }));
      AfterList moved(std::move(list));
      EXPECT_TRUE(list.states().empty());  // NOLINT(bugprone-use-after-move): moved-from is empty
      EXPECT_EQ(moved.states().size(), count);
      Task<void> dependent = group.spawn([] {}, moved);
      (void)group.wait();
      EXPECT_EQ(dependent.outcome(), TaskOutcome::skipped_upstream_failed);
    }
  }
}

TEST(TaskGraph, ADependencyThatAlreadySucceededLetsTheDependentRunAtOnce) {
  Group group;
  Task<int> early = group.spawn([] { return 5; });
  ASSERT_TRUE(is_success(group.wait()));
  Task<int> late = group.spawn([](int n) { return n * 2; }, after(early));
  ASSERT_TRUE(is_success(group.wait()));
  EXPECT_EQ(late.get(), 10);
}

TEST(TaskGraph, TasksHaveANameOrAnId) {
  Group group;
  Task<int> anonymous = group.spawn([] { return 1; });
  Task<int> link = group.spawn([] { return 2; }, named("link"));
  Task<int> later = group.spawn([] { return 3; });
  ASSERT_TRUE(is_success(group.wait()));
  EXPECT_EQ(link.name(), "link");
  EXPECT_EQ(link.label(), "'link'");
  EXPECT_TRUE(anonymous.name().empty());
  EXPECT_EQ(anonymous.label(), "#" + std::to_string(anonymous.id()));
  EXPECT_LT(anonymous.id(), link.id());
  EXPECT_LT(link.id(), later.id());
}

TEST(TaskGraph, AFailedDependencySkipsItsDependentsTransitivelyNamingTheOrigin) {
  Group group;
  Task<int> broken = group.spawn([]() -> int { throw TaskFailure(7); }, named("broken"));
  Task<int> middle = group.spawn([](int n) { return n; }, after(broken), named("middle"));
  Task<int> last = group.spawn([](int n) { return n; }, after(middle), named("last"));
  EXPECT_EQ(failure_id(group.wait()), 7);

  EXPECT_EQ(broken.outcome(), TaskOutcome::failed);
  EXPECT_EQ(middle.outcome(), TaskOutcome::skipped_upstream_failed);
  EXPECT_EQ(last.outcome(), TaskOutcome::skipped_upstream_failed);
  Error kept;
  const UpstreamFailed& direct = upstream_failure_of(middle, kept);
  EXPECT_EQ(direct.upstream(), "'broken'");
  EXPECT_EQ(direct.upstream_outcome(), TaskOutcome::failed);
  EXPECT_EQ(direct.origin(), "'broken'");
  EXPECT_EQ(failure_id(direct.cause()), 7);
  EXPECT_STREQ(direct.what(),
               "context cancelled: task skipped: upstream task 'broken' failed: task failure 7");
  Error kept_last;
  const UpstreamFailed& chained = upstream_failure_of(last, kept_last);
  EXPECT_EQ(chained.upstream(), "'middle'");
  EXPECT_EQ(chained.upstream_outcome(), TaskOutcome::skipped_upstream_failed);
  EXPECT_EQ(chained.origin(), "'broken'");
  EXPECT_EQ(chained.origin_outcome(), TaskOutcome::failed);
  EXPECT_STREQ(chained.what(),
               "context cancelled: task skipped: upstream task 'middle' was skipped because task "
               "'broken' failed: task failure 7");
  EXPECT_THROW((void)last.get(), TaskSkipped);
}

// The origin of a chain of skips is the task where it began: an upstream task that failed by
// itself is the origin, even when its failure is an UpstreamFailed that its own code rethrew.
TEST(TaskGraph, AnUpstreamTaskThatRethrewAnUpstreamFailedIsItselfTheOrigin) {
  Group group;
  Task<int> broken = group.spawn([]() -> int { throw TaskFailure(7); }, named("broken"));
  Task<int> skipped = group.spawn([](int n) { return n; }, after(broken), named("skipped"));
  (void)group.wait();
  Task<int> rethrows = group.spawn([skipped] { return skipped.get(); }, named("rethrows"));
  Task<int> last = group.spawn([](int n) { return n; }, after(rethrows), named("last"));
  (void)group.wait();

  EXPECT_EQ(rethrows.outcome(), TaskOutcome::failed);
  Error kept;
  const UpstreamFailed& skip = upstream_failure_of(last, kept);
  EXPECT_EQ(skip.upstream(), "'rethrows'");
  EXPECT_EQ(skip.origin(), "'rethrows'");
  EXPECT_EQ(skip.origin_outcome(), TaskOutcome::failed);
  EXPECT_EQ(skip.cause(), rethrows.error());
}

TEST(TaskGraph, ADependencySkippedByItsGroupSkipsTheDependent) {
  Group group;
  group.cancel(Error::make(std::runtime_error("stop")));
  Task<int> skipped = group.spawn([] { return 1; });
  Group other;
  Task<int> dependent = other.spawn([](int n) { return n; }, after(skipped));
  (void)group.wait();
  ASSERT_TRUE(is_success(other.wait()));
  EXPECT_EQ(skipped.outcome(), TaskOutcome::skipped);
  EXPECT_EQ(dependent.outcome(), TaskOutcome::skipped_upstream_failed);
  Error kept;
  EXPECT_EQ(upstream_failure_of(dependent, kept).upstream_outcome(), TaskOutcome::skipped);
  EXPECT_TRUE(mentions(dependent.error(), "stop"));
}

TEST(TaskGraph, CancellingTheGroupSkipsADependentThatWaitsForItsDependencies) {
  Group outer;
  CancellableParent release;
  Task<int> slow = outer.spawn([&release] {
    release.context.wait();
    return 1;
  });
  Group group;
  std::atomic<bool> ran{false};
  Task<int> dependent = group.spawn(
      [&ran](int n) {
        ran = true;
        return n;
      },
      after(slow));
  group.cancel();
  release.cancel();
  ASSERT_TRUE(is_success(outer.wait()));
  (void)group.wait();
  EXPECT_EQ(slow.outcome(), TaskOutcome::succeeded);
  EXPECT_EQ(dependent.outcome(), TaskOutcome::skipped);
  EXPECT_FALSE(ran.load());
}

TEST(TaskGraph, DependenciesWorkAcrossNestedGroups) {
  Group outer;
  Task<int> base = outer.spawn([] { return 40; });
  Task<int> from_inner = outer.spawn([base](const Context& context) {
    cascade::Group inner(context);
    Task<int> plus_one = inner.spawn([](int n) { return n + 1; }, after(base));
    inner.wait().throw_if_error();
    return plus_one.get();
  });
  Task<int> after_inner = outer.spawn([](int n) { return n + 1; }, after(from_inner));
  ASSERT_TRUE(is_success(outer.wait()));
  EXPECT_EQ(after_inner.get(), 42);
}

TEST(TaskGraph, AChainOfTwentyThousandRunsAndSkipsWithoutDeepRecursion) {
  constexpr int kLength = 20'000;
  for (const bool fail_at_root : {false, true}) {
    Group group;
    std::vector<Task<int>> chain;
    chain.reserve(kLength);
    chain.push_back(group.spawn([fail_at_root]() -> int {
      if (fail_at_root) throw TaskFailure(1);
      return 0;
    }));
    for (int i = 1; i < kLength; ++i)
      chain.push_back(group.spawn([](int n) { return n + 1; }, after(chain.back())));
    const Error result = group.wait();
    if (fail_at_root) {
      EXPECT_EQ(failure_id(result), 1);
      EXPECT_EQ(chain.back().outcome(), TaskOutcome::skipped_upstream_failed);
      Error kept;
      EXPECT_EQ(upstream_failure_of(chain.back(), kept).origin(), chain.front().label());
    } else {
      ASSERT_TRUE(is_success(result));
      EXPECT_EQ(chain.back().get(), kLength - 1);
    }
  }
}

// Registration races with settling: each dependent is spawned right after its dependency, which
// may be settling on another thread at that moment. Every dependent runs exactly once.
TEST(TaskGraph, EveryDependentRunsExactlyOnceWhileItsDependencySettlesConcurrently) {
  constexpr int kPairs = 5'000;
  Group group;
  std::vector<std::atomic<int>> runs(kPairs);
  for (int i = 0; i < kPairs; ++i) {
    Task<int> first = group.spawn([i] { return i; });
    (void)group.spawn([&runs](int n) { runs[static_cast<std::size_t>(n)].fetch_add(1); },
                      after(first));
  }
  ASSERT_TRUE(is_success(group.wait()));
  for (int i = 0; i < kPairs; ++i) ASSERT_EQ(runs[static_cast<std::size_t>(i)].load(), 1) << i;
}

TEST(TaskGraph, SeveralWaitersOnOneHandleAllWake) {
  Group group;
  Task<int> value = group.spawn([] { return 3; });
  std::vector<Task<int>> waiters;
  for (int i = 0; i < 4; ++i)
    waiters.push_back(group.spawn([value] {
      value.wait();
      return value.get();
    }));
  ASSERT_TRUE(is_success(group.wait()));
  for (const Task<int>& waiter : waiters) EXPECT_EQ(waiter.get(), 3);
  value.wait();  // settled: returns at once
}

TEST(TaskGraph, StatsCountUpstreamSkipsAsSkipped) {
  Group group(GroupOptions{.count_tasks = true});
  Task<int> broken = group.spawn([]() -> int { throw TaskFailure(1); });
  (void)group.spawn([](int n) { return n; }, after(broken));
  (void)group.spawn([] { return 1; });
  (void)group.wait();
  const cascade::GroupStats stats = group.stats();
  EXPECT_EQ(stats.submitted, 3u);
  EXPECT_EQ(stats.succeeded, 1u);
  EXPECT_EQ(stats.failed, 1u);
  EXPECT_EQ(stats.skipped, 1u);
}

// A skip for an upstream reason is a task that did not succeed: under quorum, one that makes the
// required successes impossible once wait() has started cancels the rest, as a failure does.
// Here judging starts with a first wait(); the skip comes later, when the dependency (in another
// group, submitted once the blocking task waits) fails; the blocking task waits for the cancel
// that the verdict makes. No task blocks a TBB thread, which a waiter could pick up.
TEST(TaskGraph, AnUpstreamSkipThatMakesAQuorumImpossibleCancelsTheRest) {
  Group group(GroupOptions{.policy = GroupPolicy::quorum(3)});
  group.go([] {});
  (void)group.wait();  // one task of three: too few yet, no verdict; judging has started
  std::atomic<bool> saw_cancel{false};
  TimedLatch waiting;
  group.go_blocking([&saw_cancel, &waiting](const Context& context) {
    waiting.count_down();
    saw_cancel = context.wait_for(cascade::testing::kPatience);
  });
  waiting.wait();  // started: the verdict must cancel it, not skip it
  Group upstream_group;
  Task<int> broken = upstream_group.spawn([]() -> int { throw TaskFailure(3); });
  Task<int> skipped = group.spawn([](int n) { return n; }, after(broken));
  const Error result = group.wait();
  EXPECT_TRUE(saw_cancel) << "the skip left two possible successes of three needed, and nothing "
                             "cancelled the task that waited";
  EXPECT_EQ(skipped.outcome(), TaskOutcome::skipped_upstream_failed);
  EXPECT_TRUE(mentions(group.context().cause(), "the required successes are impossible"))
      << describe(result);
  EXPECT_EQ(failure_id(upstream_group.wait()), 3);
}

// Without a failure of its own, a quorum that some upstream skips left short says how many tasks
// were submitted, succeeded and skipped (not that too few were submitted).
TEST(TaskGraph, AQuorumLeftShortByUpstreamSkipsSaysSo) {
  Group group(GroupOptions{.policy = GroupPolicy::quorum(2)});
  Group upstream_group;
  Task<int> broken = upstream_group.spawn([]() -> int { throw TaskFailure(4); });
  (void)upstream_group.wait();
  group.go([] {});
  (void)group.wait();  // the success is in before the skip's verdict cancels the context
  (void)group.spawn([](int n) { return n; }, after(broken));
  EXPECT_EQ(describe(group.wait()),
            "cascade::Group::wait: quorum(2) needs 2 successful task(s), but of the 2 task(s) "
            "submitted 1 succeeded and 1 were skipped");
}

TEST(TaskGraph, BadInputIsRefusedWithAMessage) {
  Group group;
  Task<int> moved = group.spawn([] { return 1; });
  Task<int> keeper = std::move(moved);
  try {
    (void)group.spawn([](int n) { return n; }, after(moved));  // NOLINT(bugprone-use-after-move)
    ADD_FAILURE() << "a moved-from dependency was accepted";
  } catch (const std::invalid_argument& error) {
    EXPECT_NE(std::string(error.what()).find("cascade::after"), std::string::npos) << error.what();
  }
  auto dependencies = after(keeper);
  Task<int> first = group.spawn([](int n) { return n; }, std::move(dependencies));
  // Passing the moved-from After again is the mistake tested.
  // NOLINTNEXTLINE(bugprone-use-after-move)
  const std::string reused = what_of_thrown<std::invalid_argument>([&] {
    // NOLINTNEXTLINE(bugprone-use-after-move)
    (void)group.spawn([](int n) { return n; }, std::move(dependencies));
  });
  EXPECT_NE(reused.find("cascade::Group::spawn: the After was moved from"), std::string::npos)
      << reused;
  AfterList list;
  const std::string listed = what_of_thrown<std::invalid_argument>(
      [&] { list.add(moved); });  // NOLINT(bugprone-use-after-move)
  EXPECT_NE(listed.find("cascade::AfterList::add"), std::string::npos) << listed;
  int (*null_function)(int) = nullptr;
  EXPECT_THROW((void)group.spawn(null_function, after(keeper)), std::invalid_argument);
  ASSERT_TRUE(is_success(group.wait()));
  EXPECT_EQ(first.get(), 1);
  TaskReport report;
  const std::string reported = what_of_thrown<std::invalid_argument>(
      [&] { report.add(moved); });  // NOLINT(bugprone-use-after-move)
  EXPECT_NE(reported.find("cascade::TaskReport::add"), std::string::npos) << reported;
  EXPECT_EQ(report.size(), 0u);
  group.set_limit(0);
  EXPECT_THROW((void)group.spawn([](int n) { return n; }, after(keeper)), std::logic_error);
}

// A dependent takes a slot of its group's limit only once its dependencies succeeded. Here the
// one slot is free when the dependent is submitted, its dependency (in another group) waits for
// a task queued after it in the same group: a dependent that held the slot while it waited would
// keep that task queued, and the dependency would never be released.
TEST(TaskGraph, AWaitingDependentHoldsNoSlotOfItsGroupsLimit) {
  TimedLatch released;
  Group other;
  Task<int> dependency = other.spawn([&released] { return released.wait() ? 1 : 0; });
  Group group;
  group.set_limit(1);
  Task<int> dependent = group.spawn([](int value) { return value + 1; }, after(dependency));
  group.go([&released] { released.count_down(); });
  ASSERT_TRUE(is_success(group.wait()));
  ASSERT_TRUE(is_success(other.wait()));
  EXPECT_EQ(dependent.get(), 2);
}

TEST(TaskGraph, AReportShowsEachTaskItsOutcomeAndWhy) {
  Group group;
  Task<int> read = group.spawn([] { return 1; }, named("read"));
  Task<int> compile = group.spawn([](int) -> int { throw std::runtime_error("disk full"); },
                                  after(read), named("compile"));
  Task<int> link = group.spawn([](int n) { return n; }, after(compile), named("link"));
  Task<int> anonymous = group.spawn([] { return 2; });
  (void)group.wait();
  TaskReport report;
  report.add(read).add(compile).add(link).add(anonymous);
  const std::string anonymous_label = anonymous.label();
  const std::string expected =
      "'read'    succeeded\n"
      "'compile' failed: disk full\n"
      "'link'    skipped_upstream_failed: upstream task 'compile' failed: disk full\n" +
      anonymous_label + std::string(10 - anonymous_label.size(), ' ') + "succeeded\n";
  EXPECT_EQ(report.str(), expected);
  EXPECT_EQ(report.size(), 4u);
}

// A diamond, a -> (b, c) -> d, then e after d, beside an independent task x, where b fails.
struct Diamond {
  explicit Diamond(Group& group)
      : a(group.spawn([] { return 1; }, named("a"))),
        b(group.spawn([](int) -> int { throw TaskFailure(2); }, after(a), named("b"))),
        c(group.spawn([](int n) { return n + 2; }, after(a), named("c"))),
        d(group.spawn([](int m, int n) { return m + n; }, after(b, c), named("d"))),
        e(group.spawn([](int n) { return n; }, after(d), named("e"))),
        x(group.spawn([] { return 9; }, named("x"))) {}
  Task<int> a, b, c, d, e, x;
};

void expect_downstream_skipped(const Diamond& graph, const std::set<std::string>& upstreams) {
  EXPECT_EQ(graph.d.outcome(), TaskOutcome::skipped_upstream_failed);
  EXPECT_EQ(graph.e.outcome(), TaskOutcome::skipped_upstream_failed);
  Error kept;
  const UpstreamFailed& failure = upstream_failure_of(graph.d, kept);
  EXPECT_TRUE(upstreams.contains(failure.upstream())) << failure.what();
  Error kept_e;
  EXPECT_EQ(upstream_failure_of(graph.e, kept_e).upstream(), "'d'");
}

TEST(TaskGraphDiamond, FailFastCancelsTheRestAndNamesTheFailedBranch) {
  Group group(GroupOptions{.policy = GroupPolicy::fail_fast()});
  const Diamond graph(group);
  EXPECT_EQ(failure_id(group.wait()), 2);
  EXPECT_EQ(graph.a.outcome(), TaskOutcome::succeeded);
  EXPECT_EQ(graph.b.outcome(), TaskOutcome::failed);
  expect_downstream_skipped(graph, {"'b'"});
}

TEST(TaskGraphDiamond, SuperviseSkipsOnlyTheDownstreamPart) {
  Group group(GroupOptions{.policy = GroupPolicy::supervise()});
  const Diamond graph(group);
  EXPECT_EQ(failure_id(group.wait()), 2);
  EXPECT_EQ(graph.b.outcome(), TaskOutcome::failed);
  EXPECT_EQ(graph.c.get(), 3);
  EXPECT_EQ(graph.x.get(), 9);
  expect_downstream_skipped(graph, {"'b'"});
}

TEST(TaskGraphDiamond, CollectAllSkipsOnlyTheDownstreamPartAndListsTheOneFailure) {
  Group group(GroupOptions{.policy = GroupPolicy::collect_all()});
  const Diamond graph(group);
  const Error result = group.wait();
  const auto* failures = result.as<ErrorList>();
  ASSERT_NE(failures, nullptr) << result.message();
  ASSERT_EQ(failures->size(), 1u);
  EXPECT_EQ(failure_id((*failures)[0].error), 2);
  EXPECT_EQ(graph.c.get(), 3);
  EXPECT_EQ(graph.x.get(), 9);
  expect_downstream_skipped(graph, {"'b'"});
  EXPECT_EQ(group.stats().skipped, 2u);
}

TEST(TaskGraphDiamond, FirstSuccessStopsAtTheFirstSuccessAndSkipsEverythingBelow) {
  Group group(GroupOptions{.policy = GroupPolicy::first_success()});
  const Diamond graph(group);
  ASSERT_TRUE(is_success(group.wait()));
  // The first success (a or the independent x) cancelled the context before b and c were handed
  // to the pool: each is skipped, by the group, or for want of a.
  for (const Task<int>* branch : {&graph.b, &graph.c})
    EXPECT_TRUE(branch->outcome() == TaskOutcome::skipped ||
                branch->outcome() == TaskOutcome::skipped_upstream_failed)
        << branch->outcome();
  expect_downstream_skipped(graph, {"'b'", "'c'"});
}

TEST(TaskGraphDiamond, QuorumSkipsTheDownstreamOfTheFailedBranch) {
  Group group(GroupOptions{.policy = GroupPolicy::quorum(2)});
  const Diamond graph(group);
  ASSERT_TRUE(is_success(group.wait()));
  EXPECT_EQ(graph.a.outcome(), TaskOutcome::succeeded);
  // Two successes (a and x, or a and c) may reach the quorum before b starts, and c with it: then
  // b is skipped, and d names whichever of its skipped dependencies it heard of first.
  EXPECT_TRUE(graph.b.outcome() == TaskOutcome::failed ||
              graph.b.outcome() == TaskOutcome::skipped);
  if (graph.b.outcome() == TaskOutcome::failed)
    expect_downstream_skipped(graph, {"'b'"});
  else
    expect_downstream_skipped(graph, {"'b'", "'c'"});
}

// A random DAG of 10,000 nodes: node i depends on up to 4 earlier nodes and fails by itself with
// a small probability. Each node's outcome (and value, and the upstream its skip names) is checked
// against a sequential evaluation of the same graph.
struct RandomDag {
  explicit RandomDag(std::uint64_t seed) {
    std::mt19937_64 random(seed);
    dependencies.resize(kNodes);
    fails.resize(kNodes);
    for (std::size_t node = 0; node < kNodes; ++node) {
      fails[node] = std::uniform_int_distribution<int>(0, 199)(random) == 0;
      if (node == 0) continue;
      const int count = std::uniform_int_distribution<int>(0, 4)(random);
      const std::size_t window = std::min<std::size_t>(node, 64);
      for (int i = 0; i < count; ++i)
        dependencies[node].push_back(
            node - 1 - std::uniform_int_distribution<std::size_t>(0, window - 1)(random));
    }
  }

  static constexpr std::size_t kNodes = 10'000;
  std::vector<std::vector<std::size_t>> dependencies;
  std::vector<bool> fails;
};

struct Reference {
  std::vector<TaskOutcome> outcomes;
  std::vector<std::uint64_t> values;
};

std::uint64_t node_value(std::size_t node, std::uint64_t dependency_sum) {
  return dependency_sum * 31 + node;
}

Reference evaluate_sequentially(const RandomDag& dag) {
  Reference reference{std::vector<TaskOutcome>(RandomDag::kNodes),
                      std::vector<std::uint64_t>(RandomDag::kNodes)};
  for (std::size_t node = 0; node < RandomDag::kNodes; ++node) {
    std::uint64_t sum = 0;
    bool upstream_failed = false;
    for (std::size_t dependency : dag.dependencies[node]) {
      upstream_failed |= reference.outcomes[dependency] != TaskOutcome::succeeded;
      sum += reference.values[dependency];
    }
    reference.outcomes[node] = upstream_failed   ? TaskOutcome::skipped_upstream_failed
                               : dag.fails[node] ? TaskOutcome::failed
                                                 : TaskOutcome::succeeded;
    reference.values[node] = node_value(node, sum);
  }
  return reference;
}

std::uint64_t test_seed() {
  if (const char* fixed = std::getenv("CASCADE_DAG_SEED")) return std::strtoull(fixed, nullptr, 10);
  return std::random_device{}();
}

void check_random_dag(const GroupPolicy& policy) {
  const std::uint64_t seed = test_seed();
  SCOPED_TRACE("random DAG seed " + std::to_string(seed) +
               " (rerun with CASCADE_DAG_SEED=" + std::to_string(seed) + ")");
  const RandomDag dag(seed);
  const Reference reference = evaluate_sequentially(dag);

  Group group(GroupOptions{.policy = policy});
  std::vector<Task<std::uint64_t>> tasks;
  tasks.reserve(RandomDag::kNodes);
  for (std::size_t node = 0; node < RandomDag::kNodes; ++node) {
    AfterList dependencies;
    std::vector<Task<std::uint64_t>> inputs;
    for (std::size_t dependency : dag.dependencies[node]) {
      dependencies.add(tasks[dependency]);
      inputs.push_back(tasks[dependency]);
    }
    const bool fails = dag.fails[node];
    tasks.push_back(group.spawn(
        [node, fails, inputs = std::move(inputs)]() -> std::uint64_t {
          if (fails) throw TaskFailure(static_cast<int>(node));
          std::uint64_t sum = 0;
          for (const Task<std::uint64_t>& input : inputs) sum += input.get();
          return node_value(node, sum);
        },
        dependencies));
  }
  (void)group.wait();

  std::size_t mismatches = 0;
  for (std::size_t node = 0; node < RandomDag::kNodes && mismatches < 5; ++node) {
    const Task<std::uint64_t>& task = tasks[node];
    const TaskOutcome expected = reference.outcomes[node];
    if (task.outcome() != expected) {
      ++mismatches;
      ADD_FAILURE() << "node " << node << ": " << task.outcome() << ", expected " << expected;
      continue;
    }
    if (expected == TaskOutcome::succeeded) {
      EXPECT_EQ(task.get(), reference.values[node]) << "node " << node;
    } else if (expected == TaskOutcome::failed) {
      EXPECT_EQ(failure_id(task.error()), static_cast<int>(node));
    } else {
      // The skip names a dependency that did not succeed, a failed one when there is one, and the
      // failed task where the chain began.
      Error kept;
      const UpstreamFailed& failure = upstream_failure_of(task, kept);
      bool names_a_dependency = false;
      bool a_dependency_failed = false;
      for (std::size_t dependency : dag.dependencies[node]) {
        names_a_dependency |= tasks[dependency].label() == failure.upstream() &&
                              reference.outcomes[dependency] != TaskOutcome::succeeded;
        a_dependency_failed |= reference.outcomes[dependency] == TaskOutcome::failed;
      }
      EXPECT_TRUE(names_a_dependency) << "node " << node << ": " << failure.what();
      if (a_dependency_failed) {
        EXPECT_EQ(failure.upstream_outcome(), TaskOutcome::failed);
      }
      EXPECT_EQ(failure.origin_outcome(), TaskOutcome::failed) << "node " << node;
    }
  }
}

TEST(TaskGraphRandomDag, EveryOutcomeMatchesASequentialEvaluationUnderSupervise) {
  check_random_dag(GroupPolicy::supervise());
}

TEST(TaskGraphRandomDag, EveryOutcomeMatchesASequentialEvaluationUnderCollectAll) {
  check_random_dag(GroupPolicy::collect_all());
}

}  // namespace
