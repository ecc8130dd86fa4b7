// The main() of every test executable: runs the tests inside a task_arena of CASCADE_TEST_THREADS
// threads (default 2), with the process-wide worker limit raised to match, so CTest can run each
// suite at 1, 2 and 4 threads, even on a 2-core machine.

#include <gtest/gtest.h>

#include <cstdlib>
#include <iostream>
#include <string>

#include <oneapi/tbb/global_control.h>
#include <oneapi/tbb/task_arena.h>

#include "support/test_threads.hpp"

namespace cascade::testing {

int configured_threads() {
  const char* text = std::getenv("CASCADE_TEST_THREADS");
  if (text == nullptr || *text == '\0') return 2;
  const int threads = std::stoi(text);
  if (threads < 1) throw std::invalid_argument("CASCADE_TEST_THREADS must be at least 1");
  return threads;
}

}  // namespace cascade::testing

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  const int threads = cascade::testing::configured_threads();
  tbb::global_control limit(tbb::global_control::max_allowed_parallelism,
                            static_cast<std::size_t>(threads));
  tbb::task_arena arena(threads);
  std::cout << "[cascade] oneTBB threads: " << threads << '\n';
  int result = 1;
  arena.execute([&] { result = RUN_ALL_TESTS(); });
  return result;
}
