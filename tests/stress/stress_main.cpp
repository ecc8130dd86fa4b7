// cascade_stress: runs random trees of nested groups (program.hpp) until a time runs out and
// checks the invariants of checker.hpp after each one. Usage and replay: docs/stress.md.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <mutex>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <oneapi/tbb/global_control.h>
#include <oneapi/tbb/task_arena.h>

#include "stress/checker.hpp"
#include "stress/program.hpp"
#include "stress/runner.hpp"

namespace {

using namespace cascade::stress;
using Clock = std::chrono::steady_clock;

struct Options {
  std::uint64_t seed = 0;
  bool seed_given = false;
  double duration_s = 10;
  int threads = 2;
  long long trees = 0;  // 0: until the duration is over
  long long only_tree = -1;
  bool print = false;
  bool blocking_tasks = true;
  int tree_patience_s = 60;
};

const char* const kUsage =
    "usage: cascade_stress [--seed N] [--duration SECONDS] [--threads P] [--trees K]\n"
    "                      [--tree I] [--print] [--no-blocking] [--tree-patience SECONDS]\n"
    "  --seed N       the run's seed (default: from the clock; printed at start)\n"
    "  --duration S   run trees until S seconds have passed (default 10)\n"
    "  --threads P    oneTBB threads (task_arena and max_allowed_parallelism; default 2)\n"
    "  --trees K      stop after K trees (default: no limit)\n"
    "  --tree I       run only tree I of the seed (replays a reported failure)\n"
    "  --print        print each tree's program before running it\n"
    "  --no-blocking  no go_blocking or try_go_blocking tasks\n"
    "  --tree-patience S  a tree running longer than S seconds is reported as hung (default 60)\n";

long long number_argument(const std::string& flag, const char* text) {
  if (text == nullptr) throw std::invalid_argument(flag + " needs a value");
  std::size_t used = 0;
  const long long value = std::stoll(text, &used);
  if (used != std::string(text).size() || value < 0)
    throw std::invalid_argument(flag + ": '" + text + "' is not a non-negative number");
  return value;
}

Options parse(int argc, char** argv) {
  Options options;
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    const char* value = i + 1 < argc ? argv[i + 1] : nullptr;
    if (flag == "--print") {
      options.print = true;
      continue;
    }
    if (flag == "--no-blocking") {
      options.blocking_tasks = false;
      continue;
    }
    const long long number = number_argument(flag, value);
    ++i;
    if (flag == "--seed") {
      options.seed = static_cast<std::uint64_t>(number);
      options.seed_given = true;
    } else if (flag == "--duration") {
      options.duration_s = static_cast<double>(number);
    } else if (flag == "--threads") {
      options.threads = static_cast<int>(number);
    } else if (flag == "--trees") {
      options.trees = number;
    } else if (flag == "--tree") {
      options.only_tree = number;
    } else if (flag == "--tree-patience") {
      options.tree_patience_s = static_cast<int>(number);
    } else {
      throw std::invalid_argument("unknown option " + flag);
    }
  }
  if (options.threads < 1) throw std::invalid_argument("--threads must be at least 1");
  if (!options.seed_given)
    options.seed = static_cast<std::uint64_t>(Clock::now().time_since_epoch().count()) ^
                   (std::uint64_t{std::random_device{}()} << 32);
  return options;
}

// The generator state of tree `tree` of a run: a pure function of (seed, tree).
std::mt19937_64 tree_random(std::uint64_t seed, long long tree) {
  std::seed_seq sequence{static_cast<std::uint32_t>(seed), static_cast<std::uint32_t>(seed >> 32),
                         static_cast<std::uint32_t>(tree), static_cast<std::uint32_t>(tree >> 32)};
  return std::mt19937_64(sequence);
}

std::string replay_command(const Options& options, long long tree) {
  return "cascade_stress --seed " + std::to_string(options.seed) + " --tree " +
         std::to_string(tree) + " --threads " + std::to_string(options.threads) +
         (options.blocking_tasks ? "" : " --no-blocking");
}

