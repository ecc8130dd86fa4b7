// Ports of Go's context tests (src/context/x_test.go, afterfunc_test.go), adapted to cascade:
// the children map becomes child_count(), Done() becomes wait_for(), AfterFunc becomes
// on_cancel(), and Go's goroutines become std::threads.

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <deque>
#include <functional>
#include <numeric>
#include <random>
#include <string>
#include <thread>
#include <utility>
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
using cascade::testing::ContextTree;
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
using cascade::testing::run_on_threads;
using cascade::testing::timed_child;

using Clock = std::chrono::steady_clock;

// ---- x_test.go ----------------------------------------------------------------------------

TEST(GoContextPort, ParentFinishesChild) {
  Cancellable parent = root_child();
  Cancellable cancel_child = child_of(parent.context);
  Cancellable timer_child = timed_child(parent.context, kFarDeadline);
  Cancellable grandchild = child_of(timer_child.context);
  ASSERT_EQ(parent.context.child_count(), 2U);
  ASSERT_EQ(timer_child.context.child_count(), 1U);
  for (const Context* context :
       {&parent.context, &cancel_child.context, &timer_child.context, &grandchild.context}) {
    EXPECT_TRUE(live(*context));
  }

  parent.cancel();

  for (const Context* context :
       {&parent.context, &cancel_child.context, &timer_child.context, &grandchild.context}) {
    EXPECT_TRUE(context->cancelled());
    EXPECT_EQ(kind_of(context->err()), ErrorKind::kCancelled);
    EXPECT_EQ(context->child_count(), 0U);
  }
  const Cancellable born_cancelled = child_of(parent.context);
  EXPECT_TRUE(born_cancelled.context.cancelled());
  EXPECT_EQ(kind_of(born_cancelled.context.err()), ErrorKind::kCancelled);
  EXPECT_EQ(parent.context.child_count(), 0U);
}

TEST(GoContextPort, ChildFinishesFirst) {
  Cancellable cancellable_parent = root_child();
  for (const Context& parent : {Context::background(), cancellable_parent.context}) {
    const bool registers = parent != Context::background();
    SCOPED_TRACE(registers ? "cancellable parent" : "background parent");
    Cancellable child = child_of(parent);
    EXPECT_EQ(parent.child_count(), registers ? 1U : 0U);

    child.cancel();

    EXPECT_EQ(kind_of(child.context.err()), ErrorKind::kCancelled);
    EXPECT_TRUE(live(parent));
    EXPECT_EQ(parent.child_count(), 0U);
  }
  cancellable_parent.cancel(make_failure("parent after child"));
  EXPECT_EQ(kind_of(cancellable_parent.context.err()), ErrorKind::kCancelled);
}

TEST(GoContextPort, CancelRemoves) {
  Cancellable parent = root_child();
  ASSERT_EQ(parent.context.child_count(), 0U);

  Cancellable cancel_child = child_of(parent.context);
  EXPECT_EQ(parent.context.child_count(), 1U);
  cancel_child.cancel();
  EXPECT_EQ(parent.context.child_count(), 0U);

  Cancellable timer_child = timed_child(parent.context, kFarDeadline);
  EXPECT_EQ(parent.context.child_count(), 1U);
  timer_child.cancel();
  EXPECT_EQ(parent.context.child_count(), 0U);
}

TEST(GoContextPort, Deadline) {
  const Cancellable plain = deadline_child(Context::background(), Clock::now() + kShortDeadline);
  EXPECT_TRUE(fires_deadline_exceeded(plain.context)) << "WithDeadline";

  const Cancellable parent = deadline_child(Context::background(), Clock::now() + kShortDeadline);
  const Cancellable later_child = deadline_child(parent.context, Clock::now() + kFarDeadline);
  EXPECT_TRUE(fires_deadline_exceeded(later_child.context))
      << "WithDeadline+otherContext+WithDeadline";

  const Cancellable live_parent =
      deadline_child(Context::background(), Clock::now() + kShortDeadline);
  const Cancellable past = deadline_child(live_parent.context, Clock::now() - 96h);
  EXPECT_TRUE(past.context.cancelled()) << "a deadline in the past gives a cancelled context";
  EXPECT_TRUE(fires_deadline_exceeded(past.context)) << "WithDeadline+inthepast";

  const Cancellable now = deadline_child(Context::background(), Clock::now());
  EXPECT_TRUE(fires_deadline_exceeded(now.context)) << "WithDeadline+now";
}

