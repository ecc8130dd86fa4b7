// cancellation_cascade: cancelling the root of a context tree stops every descendant.
//
// The tree is a root context with two branches: a side context with a one-hour timeout, and a
// chain of four nested groups, each created inside a task of the group above it, with a
// long-running leaf task at the bottom:
//
//   root ─┬─ side context (with_timeout, 1 hour)
//         └─ group 1 ── group 2 ── group 3 ── group 4 ── leaf task
//
// Once the leaf runs, an "operator" thread outside the task pool cancels the root with a cause.
// Every level hears it, before cancel returns: each group's on_cancel callback runs with the
// root's cause, the side context is cancelled long before its deadline, the leaf notices
// cancelled() between two slices of work and returns why it stopped, and each group's wait()
// returns that same cause. What each level saw is recorded and printed after everything joined,
// so the output is the same on every run. Exits 0 when every level saw the root's cause, else 1.

#include <cascade/cascade.hpp>

#include <chrono>
#include <functional>
#include <iostream>
#include <latch>
#include <stdexcept>
#include <thread>
#include <vector>

namespace {

constexpr int kGroupLevels = 4;

// What one group saw. Written by that group's own callback and task, read after the joins.
struct LevelReport {
  cascade::Error heard;     // the cause its on_cancel callback found on its context
  cascade::Error returned;  // what its wait() returned
};

// Everything the tree reports; levels[0] is group 1.
struct TreeReport {
  std::vector<LevelReport> levels = std::vector<LevelReport>(kGroupLevels);
  std::latch leaf_running{1};
  bool leaf_noticed = false;
};

// The leaf: a long computation that checks for cancellation between slices of work. A running
// task is never interrupted; it sees cancelled() (one atomic load) and stops. Like Go's
// `return ctx.Err()`, it returns why it stopped, so no wait() above it reports success.
cascade::Error run_leaf(const cascade::Context& ctx, TreeReport& report) {
  report.leaf_running.count_down();
  while (!ctx.cancelled()) std::this_thread::yield();  // a slice of real work would go here
  report.leaf_noticed = true;
  return ctx.cause();
}

// Group `level` (1-based): listens for cancellation on its context, then runs the next level,
// or the leaf, as its only task and returns what wait() said.
cascade::Error run_level(const cascade::Context& parent, int level, TreeReport& report) {
  LevelReport& mine = report.levels[static_cast<std::size_t>(level - 1)];
  cascade::Group group(parent);
  const cascade::Context& ctx = group.context();
  const cascade::CancelCallback listener =
      ctx.on_cancel([&mine, &ctx] { mine.heard = ctx.cause(); });
  group.go([level, &report](const cascade::Context& task_ctx) {
    if (level == kGroupLevels) return run_leaf(task_ctx, report);
    return run_level(task_ctx, level + 1, report);
  });
  mine.returned = group.wait();
  return mine.returned;
}

const char* yes_no(bool answer) { return answer ? "yes" : "NO"; }

// Prints what every descendant saw; true when all of them saw `cause` itself (the same Error).
bool print_report(const TreeReport& report, const cascade::Context& side,
                  const cascade::Error& cause) {
  bool all_saw_cause = side.cause() == cause && report.leaf_noticed;
  std::cout << "  side context (1 hour timeout): cancelled with the root's cause: "
            << yes_no(side.cause() == cause) << '\n';
  for (int level = 1; level <= kGroupLevels; ++level) {
    const LevelReport& seen = report.levels[static_cast<std::size_t>(level - 1)];
    all_saw_cause = all_saw_cause && seen.heard == cause && seen.returned == cause;
    std::cout << "  group " << level
              << ": on_cancel callback ran with the root's cause: " << yes_no(seen.heard == cause)
              << "; wait() returned it: " << yes_no(seen.returned == cause) << '\n';
  }
  std::cout << "  leaf task: saw cancelled() between two slices of work and returned: "
            << yes_no(report.leaf_noticed) << '\n';
  return all_saw_cause;
}

// The operator: not a compute task, so a plain thread, standing for someone outside the pool who
// decides to stop everything once the work is under way.
void stop_once_leaf_runs(TreeReport& report, const cascade::Canceller& cancel_root,
                         const cascade::Error& cause) {
  report.leaf_running.wait();
  cancel_root(cause);
}

}  // namespace

int main() {
  auto [root, cancel_root] = cascade::with_cancel(cascade::Context::background());
  auto [side, cancel_side] = cascade::with_timeout(root, std::chrono::hours(1));  // defer cancel
  const cascade::Error cause = cascade::Error::make(std::runtime_error("operator pressed stop"));
  TreeReport report;

  std::jthread operator_thread(stop_once_leaf_runs, std::ref(report), std::cref(cancel_root),
                               std::cref(cause));
  const cascade::Error result = run_level(root, 1, report);
  operator_thread.join();

  std::cout << "root cancelled with cause \"" << cause.message() << "\"; its descendants:\n";
  const bool all_saw_cause = print_report(report, side, cause) && result == cause;
  std::cout << (all_saw_cause ? "every descendant stopped with the root's cause\n"
                              : "UNEXPECTED: some level did not see the root's cause\n");
  return all_saw_cause ? 0 : 1;
}