// Reports a tree that runs longer than the patience, then aborts: a hang is a clear failure
// that names its seed, never a stuck run.
class HangWatch {
 public:
  HangWatch(const Options& options) : options_(options), thread_([this] { watch(); }) {}
  HangWatch(const HangWatch&) = delete;
  HangWatch& operator=(const HangWatch&) = delete;
  ~HangWatch() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    changed_.notify_all();
    thread_.join();
  }
  void started(long long tree) {
    std::lock_guard lock(mutex_);
    tree_ = tree;
    started_ = Clock::now();
  }

 private:
  void watch() {
    std::unique_lock lock(mutex_);
    while (!stopping_) {
      changed_.wait_for(lock, std::chrono::seconds(1));
      if (tree_ >= 0 && Clock::now() - started_ > std::chrono::seconds(options_.tree_patience_s)) {
        std::cerr << "stress: FAILED: seed " << options_.seed << " tree " << tree_ << " (threads "
                  << options_.threads << "): invariant 'no hang': the tree is still running after "
                  << options_.tree_patience_s << " s\nreplay: " << replay_command(options_, tree_)
                  << std::endl;
        std::abort();
      }
    }
  }

  const Options& options_;
  std::mutex mutex_;
  std::condition_variable changed_;
  bool stopping_ = false;
  long long tree_ = -1;
  Clock::time_point started_;
  std::thread thread_;
};

struct Totals {
  long long trees = 0;
  long long tasks_run = 0;
  long long tasks_skipped = 0;
  long long failures = 0;
};

void count(const Recording& recording, Totals& totals) {
  ++totals.trees;
  for (const TaskRecord& task : recording.tasks) {
    if (!task.submitted) continue;
    (task.runs.load() > 0 ? totals.tasks_run : totals.tasks_skipped) += 1;
    if (task.returned || task.threw) ++totals.failures;
  }
}

// Runs tree `tree` and returns the invariants it broke.
std::vector<std::string> run_tree(const Options& options, long long tree, Environment& environment,
                                  Totals& totals) {
  std::mt19937_64 random = tree_random(options.seed, tree);
  const GroupProgram program = random_program(random, options.blocking_tasks);
  if (options.print) std::cout << "tree " << tree << ":\n" << describe(program);
  const Residue before = residue();
  std::vector<std::string> problems;
  {
    Recording recording(size_of(program));
    run_program(program, recording, environment);
    problems = check_recording(program, recording);
    count(recording, totals);
  }
  for (std::string& leak : check_residue(before, 2000)) problems.push_back(std::move(leak));
  if (!problems.empty()) {
    std::cerr << "stress: FAILED: seed " << options.seed << " tree " << tree << " (threads "
              << options.threads << "): " << problems.size() << " invariant(s) broken:\n";
    for (const std::string& problem : problems) std::cerr << "  - " << problem << '\n';
    std::cerr << "program:\n"
              << describe(program) << "replay: " << replay_command(options, tree) << std::endl;
  }
  return problems;
}

int run(const Options& options) {
  std::cout << "stress: seed " << options.seed << ", threads " << options.threads << ", duration "
            << options.duration_s << " s" << std::endl;
  tbb::global_control limit(tbb::global_control::max_allowed_parallelism,
                            static_cast<std::size_t>(options.threads));
  tbb::task_arena arena(options.threads);
  Environment environment;
  HangWatch watch(options);
  Totals totals;
  const Clock::time_point start = Clock::now();
  const auto end = start + std::chrono::duration_cast<Clock::duration>(
                               std::chrono::duration<double>(options.duration_s));
  bool failed = false;
  arena.execute([&] {
    const long long first = options.only_tree >= 0 ? options.only_tree : 0;
    for (long long tree = first; !failed; ++tree) {
      if (options.only_tree >= 0 && tree > options.only_tree) break;
      if (options.trees > 0 && tree - first >= options.trees) break;
      if (options.only_tree < 0 && Clock::now() >= end) break;
      watch.started(tree);
      failed = !run_tree(options, tree, environment, totals).empty();
    }
  });
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  std::cout << "stress: seed " << options.seed << ", threads " << options.threads << ": "
            << totals.trees << " trees in " << seconds << " s ("
            << static_cast<double>(totals.trees) / seconds << " trees/s), " << totals.tasks_run
            << " tasks run, " << totals.tasks_skipped << " skipped, " << totals.failures
            << " failures" << (failed ? "; FAILED" : "; all invariants held") << std::endl;
  return failed ? 1 : 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  try {
    options = parse(argc, argv);
  } catch (const std::exception& error) {
    std::cerr << "cascade_stress: " << error.what() << '\n' << kUsage;
    return 2;
  }
  return run(options);
}