TEST(GoContextPort, Timeout) {
  const Cancellable plain = timed_child(Context::background(), kShortDeadline);
  EXPECT_TRUE(fires_deadline_exceeded(plain.context)) << "WithTimeout";

  const Cancellable parent = timed_child(Context::background(), kShortDeadline);
  const Cancellable later_child = timed_child(parent.context, kFarDeadline);
  EXPECT_TRUE(fires_deadline_exceeded(later_child.context))
      << "WithTimeout+otherContext+WithTimeout";

  const Cancellable past = timed_child(Context::background(), -96h);
  EXPECT_TRUE(past.context.cancelled()) << "a negative timeout gives a cancelled context";
  EXPECT_TRUE(fires_deadline_exceeded(past.context)) << "WithTimeout+negative";

  const Cancellable zero = timed_child(Context::background(), 0ns);
  EXPECT_TRUE(fires_deadline_exceeded(zero.context)) << "WithTimeout+zero";
}

TEST(GoContextPort, CanceledTimeout) {
  const Cancellable context = timed_child(Context::background(), 1s);
  context.cancel();
  ASSERT_TRUE(context.context.wait_for(kPatience));
  EXPECT_EQ(kind_of(context.context.err()), ErrorKind::kCancelled);
}

// TestCause: each row builds a context, possibly cancels parts of it, and states err() and
// cause(); a row's Scenario keeps its Cancellers alive so that only the row's own calls cancel.
class Scenario {
 public:
  const Cancellable& keep(Cancellable made) { return kept_.emplace_back(std::move(made)); }

 private:
  std::deque<Cancellable> kept_;
};

struct Expected {
  ErrorKind err;
  ErrorKind cause_kind;
  Error cause;  // when not empty, cause() must be this very Error
};

struct CauseCase {
  std::string name;
  std::function<std::pair<Context, Expected>(Scenario&)> run;
};

