#pragma once

// Helpers shared by the Group suites: tagged failures, readable assertions on Error, a latch
// whose waits give up instead of hanging, and a high-water mark of active tasks.

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <mutex>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

#include "cascade/cascade.hpp"
#include "support/test_group.hpp"
#include "support/test_threads.hpp"

namespace cascade::testing {

// The exception tests throw (or wrap in an Error), tagged so a test can tell failures apart.
class TaskFailure : public std::runtime_error {
 public:
  explicit TaskFailure(int id)
      : std::runtime_error("task failure " + std::to_string(id)), id_(id) {}
  int id() const noexcept { return id_; }

 private:
  int id_;
};

inline Error task_failure(int id) { return Error::make(TaskFailure(id)); }

// The id of the TaskFailure held by `error`, or -1 when it holds something else or nothing.
inline int failure_id(const Error& error) {
  const auto* failure = error.as<TaskFailure>();
  return failure == nullptr ? -1 : failure->id();
}

inline std::string describe(const Error& error) { return error ? error.message() : "success"; }

inline bool mentions(const Error& error, std::string_view text) {
  return error && error.message().find(text) != std::string::npos;
}

// The what() of the E that `call` throws. Fails the test, and returns "", when it throws nothing
// or something else.
template <class E, class Call>
std::string what_of_thrown(const Call& call) {
  try {
    call();
  } catch (const E& thrown) {
    return thrown.what();
  } catch (...) {
    ADD_FAILURE() << "threw another exception than the one expected";
    return "";
  }
  ADD_FAILURE() << "threw nothing";
  return "";
}

inline ::testing::AssertionResult is_success(const Error& error) {
  if (!error) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "expected success, got \"" << error.message() << '"';
}

// Identity, as Error's operator== defines it: the very failure object, not an equal one.
inline ::testing::AssertionResult is_same_error(const Error& actual, const Error& expected) {
  if (actual == expected) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << "expected the Error \"" << describe(expected) << "\", got \"" << describe(actual)
         << "\"" << (actual ? " (another object)" : "");
}

inline ::testing::AssertionResult is_cancelled_because_of(const Context& context,
                                                          const Error& cause) {
  if (!context.cancelled()) return ::testing::AssertionFailure() << "the context is live";
  return is_same_error(context.cause(), cause);
}

// A cancellable child of background() with its Canceller (background() does not register
// children, so tests that count children or cancel a parent use one of these). A struct rather
// than with_cancel's pair: lambdas cannot capture structured bindings before clang 16.
struct CancellableParent {
  CancellableParent() : CancellableParent(with_cancel(Context::background())) {}
  explicit CancellableParent(std::pair<Context, Canceller> made)
      : context(std::move(made.first)), cancel(std::move(made.second)) {}

  Context context;
  Canceller cancel;
};

// True when a task may block on another task: one TBB thread stays free to run the other.
inline bool has_spare_thread() {
  const Pool* pool = harness_pool();
  return (pool != nullptr ? pool->threads() : configured_threads()) >= 2;
}

using Leaf = std::function<Error(const Context&)>;
using Visit = std::function<void(const Context&)>;

// A chain of nested groups, as tasks would write it: a Group under `context` whose only task
// visits its own context and then runs the next level, or `leaf` once `levels` more groups are
// open. Returns the outermost group's wait().
inline Error run_nested(const Context& context, int levels, const Leaf& leaf, const Visit& visit) {
  Group group(context);
  group.go([&](const Context& inner) {
    visit(inner);
    return levels == 0 ? leaf(inner) : run_nested(inner, levels - 1, leaf, visit);
  });
  return group.wait();
}

// A latch whose wait() gives up after kPatience, recording a test failure, so a bug in the code
// under test fails the test instead of hanging the suite.
class TimedLatch {
 public:
  explicit TimedLatch(std::ptrdiff_t count = 1) : count_(count) {}

  void count_down() {
    std::lock_guard lock(mutex_);
    if (count_ > 0 && --count_ == 0) released_.notify_all();
  }

  bool wait() {
    std::unique_lock lock(mutex_);
    if (released_.wait_for(lock, kPatience, [this] { return count_ == 0; })) return true;
    ADD_FAILURE() << "a latch was never released: the code under test hung";
    return false;
  }

 private:
  std::mutex mutex_;
  std::condition_variable released_;
  std::ptrdiff_t count_;
};

// The number of tasks active at once, and the highest number ever seen.
class ActivityGauge {
 public:
  // Marks one task active for its lifetime.
  class Scope {
   public:
    explicit Scope(ActivityGauge& gauge) : gauge_(gauge) { gauge_.enter(); }
    Scope(const Scope&) = delete;
    Scope& operator=(const Scope&) = delete;
    ~Scope() { gauge_.active_.fetch_sub(1); }

   private:
    ActivityGauge& gauge_;
  };

  int peak() const { return peak_.load(); }

 private:
  void enter() {
    const int now = active_.fetch_add(1) + 1;
    int seen = peak_.load();
    while (now > seen && !peak_.compare_exchange_weak(seen, now)) {
    }
  }

  std::atomic<int> active_{0};
  std::atomic<int> peak_{0};
};

// Submits, with `submit(group, task)`, a task that calls the group's own wait(), and checks that
// the wait is refused with std::logic_error (rule 16) and the group still completes.
template <class AnyGroup, class Submit>
void expect_wait_inside_own_task_refused(AnyGroup& group, const Submit& submit) {
  std::atomic<bool> refused{false};
  submit(group, [&group, &refused] {
    try {
      (void)group.wait();
    } catch (const std::logic_error&) {
      refused.store(true);
    }
  });
  EXPECT_TRUE(is_success(group.wait()));
  EXPECT_TRUE(refused.load());
}

}  // namespace cascade::testing
