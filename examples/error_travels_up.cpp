// error_travels_up: a failure five levels down comes back from the root's wait(), the same Error.
//
// Five nested groups, each created inside a task of the group above it from that task's context
// (in Go: a goroutine that runs its own errgroup and returns g.Wait()). Every group has two
// tasks: the branch that goes one level deeper (at level 5, a leaf that fails) and a sibling
// branch, which here only records that it ran:
//
//   level 1 (root) ─┬─ level 2 ─┬─ ... ── level 5 ─┬─ leaf: fails
//                   └─ sibling  └─ sibling           └─ sibling
//
// Each group has a limit of one active task, so its sibling waits in the group's queue while the
// deeper branch runs: that keeps the story the same however many threads TBB has. The leaf's
// failure cancels the level-5 group, whose wait() returns it; the level-4 task returns that, which
// cancels level 4, and so on up to the root. Each cancelled group skips its queued sibling.
// What each level saw is recorded and printed after the root's wait(). Exits 0 when the root got
// the leaf's own Error and every sibling was skipped, else 1.

#include <cascade/cascade.hpp>

#include <iostream>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

constexpr int kLevels = 5;

// The leaf's failure: a typed exception, so the code at the root can read its details back.
class ShardError : public std::runtime_error {
 public:
  explicit ShardError(int shard)
      : std::runtime_error("checksum mismatch in shard " + std::to_string(shard)), shard_(shard) {}
  int shard() const noexcept { return shard_; }

 private:
  int shard_;
};

// What one group saw. Written by that level's own task, read after the root's wait().
struct LevelReport {
  cascade::Error returned;       // what its wait() returned
  cascade::Error context_cause;  // why its context ended
  bool sibling_ran = false;
};

// Everything the tree reports; levels[0] is the root group.
struct TreeReport {
  std::vector<LevelReport> levels = std::vector<LevelReport>(kLevels);
  cascade::Error leaf_failure;
};

// The leaf reports a failure Go-style, by returning it (throwing ShardError would do the same).
cascade::Error fail_leaf(TreeReport& report) {
  report.leaf_failure = cascade::Error::make(ShardError(17));
  return report.leaf_failure;
}

// Group `level` (1-based): the deeper branch first, then the sibling, one at a time. Returns what
// wait() said, which is how a failure below reaches the task (and so the group) above.
cascade::Error run_level(const cascade::Context& parent, int level, TreeReport& report) {
  LevelReport& mine = report.levels[static_cast<std::size_t>(level - 1)];
  cascade::Group group(parent);
  group.set_limit(1);
  group.go([level, &report](const cascade::Context& ctx) {
    if (level == kLevels) return fail_leaf(report);
    return run_level(ctx, level + 1, report);
  });
  group.go([&mine] { mine.sibling_ran = true; });
  mine.returned = group.wait();
  mine.context_cause = group.context().cause();
  return mine.returned;
}

const char* yes_no(bool answer) { return answer ? "yes" : "NO"; }

// Prints the way up, deepest level first; true when every level saw the leaf's own Error.
bool print_way_up(const TreeReport& report) {
  bool as_expected = true;
  for (int level = kLevels; level >= 1; --level) {
    const LevelReport& seen = report.levels[static_cast<std::size_t>(level - 1)];
    const bool same = seen.returned == report.leaf_failure;
    const bool cause = seen.context_cause == report.leaf_failure;
    as_expected = as_expected && same && cause && !seen.sibling_ran;
    std::cout << "  level " << level << ": wait() returned the leaf's Error: " << yes_no(same)
              << "; context cancelled by it: " << yes_no(cause)
              << "; sibling skipped: " << yes_no(!seen.sibling_ran) << '\n';
  }
  return as_expected;
}

// Prints what the root's wait() returned; true when it is the leaf's Error with its details.
bool print_root_result(const cascade::Error& result, const TreeReport& report) {
  const ShardError* shard_error = result.as<ShardError>();
  std::cout << "root wait() returned \"" << result.message()
            << "\", the leaf's own Error object: " << yes_no(result == report.leaf_failure) << '\n'
            << "  read back with as<ShardError>(): shard "
            << (shard_error != nullptr ? std::to_string(shard_error->shard()) : "none") << '\n';
  return result == report.leaf_failure && shard_error != nullptr;
}

}  // namespace

int main() {
  TreeReport report;
  const cascade::Error result = run_level(cascade::Context::background(), 1, report);

  std::cout << "leaf at level " << kLevels << " failed: \"" << report.leaf_failure.message()
            << "\"; on its way up:\n";
  const bool way_up_ok = print_way_up(report);
  const bool root_ok = print_root_result(result, report);
  std::cout << (way_up_ok && root_ok ? "the leaf's error reached the root unchanged\n"
                                     : "UNEXPECTED: the error did not travel up as described\n");
  return way_up_ok && root_ok ? 0 : 1;
}
