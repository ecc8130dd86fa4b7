// nqueens_first: searches 12-queens for one solution. A task per placement in the first 3 rows,
// each level a nested group; from row 3 down each task searches serially, polling for
// cancellation at every square it tries. The first task to complete a board cancels the root
// group; the rest of the search is skipped or stops at its next poll. Counters: the time from the
// start to the first solution, and until the root's wait() returns.
#include <oneapi/tbb/task.h>
#include <oneapi/tbb/task_group.h>

#include <array>
#include <atomic>
#include <bit>
#include <cstdint>

#include "arena.hpp"
#include "cascade/cascade.hpp"
#include "helpers.hpp"

namespace cascade_bench {
namespace {

constexpr int kN = 12;
constexpr int kTaskRows = 3;
constexpr std::uint32_t kAllColumns = (1U << kN) - 1;

// The queens placed in the first `row` rows, with the columns and diagonals they attack.
struct Board {
  std::array<std::int8_t, kN> queens{};  // the column of the queen in each placed row
  int row = 0;
  std::uint32_t columns = 0;
  std::uint32_t diagonals = 0;       // towards higher columns, seen from the next row
  std::uint32_t anti_diagonals = 0;  // towards lower columns, seen from the next row

  bool complete() const { return row == kN; }
  std::uint32_t free_columns() const {
    return ~(columns | diagonals | anti_diagonals) & kAllColumns;
  }

  Board place(int column) const {
    const std::uint32_t queen = 1U << column;
    Board next = *this;
    next.queens[static_cast<std::size_t>(row)] = static_cast<std::int8_t>(column);
    next.row = row + 1;
    next.columns = columns | queen;
    next.diagonals = ((diagonals | queen) << 1) & kAllColumns;
    next.anti_diagonals = (anti_diagonals | queen) >> 1;
    return next;
  }
};

// Calls visit(next) for each board with one more queen that is not attacked.
template <class Visit>
void for_each_placement(const Board& board, const Visit& visit) {
  for (std::uint32_t free = board.free_columns(); free != 0; free &= free - 1) {
    visit(board.place(std::countr_zero(free)));
  }
}

bool valid_solution(const Board& board) {
  if (!board.complete()) return false;
  for (std::size_t first = 0; first < kN; ++first) {
    for (std::size_t second = first + 1; second < kN; ++second) {
      const int apart = board.queens[second] - board.queens[first];
      const auto rows_apart = static_cast<int>(second - first);
      if (apart == 0 || apart == rows_apart || apart == -rows_apart) return false;
    }
  }
  return true;
}

// What one search shares between its tasks.
struct Search {
  Clock::time_point start = Clock::now();
  std::atomic<bool> found{false};
  Board solution;                          // written by the first finder only
  std::chrono::nanoseconds to_solution{};  // likewise

  // Records `board` if it is the first solution; returns true if it was.
  bool first_to_find(const Board& board) {
    if (found.exchange(true, std::memory_order_acq_rel)) return false;
    to_solution = since(start);
    solution = board;
    return true;
  }
};

// Depth-first search below the task rows; returns the first complete board, or false once
// cancelled() says to stop.
template <class Cancelled>
bool solve_serially(const Board& board, Board& solution, const Cancelled& cancelled) {
  if (board.complete()) {
    solution = board;
    return true;
  }
  if (cancelled()) return false;
  for (std::uint32_t free = board.free_columns(); free != 0; free &= free - 1) {
    if (solve_serially(board.place(std::countr_zero(free)), solution, cancelled)) return true;
  }
  return false;
}

void explore_tbb(const Board& board, Search& search, tbb::task_group& root) {
  const auto cancelled = [context = tbb::task::current_context()] {  // fetched once per task
    return context->is_group_execution_cancelled();
  };
  if (cancelled()) return;
  if (board.row == kTaskRows) {
    Board solution;
    if (solve_serially(board, solution, cancelled) && search.first_to_find(solution)) root.cancel();
    return;
  }
  tbb::task_group group;
  for_each_placement(board, [&](const Board& next) {
    group.run([next, &search, &root] { explore_tbb(next, search, root); });
  });
  group.wait();  // "canceled" once the root is
}

// A nested group's wait() returns the cancellation once it skipped tasks; it travels up as the
// task's failure, and the root reports it (or any real failure) from its wait().
cascade::Error explore_cascade(const cascade::Context& context, const Board& board, Search& search,
                               cascade::Group& root) {
  const auto cancelled = [&context] { return context.cancelled(); };
  if (cancelled()) return {};
  if (board.row == kTaskRows) {
    Board solution;
    if (solve_serially(board, solution, cancelled) && search.first_to_find(solution)) root.cancel();
    return {};
  }
  cascade::Group group(context);
  for_each_placement(board, [&](const Board& next) {
    group.go([next, &search, &root](const cascade::Context& task_context) {
      return explore_cascade(task_context, next, search, root);
    });
  });
  return group.wait();
}

// Times one search (`run(search)` runs it, waits and returns the root's result), records the time
// to the first solution and checks the solution.
template <class Run>
std::chrono::nanoseconds measure(benchmark::State& state, const Run& run) {
  Search search;
  const cascade::Error result = run(search);
  const std::chrono::nanoseconds until_wait = since(search.start);
  if (!search.found.load() || !valid_solution(search.solution)) {
    state.SkipWithError("nqueens_first found no valid solution");
  }
  if (result && !result.is<cascade::Cancelled>()) skip_on_failure(state, result);
  add_per_iteration(state, "ns_first_solution", static_cast<double>(search.to_solution.count()));
  return until_wait;
}

std::chrono::nanoseconds nqueens_tbb(benchmark::State& state) {
  return measure(state, [](Search& search) {
    tbb::task_group root;
    root.run([&search, &root] { explore_tbb(Board{}, search, root); });
    root.wait();  // "canceled": the search stopped at the first solution
    return cascade::Error();
  });
}

std::chrono::nanoseconds nqueens_cascade(benchmark::State& state) {
  return measure(state, [](Search& search) {
    cascade::Group root(cascade::Context::background());
    root.go([&search, &root](const cascade::Context& context) {
      return explore_cascade(context, Board{}, search, root);
    });
    return root.wait();  // the cancellation, when it skipped tasks
  });
}

const bool registered = register_measured_pair(
    {.name = "nqueens_first", .counter = "ns_until_wait"}, nqueens_tbb, nqueens_cascade);

}  // namespace
}  // namespace cascade_bench