std::vector<CauseCase> cause_cases(const Error& first_cause, const Error& second_cause) {
  constexpr ErrorKind kSuccess = ErrorKind::kSuccess;
  constexpr ErrorKind kCancelled = ErrorKind::kCancelled;
  constexpr ErrorKind kDeadline = ErrorKind::kDeadlineExceeded;
  constexpr ErrorKind kOther = ErrorKind::kOther;
  const Context background = Context::background();
  return {
      {"Background",
       [=](Scenario&) {
         return std::pair{background, Expected{kSuccess, kSuccess, {}}};
       }},
      {"WithCancel",
       [=](Scenario& s) {
         const Cancellable& c = s.keep(child_of(background));
         c.cancel();
         return std::pair{c.context, Expected{kCancelled, kCancelled, {}}};
       }},
      {"WithCancelCause",
       [=](Scenario& s) {
         const Cancellable& c = s.keep(child_of(background));
         c.cancel(first_cause);
         return std::pair{c.context, Expected{kCancelled, kOther, first_cause}};
       }},
      {"WithCancelCause nil",
       [=](Scenario& s) {
         const Cancellable& c = s.keep(child_of(background));
         c.cancel(Error());
         return std::pair{c.context, Expected{kCancelled, kCancelled, {}}};
       }},
      {"WithCancelCause: parent cause before child",
       [=](Scenario& s) {
         const Cancellable& parent = s.keep(child_of(background));
         const Cancellable& child = s.keep(child_of(parent.context));
         parent.cancel(first_cause);
         child.cancel(second_cause);
         return std::pair{child.context, Expected{kCancelled, kOther, first_cause}};
       }},
      {"WithCancelCause: parent cause after child",
       [=](Scenario& s) {
         const Cancellable& parent = s.keep(child_of(background));
         const Cancellable& child = s.keep(child_of(parent.context));
         child.cancel(second_cause);
         parent.cancel(first_cause);
         return std::pair{child.context, Expected{kCancelled, kOther, second_cause}};
       }},
      {"WithCancelCause: inner cause with WithCancel",
       [=](Scenario& s) {
         const Cancellable& outer = s.keep(child_of(background));
         const Cancellable& inner = s.keep(child_of(outer.context));
         outer.cancel(first_cause);
         return std::pair{inner.context, Expected{kCancelled, kOther, first_cause}};
       }},
      {"WithCancelCause: inner cause with WithTimeout",
       [=](Scenario& s) {
         const Cancellable& outer = s.keep(child_of(background));
         const Cancellable& inner = s.keep(timed_child(outer.context, kFarDeadline));
         outer.cancel(first_cause);
         return std::pair{inner.context, Expected{kCancelled, kOther, first_cause}};
       }},
      {"WithTimeout",
       [=](Scenario& s) {
         const Cancellable& c = s.keep(timed_child(background, 0ns));
         return std::pair{c.context, Expected{kDeadline, kDeadline, {}}};
       }},
      {"WithTimeout canceled",
       [=](Scenario& s) {
         const Cancellable& c = s.keep(timed_child(background, kFarDeadline));
         c.cancel();
         return std::pair{c.context, Expected{kCancelled, kCancelled, {}}};
       }},
      {"WithTimeout fired, then the parent cancels with a cause",
       [=](Scenario& s) {
         const Cancellable& parent = s.keep(child_of(background));
         const Cancellable& c = s.keep(timed_child(parent.context, 0ns));
         static_cast<void>(c.context.wait_for(kPatience));
         parent.cancel(first_cause);
         return std::pair{c.context, Expected{kDeadline, kDeadline, {}}};
       }},
      {"WithTimeout of a parent cancelled with a cause",
       [=](Scenario& s) {
         const Cancellable& parent = s.keep(child_of(background));
         parent.cancel(first_cause);
         const Cancellable& c = s.keep(timed_child(parent.context, kFarDeadline));
         return std::pair{c.context, Expected{kCancelled, kOther, first_cause}};
       }},
      {"WithCancel of a parent past its deadline",
       [=](Scenario& s) {
         const Cancellable& parent = s.keep(timed_child(background, -1s));
         const Cancellable& c = s.keep(child_of(parent.context));
         return std::pair{c.context, Expected{kDeadline, kDeadline, {}}};
       }},
      {"WithoutCancel",
       [=](Scenario&) {
         return std::pair{cascade::without_cancel(background), Expected{kSuccess, kSuccess, {}}};
       }},
      {"WithoutCancel canceled",
       [=](Scenario& s) {
         const Cancellable& parent = s.keep(child_of(background));
         parent.cancel(first_cause);
         return std::pair{cascade::without_cancel(parent.context),
                          Expected{kSuccess, kSuccess, {}}};
       }},
      {"WithoutCancel timeout",
       [=](Scenario& s) {
         const Cancellable& parent = s.keep(timed_child(background, -1s));
         return std::pair{cascade::without_cancel(parent.context),
                          Expected{kSuccess, kSuccess, {}}};
       }},
      {"WithoutCancel, then WithCancel with a cause",
       [=](Scenario& s) {
         const Cancellable& parent = s.keep(child_of(background));
         parent.cancel(first_cause);
         const Cancellable& c = s.keep(child_of(cascade::without_cancel(parent.context)));
         c.cancel(second_cause);
         return std::pair{c.context, Expected{kCancelled, kOther, second_cause}};
       }},
  };
}

