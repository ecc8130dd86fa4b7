// Go's errgroup_test.go and ExampleGroup_parallel (golang.org/x/sync/errgroup), adapted to
// cascade: a zero Group is Group(), WithContext is Group(parent), nil is an empty Error, and
// goroutines that block on channels become tasks held by a gate the test opens.

#include <gtest/gtest.h>

#include <atomic>
#include <cstddef>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "cascade/cascade.hpp"
#include "support/group_helpers.hpp"

namespace {

using cascade::Cancelled;
using cascade::Context;
using cascade::Error;
using Group = cascade::testing::TestGroup;
using cascade::testing::describe;
using cascade::testing::is_same_error;
using cascade::testing::is_success;
using cascade::testing::task_failure;
using cascade::testing::TimedLatch;

// The errors each task of a case returns, in submission order, and the expected wait() result.
struct Case {
  std::vector<Error> errors;
  Error want;
};

// TestWithContext's and TestCancelCause's table.
std::vector<Case> doom_cases(const Error& doom) {
  return {
      {{}, Error()},
      {{Error()}, Error()},
      {{doom}, doom},
      {{doom, Error()}, doom},
  };
}

TEST(GoErrgroupPort, ZeroGroup) {
  const Error first = task_failure(1);
  const Error second = task_failure(2);
  const std::vector<std::vector<Error>> cases = {
      {}, {Error()}, {first}, {first, Error()}, {first, Error(), second},
  };
  for (std::size_t c = 0; c < cases.size(); ++c) {
    Group group;
    Error first_error;
    for (std::size_t i = 0; i < cases[c].size(); ++i) {
      const Error error = cases[c][i];
      group.go([error] { return error; });
      if (!first_error && error) first_error = error;
      EXPECT_TRUE(is_same_error(group.wait(), first_error)) << "case " << c << ", after Go " << i;
    }
  }
}

TEST(GoErrgroupPort, WithContext) {
  const Error doom = task_failure(666);
  for (const Case& test_case : doom_cases(doom)) {
    Group group(Context::background());
    for (const Error& error : test_case.errors) group.go([error] { return error; });
    EXPECT_TRUE(is_same_error(group.wait(), test_case.want));
    EXPECT_TRUE(group.context().cancelled()) << "the context must be done after wait()";
  }
}

TEST(GoErrgroupPort, TryGo) {
  constexpr int kLimit = 42;
  TimedLatch gate;
  std::atomic<int> ran{0};
  const auto held = [&] {
    gate.wait();
    ran.fetch_add(1);
  };
  Group group;
  group.set_limit(kLimit);
  for (int i = 0; i < kLimit; ++i) ASSERT_TRUE(group.try_go(held)) << "call " << i;
  EXPECT_FALSE(group.try_go(held)) << "TryGo succeeded at the limit";
  gate.count_down();
  EXPECT_TRUE(is_success(group.wait()));
  EXPECT_EQ(ran.load(), kLimit);

  EXPECT_TRUE(group.try_go(held)) << "TryGo failed after every task finished";
  EXPECT_TRUE(is_success(group.wait()));

  TimedLatch second_gate;
  const auto held_again = [&second_gate] { second_gate.wait(); };
  group.set_limit(1);
  EXPECT_TRUE(group.try_go(held_again));
  EXPECT_FALSE(group.try_go(held_again));
  second_gate.count_down();
  EXPECT_TRUE(is_success(group.wait()));

  group.set_limit(0);
  for (int i = 0; i < 1 << 10; ++i) EXPECT_FALSE(group.try_go(held)) << "call " << i;
  EXPECT_TRUE(is_success(group.wait()));
  EXPECT_EQ(ran.load(), kLimit + 1);
}

TEST(GoErrgroupPort, GoLimit) {
  constexpr int kLimit = 10;
  std::atomic<int> active{0};
  Group group;
  group.set_limit(kLimit);
  for (int i = 0; i <= 1 << 10; ++i) {
    group.go([&active]() -> Error {
      const int now = active.fetch_add(1) + 1;
      if (now > kLimit) {
        active.fetch_sub(1);
        return Error::make(std::runtime_error("saw " + std::to_string(now) + " active tasks"));
      }
      std::this_thread::yield();  // lets other tasks increment `active` meanwhile
      active.fetch_sub(1);
      return Error();
    });
  }
  EXPECT_TRUE(is_success(group.wait()));
}

TEST(GoErrgroupPort, CancelCause) {
  const Error doom = task_failure(666);
  for (const Case& test_case : doom_cases(doom)) {
    Group group(Context::background());
    for (const Error& error : test_case.errors) {
      EXPECT_TRUE(group.try_go([error] { return error; }));
    }
    EXPECT_TRUE(is_same_error(group.wait(), test_case.want));
    const Error cause = group.context().cause();
    if (test_case.want) {
      EXPECT_TRUE(is_same_error(cause, test_case.want));
    } else {
      EXPECT_TRUE(cause.is<Cancelled>()) << describe(cause);
    }
  }
}

// ExampleGroup_parallel: three fake searches run in parallel, each writes its result by index.
using Search = std::string (*)(const Context&, const std::string&);

std::string web_search(const Context&, const std::string& query) {
  return "web result for \"" + query + "\"";
}
std::string image_search(const Context&, const std::string& query) {
  return "image result for \"" + query + "\"";
}
std::string video_search(const Context&, const std::string& query) {
  return "video result for \"" + query + "\"";
}
std::string failing_search(const Context&, const std::string& query) {
  throw std::runtime_error("no results for \"" + query + "\"");
}

std::vector<std::string> search_all(const Context& context, const std::string& query,
                                    const std::vector<Search>& searches) {
  Group group(context);
  std::vector<std::string> results(searches.size());
  for (std::size_t i = 0; i < searches.size(); ++i) {
    group.go([&results, &query, search = searches[i], i](const Context& search_context) {
      results[i] = search(search_context, query);
    });
  }
  group.wait().throw_if_error();
  return results;
}

TEST(GoErrgroupPort, ParallelSearchExample) {
  const std::vector<std::string> want = {
      "web result for \"golang\"",
      "image result for \"golang\"",
      "video result for \"golang\"",
  };
  for (int run = 0; run < 20; ++run) {
    EXPECT_EQ(search_all(Context::background(), "golang", {web_search, image_search, video_search}),
              want)
        << "run " << run;
  }
  EXPECT_THROW(search_all(Context::background(), "golang", {web_search, failing_search}),
               std::runtime_error);
}

}  // namespace
