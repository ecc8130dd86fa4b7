// memory: bytes per queued task and per live context node, as counters of "memory/<variant>"
// (1 thread, one iteration per repetition; its time is the probe's and means nothing). A fresh
// copy of this program (the probe) measures the growth of its resident set, from
// /proc/self/statm:
// - bytes_per_context: while 100,000 contexts are live (cascade: with_cancel children of one
//   root; oneTBB: task_group_contexts in one array, so that no allocator header counts, bound by
//   use inside a task of one root);
// - bytes_per_task: then, with those still live, while one group holds 1,000,000 queued empty
//   tasks (nothing runs them before wait() at 1 thread).
// The slots that hold the contexts are written before the first reading, so only the contexts
// count.
#include "memory.hpp"

#include <oneapi/tbb/task_arena.h>
#include <oneapi/tbb/task_group.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "arena.hpp"
#include "cascade/cascade.hpp"
#include "helpers.hpp"

namespace cascade_bench {
namespace {

constexpr std::string_view kProbeFlag = "--memory-probe=";
constexpr int kTasks = 1'000'000;
constexpr std::size_t kContexts = 100'000;
constexpr int kWarmUpTasks = 1'000;

struct Figures {
  double bytes_per_context = 0.0;
  double bytes_per_task = 0.0;
};

std::size_t resident_bytes() {
  std::ifstream statm("/proc/self/statm");
  std::size_t total_pages = 0;
  std::size_t resident_pages = 0;
  statm >> total_pages >> resident_pages;
  return resident_pages * static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
}

// The growth of the resident set since construction, per item of `count`.
class Growth {
 public:
  explicit Growth(double count) : count_(count), before_(resident_bytes()) {}
  double per_item() const {
    return (static_cast<double>(resident_bytes()) - static_cast<double>(before_)) / count_;
  }

 private:
  double count_;
  std::size_t before_;
};

Figures probe_tbb() {
  Figures figures;
  {  // the first group and context of the process, not measured
    tbb::task_group group;
    for (int task = 0; task < kWarmUpTasks; ++task) group.run([] {});
    group.wait();
  }
  tbb::task_group_context root;
  const Growth context_growth(kContexts);
  const auto contexts = std::make_unique<tbb::task_group_context[]>(kContexts);
  run_as_task_of(root, [&contexts] {
    for (std::size_t context = 0; context < kContexts; ++context)
      run_as_task_of(contexts[context], [] {});
  });
  figures.bytes_per_context = context_growth.per_item();
  tbb::task_group group;
  const Growth task_growth(kTasks);
  for (int task = 0; task < kTasks; ++task) group.run([] {});
  figures.bytes_per_task = task_growth.per_item();
  group.wait();
  return figures;
}

Figures probe_cascade() {
  Figures figures;
  {  // the first group and context of the process, not measured
    cascade::Group group(cascade::Context::background());
    for (int task = 0; task < kWarmUpTasks; ++task) group.go([] {});
    static_cast<void>(group.wait());
    static_cast<void>(cascade::with_cancel(cascade::Context::background()));
  }
  const auto [root, cancel_root] = cascade::with_cancel(cascade::Context::background());
  std::vector<std::pair<cascade::Context, cascade::Canceller>> contexts(kContexts);
  const Growth context_growth(kContexts);
  for (auto& context : contexts) context = cascade::with_cancel(root);
  figures.bytes_per_context = context_growth.per_item();
  cascade::Group group(cascade::Context::background());
  const Growth task_growth(kTasks);
  for (int task = 0; task < kTasks; ++task) group.go([] {});
  figures.bytes_per_task = task_growth.per_item();
  static_cast<void>(group.wait());
  return figures;
}

int run_probe(std::string_view variant) {
  if (variant != "tbb" && variant != "cascade") {
    std::fprintf(stderr, "unknown memory probe: %.*s\n", static_cast<int>(variant.size()),
                 variant.data());
    return 2;
  }
  Figures figures;
  tbb::task_arena(1).execute([&] { figures = variant == "tbb" ? probe_tbb() : probe_cascade(); });
  std::printf("%.2f %.2f\n", figures.bytes_per_context, figures.bytes_per_task);
  return 0;
}

// Runs the probe for `variant` in a fresh copy of this program.
std::optional<Figures> probe_in_fresh_process(std::string_view variant) {
  const std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe");
  std::string command = "'";  // quoted for the shell (a path with a quote in it fails)
  command.append(self.string()).append("' ").append(kProbeFlag).append(variant);
  FILE* output = popen(command.c_str(), "r");
  if (output == nullptr) return std::nullopt;
  Figures figures;
  const bool read =
      std::fscanf(output, "%lf %lf", &figures.bytes_per_context, &figures.bytes_per_task) == 2;
  const bool succeeded = pclose(output) == 0;
  if (!read || !succeeded) return std::nullopt;
  return figures;
}

Iteration measuring(std::string_view variant) {
  return [variant](benchmark::State& state) {
    const std::optional<Figures> figures = probe_in_fresh_process(variant);
    if (!figures) {
      state.SkipWithError("the memory probe failed");
      return;
    }
    add_per_iteration(state, "bytes_per_context", figures->bytes_per_context);
    add_per_iteration(state, "bytes_per_task", figures->bytes_per_task);
  };
}

const bool registered = register_pair({.name = "memory",
                                       .thread_counts = kSingleThread,
                                       .iterations = 1,
                                       .ratio_of = "bytes_per_task"},
                                      measuring("tbb"), measuring("cascade"));

}  // namespace

std::optional<int> run_memory_probe_if_asked(int argc, char** argv) {
  if (argc != 2) return std::nullopt;
  const std::string_view argument = argv[1];
  if (!argument.starts_with(kProbeFlag)) return std::nullopt;
  return run_probe(argument.substr(kProbeFlag.size()));
}

}  // namespace cascade_bench