TEST(GoContextPort, Cause) {
  const Error first_cause = make_failure("first cause");
  const Error second_cause = make_failure("second cause");
  for (const CauseCase& row : cause_cases(first_cause, second_cause)) {
    SCOPED_TRACE(row.name);
    Scenario scenario;
    const auto [context, expected] = row.run(scenario);
    if (expected.err != ErrorKind::kSuccess) {
      ASSERT_TRUE(context.wait_for(kPatience));
    }
    EXPECT_EQ(kind_of(context.err()), expected.err);
    EXPECT_EQ(kind_of(context.cause()), expected.cause_kind);
    if (expected.cause) {
      EXPECT_EQ(context.cause(), expected.cause);
    }
  }
}

TEST(GoContextPort, SimultaneousCancels) {
  constexpr std::size_t kThreads = 4;
  constexpr std::size_t kRounds = 50;
  for (std::size_t round = 0; round < kRounds; ++round) {
    const ContextTree tree(Context::background(), 3, 4);  // 121 nodes
    std::vector<std::size_t> order(tree.size());
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::shuffle(order.begin(), order.end(), std::mt19937(static_cast<unsigned>(round)));
    std::vector<Error> causes(tree.size());
    for (Error& cause : causes) cause = make_failure("simultaneous cancel");

    run_on_threads(kThreads, [&](std::size_t thread) {
      for (std::size_t i = thread; i < order.size(); i += kThreads) {
        tree.canceller(order[i])(causes[order[i]]);
      }
    });

    ASSERT_EQ(tree.live_in_subtree(0), 0U) << "round " << round;
    for (std::size_t node = 0; node < tree.size(); ++node) {
      ASSERT_EQ(tree.context(node).child_count(), 0U) << "round " << round << " node " << node;
    }
    ASSERT_TRUE(tree.causes_follow_the_tree(causes)) << "round " << round;
  }
}

TEST(GoContextPort, InterlockedCancels) {
  Cancellable parent = root_child();
  Cancellable child = root_child();
  std::jthread watcher([&parent, &child] {
    parent.context.wait();
    child.cancel();
  });
  parent.cancel();
  EXPECT_TRUE(child.context.wait_for(kPatience));
}

TEST(GoContextPort, InterlockedCancelsThroughACallback) {
  Cancellable parent = root_child();
  Cancellable child = root_child();
  const CancelCallback forward = parent.context.on_cancel([&child] { child.cancel(); });
  parent.cancel();
  EXPECT_TRUE(child.context.cancelled());
}

// Go's testLayers: a chain of at least 30 random layers of with_cancel and with_timeout below
// background(). Every layer is cancellable, so layers[i] is the child of layers[i - 1].
std::vector<Cancellable> random_layers(std::mt19937& random, std::chrono::nanoseconds timeout) {
  constexpr std::size_t kMinLayers = 30;
  std::vector<Cancellable> layers;
  Context parent = Context::background();
  while (layers.size() < kMinLayers || random() % 10 != 0) {
    const bool with_timeout = random() % 2 == 0;
    layers.push_back(with_timeout ? timed_child(parent, timeout) : child_of(parent));
    parent = layers.back().context;
  }
  return layers;
}

// The index of the first layer made by with_timeout, or layers.size() if there is none.
std::size_t first_timed_layer(const std::vector<Cancellable>& layers) {
  const auto timed_layer = std::find_if(layers.begin(), layers.end(), [](const Cancellable& l) {
    return l.context.deadline().has_value();
  });
  return static_cast<std::size_t>(timed_layer - layers.begin());
}

// Success when layers below `first_cancelled` are live and the others cancelled with `kind`.
::testing::AssertionResult cancelled_from(const std::vector<Cancellable>& layers,
                                          std::size_t first_cancelled, ErrorKind kind) {
  for (std::size_t i = 0; i < layers.size(); ++i) {
    const Context& layer = layers[i].context;
    const ErrorKind expected = i < first_cancelled ? ErrorKind::kSuccess : kind;
    if (kind_of(layer.err()) != expected) {
      return ::testing::AssertionFailure()
             << "layer " << i << " of " << layers.size() << " reports " << kind_of(layer.err())
             << ", expected " << expected << " (first cancelled: " << first_cancelled << ')';
    }
  }
  return ::testing::AssertionSuccess();
}

