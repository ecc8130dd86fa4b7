#pragma once

// Runs Relacy model checks and reports, per model, the search, the number of interleavings
// (iterations) explored and the time taken. A model's program returns non-zero when any check
// fails; Relacy then prints the failing interleaving's history.
//
// Usage: <model> [random-iterations]   (the random searches' iteration count; default below)

#include <chrono>
#include <cstdio>
#include <cstdlib>

#include "relacy_sync.hpp"

namespace cascade::relacy {

constexpr rl::iteration_t kDefaultRandomIterations = 200000;

class ModelRunner {
 public:
  ModelRunner(int argc, char** argv)
      : random_iterations_(argc > 1 ? std::strtoull(argv[1], nullptr, 10)
                                    : kDefaultRandomIterations) {}

  // Every interleaving (Relacy's full search): for models with few threads and steps.
  template <class Model>
  void exhaustive(const char* name) {
    rl::test_params params;
    params.search_type = rl::sched_full;
    run<Model>(name, "full search", params);
  }
  // Random schedules: for models whose full state space is too large.
  template <class Model>
  void random(const char* name) {
    rl::test_params params;
    params.search_type = rl::sched_random;
    params.iteration_count = random_iterations_;
    run<Model>(name, "random search", params);
  }
  int exit_code() const { return failures_ == 0 ? EXIT_SUCCESS : EXIT_FAILURE; }

 private:
  template <class Model>
  void run(const char* name, const char* search, rl::test_params& params) {
    const auto start = std::chrono::steady_clock::now();
    const bool passed = rl::simulate<Model>(params);
    const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - start);
    std::printf("relacy model %s: %s, %s, %llu interleavings explored, %lld ms\n", name,
                passed ? "passed" : "FAILED", search,
                static_cast<unsigned long long>(params.stop_iteration),
                static_cast<long long>(elapsed.count()));
    std::fflush(stdout);
    if (!passed) ++failures_;
  }

  rl::iteration_t random_iterations_;
  int failures_ = 0;
};

}  // namespace cascade::relacy
