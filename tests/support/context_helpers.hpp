#pragma once

// Helpers shared by the error and context suites: a failure type, a one-shot event with a time
// limit, a classification of errors, contexts with their Cancellers as named members, a tree of
// cancellable contexts and a way to start several std::threads at the same moment.

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <latch>
#include <limits>
#include <mutex>
#include <ostream>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "cascade/cascade.hpp"
#include "support/test_threads.hpp"

namespace cascade::testing {

// A deadline short enough to keep the tests fast.
inline constexpr std::chrono::milliseconds kShortDeadline{20};
// A deadline no test outlives.
inline constexpr std::chrono::hours kFarDeadline{1};

// The failure the tests give as an explicit cause.
class TestFailure : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

inline Error make_failure(const std::string& text) { return Error::make(TestFailure(text)); }

// A one-shot signal: set() once from any thread, wait_for() from others with a time limit.
class Event {
 public:
  void set() {
    {
      std::lock_guard lock(mutex_);
      set_ = true;
    }
    changed_.notify_all();
  }

  // True if the event was set within `limit`.
  bool wait_for(std::chrono::nanoseconds limit) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, limit, [this] { return set_; });
  }

  bool is_set() const {
    std::lock_guard lock(mutex_);
    return set_;
  }

 private:
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  bool set_ = false;
};

// What an Error says about cancellation.
enum class ErrorKind { kSuccess, kCancelled, kDeadlineExceeded, kOther };

inline ErrorKind kind_of(const Error& error) {
  if (!error) return ErrorKind::kSuccess;
  if (error.is<DeadlineExceeded>()) return ErrorKind::kDeadlineExceeded;
  if (error.is<Cancelled>()) return ErrorKind::kCancelled;
  return ErrorKind::kOther;
}

inline std::ostream& operator<<(std::ostream& out, ErrorKind kind) {
  switch (kind) {
    case ErrorKind::kSuccess:
      return out << "success";
    case ErrorKind::kCancelled:
      return out << "Cancelled";
    case ErrorKind::kDeadlineExceeded:
      return out << "DeadlineExceeded";
    case ErrorKind::kOther:
      return out << "another failure";
  }
  return out << "unknown";
}

// Success when `context` is cancelled and its cause is `cause` itself (identity).
inline ::testing::AssertionResult cancelled_with(const Context& context, const Error& cause) {
  if (!context.cancelled()) return ::testing::AssertionFailure() << "the context is live";
  const Error actual = context.cause();
  if (actual != cause) {
    return ::testing::AssertionFailure()
           << "cause is \"" << actual.message() << "\", expected \"" << cause.message() << '"';
  }
  return ::testing::AssertionSuccess();
}

// Success when `context` is live: not cancelled, no err(), no cause().
inline ::testing::AssertionResult live(const Context& context) {
  if (context.cancelled()) return ::testing::AssertionFailure() << "the context is cancelled";
  if (context.err() || context.cause()) {
    return ::testing::AssertionFailure() << "a live context reports an error";
  }
  return ::testing::AssertionSuccess();
}

// A context and the Canceller that cancels it, as named members: unlike a structured binding, a
// lambda may capture them with every compiler (clang 14 refuses captured bindings).
struct Cancellable {
  Context context;
  Canceller cancel;
};

// Splits what with_cancel, with_timeout or with_deadline returned.
inline Cancellable cancellable(std::pair<Context, Canceller> made) {
  return Cancellable{std::move(made.first), std::move(made.second)};
}

// A with_cancel child of `parent`, and one of background().
inline Cancellable child_of(const Context& parent) { return cancellable(with_cancel(parent)); }
inline Cancellable root_child() { return child_of(Context::background()); }

// A with_timeout child of `parent`.
inline Cancellable timed_child(const Context& parent, std::chrono::nanoseconds timeout) {
  return cancellable(with_timeout(parent, timeout));
}

// A with_deadline child of `parent`.
inline Cancellable deadline_child(const Context& parent,
                                  std::chrono::steady_clock::time_point deadline) {
  return cancellable(with_deadline(parent, deadline));
}