TEST(GoContextPort, LayersCancel) {
  constexpr unsigned kSeeds = 20;
  for (unsigned seed = 1; seed <= kSeeds; ++seed) {
    std::mt19937 random(seed);
    const std::vector<Cancellable> layers = random_layers(random, kFarDeadline);
    ASSERT_TRUE(cancelled_from(layers, layers.size(), ErrorKind::kCancelled)) << "seed " << seed;
    const std::size_t target = random() % layers.size();
    layers[target].cancel();
    ASSERT_TRUE(cancelled_from(layers, target, ErrorKind::kCancelled)) << "seed " << seed;
  }
}

TEST(GoContextPort, LayersTimeout) {
  constexpr unsigned kSeeds = 5;
  for (unsigned seed = 1; seed <= kSeeds; ++seed) {
    std::mt19937 random(seed);
    const std::vector<Cancellable> layers = random_layers(random, kShortDeadline);
    const std::size_t first_timed = first_timed_layer(layers);
    ASSERT_LT(first_timed, layers.size()) << "seed " << seed << " made no timed layer";
    ASSERT_TRUE(layers.back().context.wait_for(kPatience)) << "seed " << seed;
    ASSERT_TRUE(layers[first_timed].context.wait_for(kPatience)) << "seed " << seed;
    ASSERT_TRUE(cancelled_from(layers, first_timed, ErrorKind::kDeadlineExceeded))
        << "seed " << seed;
  }
}

TEST(GoContextPort, WithCancelCanceledParent) {
  Cancellable parent = root_child();
  const Error cause = make_failure("parent cause");
  parent.cancel(cause);
  const Cancellable child = child_of(parent.context);
  EXPECT_TRUE(child.context.wait_for(0ns)) << "child of a cancelled parent is not cancelled";
  EXPECT_EQ(kind_of(child.context.err()), ErrorKind::kCancelled);
  EXPECT_TRUE(cancelled_with(child.context, cause));
}

TEST(GoContextPort, WithoutCancel) {
  Cancellable parent = root_child();
  const Context detached = cascade::without_cancel(parent.context);
  parent.cancel(make_failure("parent cause"));
  EXPECT_FALSE(detached.err());
  EXPECT_FALSE(detached.cause());
  EXPECT_FALSE(detached.deadline().has_value());
  EXPECT_FALSE(detached.wait_for(1ms));
}

// ---- afterfunc_test.go --------------------------------------------------------------------

TEST(GoContextPort, AfterFuncCalledAfterCancel) {
  Cancellable context = root_child();
  Event called;
  CancelCallback stop = context.context.on_cancel([&called] { called.set(); });
  EXPECT_FALSE(called.is_set()) << "called before the context was cancelled";
  context.cancel();
  EXPECT_TRUE(called.wait_for(kPatience));
  EXPECT_FALSE(stop.stop()) << "stop() after the function ran";
}

TEST(GoContextPort, AfterFuncCalledAfterTimeout) {
  const Cancellable context = timed_child(Context::background(), kShortDeadline);
  Event called;
  const CancelCallback stop = context.context.on_cancel([&called] { called.set(); });
  EXPECT_TRUE(called.wait_for(kPatience));
}

TEST(GoContextPort, AfterFuncCalledImmediately) {
  Cancellable context = root_child();
  context.cancel();
  Event called;
  CancelCallback stop = context.context.on_cancel([&called] { called.set(); });
  EXPECT_TRUE(called.is_set()) << "not called at once on a cancelled context";
  EXPECT_FALSE(stop.stop());
}

TEST(GoContextPort, AfterFuncNotCalledAfterStop) {
  Cancellable context = root_child();
  Event called;
  CancelCallback stop = context.context.on_cancel([&called] { called.set(); });
  EXPECT_TRUE(stop.stop()) << "stop() did not prevent the call";
  context.cancel();
  EXPECT_FALSE(called.wait_for(10ms));
  EXPECT_FALSE(stop.stop()) << "second stop() returned true";
}

}  // namespace
