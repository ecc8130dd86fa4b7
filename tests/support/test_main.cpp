// The main() of every test executable: runs the tests inside a task_arena of CASCADE_TEST_THREADS
// threads (default 2), with the process-wide worker limit raised to match, so CTest can run each
// suite at 1, 2 and 4 threads, even on a 2-core machine. With CASCADE_TEST_POOL=N it also makes a
// cascade::Pool of N threads, to which the group suites bind their groups (test_group.hpp).

#include <gtest/gtest.h>

#include <cstdlib>
#include <iostream>
#include <optional>
#include <string>

#include <oneapi/tbb/global_control.h>
#include <oneapi/tbb/task_arena.h>

#include "cascade/pool.hpp"
#include "support/test_threads.hpp"

namespace cascade::testing {
namespace {

// A positive number from the environment variable `name`, or `fallback` when it is unset.
int positive_from_environment(const char* name, int fallback) {
  const char* text = std::getenv(name);
  if (text == nullptr || *text == '\0') return fallback;
  const int value = std::stoi(text);
  if (value < 1) throw std::invalid_argument(std::string(name) + " must be at least 1");
  return value;
}

Pool* the_harness_pool = nullptr;

}  // namespace

int configured_threads() { return positive_from_environment("CASCADE_TEST_THREADS", 2); }

Pool* harness_pool() { return the_harness_pool; }

}  // namespace cascade::testing

// A harness that cannot be set up ends the run through std::terminate, with the exception's
// message.
int main(int argc, char** argv) {  // NOLINT(bugprone-exception-escape)
  ::testing::InitGoogleTest(&argc, argv);
  const int threads = cascade::testing::configured_threads();
  tbb::global_control limit(tbb::global_control::max_allowed_parallelism,
                            static_cast<std::size_t>(threads));
  tbb::task_arena arena(threads);
  std::cout << "[cascade] oneTBB threads: " << threads << '\n';
  std::optional<cascade::Pool> pool;
  if (const int pool_threads = cascade::testing::positive_from_environment("CASCADE_TEST_POOL", 0);
      pool_threads > 0) {
    pool.emplace(pool_threads);
    cascade::testing::the_harness_pool = &*pool;
    std::cout << "[cascade] group suites bind their groups to a Pool of " << pool_threads
              << " threads\n";
  }
  int result = 1;
  arena.execute([&] { result = RUN_ALL_TESTS(); });
  return result;
}