// Success when `context` is cancelled, or becomes so within kPatience, by a deadline: err() and
// cause() are both DeadlineExceeded.
inline ::testing::AssertionResult fires_deadline_exceeded(const Context& context) {
  if (!context.wait_for(kPatience)) return ::testing::AssertionFailure() << "never cancelled";
  if (kind_of(context.err()) != ErrorKind::kDeadlineExceeded) {
    return ::testing::AssertionFailure() << "err() is " << kind_of(context.err());
  }
  if (kind_of(context.cause()) != ErrorKind::kDeadlineExceeded) {
    return ::testing::AssertionFailure() << "cause() is " << kind_of(context.cause());
  }
  return ::testing::AssertionSuccess();
}

// Starts a std::thread that calls canceller(cause).
inline std::jthread cancel_on_thread(const Canceller& canceller, Error cause = Error()) {
  return std::jthread([&canceller, cause = std::move(cause)] { canceller(cause); });
}

// A tree of with_cancel contexts below `root`: node 0 is the child of `root`, every other node is
// the child of parent(i); nodes are numbered level by level, so parent(i) < i.
class ContextTree {
 public:
  static constexpr std::size_t kNoParent = std::numeric_limits<std::size_t>::max();

  ContextTree(const Context& root, std::size_t fanout, std::size_t depth) : root_(root) {
    add(root, kNoParent);
    std::size_t level_begin = 0;
    for (std::size_t level = 0; level < depth; ++level) {
      const std::size_t level_end = nodes_.size();
      for (std::size_t parent = level_begin; parent < level_end; ++parent) {
        for (std::size_t i = 0; i < fanout; ++i) add(nodes_[parent].context, parent);
      }
      level_begin = level_end;
    }
  }

  std::size_t size() const noexcept { return nodes_.size(); }
  const Context& context(std::size_t node) const { return nodes_.at(node).context; }
  const Canceller& canceller(std::size_t node) const { return nodes_.at(node).canceller; }
  std::size_t parent(std::size_t node) const { return nodes_.at(node).parent; }

  // True when `node` is `top` or below it.
  bool in_subtree(std::size_t node, std::size_t top) const {
    for (; node != kNoParent; node = parent(node)) {
      if (node == top) return true;
    }
    return false;
  }

  // The number of nodes at or below `top` that are not cancelled.
  std::size_t live_in_subtree(std::size_t top) const {
    std::size_t live_nodes = 0;
    for (std::size_t node = top; node < size(); ++node) {
      if (in_subtree(node, top) && !context(node).cancelled()) ++live_nodes;
    }
    return live_nodes;
  }

  // True when every node's cause is its parent's cause (the root's, for node 0), or the cause its
  // own canceller was given, `own_causes[node]` (empty for the nodes whose canceller was not
  // called).
  bool causes_follow_the_tree(const std::vector<Error>& own_causes) const {
    for (std::size_t node = 0; node < size(); ++node) {
      const Error cause = context(node).cause();
      const bool own = own_causes.at(node) && cause == own_causes[node];
      const Context& parent_context = node == 0 ? root_ : context(parent(node));
      const bool inherited = cause == parent_context.cause();
      if (!own && !inherited) return false;
    }
    return true;
  }

 private:
  struct Node {
    Context context;
    Canceller canceller;
    std::size_t parent;
  };

  void add(Context parent_context, std::size_t parent) {
    auto [context, canceller] = with_cancel(std::move(parent_context));
    nodes_.push_back(Node{std::move(context), std::move(canceller), parent});
  }

  Context root_;
  std::vector<Node> nodes_;
};

// Runs body(i) for every i below `count`, each on its own std::thread, all released at the same
// moment; returns once every thread has finished.
template <class Body>
void run_on_threads(std::size_t count, Body body) {
  std::latch start(static_cast<std::ptrdiff_t>(count));
  std::vector<std::jthread> threads;
  threads.reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    threads.emplace_back([&start, &body, i] {
      start.arrive_and_wait();
      body(i);
    });
  }
}

}  // namespace cascade::testing
