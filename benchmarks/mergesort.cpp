// mergesort: sorts 2^22 ints from a fixed seed. Each node above 4,096 elements is a group that
// sorts its left half as a task and its right half inline, waits, then merges the halves; each
// node at or below it calls std::sort. The two arrays swap roles at each level, so nothing is
// copied back. The time counts copying the input into place and sorting it.
#include <oneapi/tbb/task_group.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <numeric>
#include <vector>

#include "arena.hpp"
#include "cascade/cascade.hpp"
#include "helpers.hpp"

namespace cascade_bench {
namespace {

constexpr std::size_t kSize = std::size_t{1} << 22;
constexpr std::size_t kCutoff = 4096;

const std::vector<int>& input() {
  static const std::vector<int> values = fixed_seed_ints(kSize);
  return values;
}

// One range to sort: `data` and `scratch` hold the same positions of the two arrays; the sorted
// result ends in `data` when into_data, else in `scratch`.
struct Range {
  int* data;
  int* scratch;
  std::size_t size;
  bool into_data;

  bool is_leaf() const { return size <= kCutoff; }
  // The halves are sorted into the other array, then merged back into this one.
  Range left() const { return {data, scratch, size / 2, !into_data}; }
  Range right() const { return {data + size / 2, scratch + size / 2, size - size / 2, !into_data}; }
};

void sort_leaf(const Range& range) {
  std::sort(range.data, range.data + range.size);
  if (!range.into_data) std::copy(range.data, range.data + range.size, range.scratch);
}

void merge_halves(const Range& range) {
  const int* from = range.into_data ? range.scratch : range.data;
  int* to = range.into_data ? range.data : range.scratch;
  const std::size_t half = range.size / 2;
  std::merge(from, from + half, from + half, from + range.size, to);
}

void sort_tbb(const Range& range) {
  if (range.is_leaf()) return sort_leaf(range);
  tbb::task_group group;
  group.run([left = range.left()] { sort_tbb(left); });
  sort_tbb(range.right());
  group.wait();
  merge_halves(range);
}

cascade::Error sort_cascade(const cascade::Context& context, const Range& range) {
  if (range.is_leaf()) {
    sort_leaf(range);
    return {};
  }
  cascade::Group group(context);
  group.go([left = range.left()](const cascade::Context& task_context) {
    return sort_cascade(task_context, left);
  });
  cascade::Error right_failure = sort_cascade(context, range.right());
  if (cascade::Error failure = group.wait()) return failure;
  if (right_failure) return right_failure;
  merge_halves(range);
  return {};
}

bool sorted_permutation_of_input(const std::vector<int>& data) {
  const auto sum = [](const std::vector<int>& values) {
    return std::accumulate(values.begin(), values.end(), std::int64_t{0});
  };
  return std::is_sorted(data.begin(), data.end()) && sum(data) == sum(input());
}

// The arrays one run sorts in, allocated once so that iterations do not pay for page faults.
struct Arrays {
  std::vector<int> data = std::vector<int>(kSize);
  std::vector<int> scratch = std::vector<int>(kSize);
  bool checked = false;
};

// A variant: `sort(state, range)` sorts the whole range in place.
template <class Sort>
Prepare sorting_with(Sort sort) {
  return [sort](benchmark::State&) -> MeasuredIteration {
    input();  // generated before the first timed iteration
    auto arrays = std::make_shared<Arrays>();
    return [arrays, sort](benchmark::State& state) {
      const Clock::time_point start = Clock::now();
      std::copy(input().begin(), input().end(), arrays->data.begin());
      sort(state, Range{arrays->data.data(), arrays->scratch.data(), kSize, true});
      const std::chrono::nanoseconds elapsed = since(start);
      if (!arrays->checked && !sorted_permutation_of_input(arrays->data)) {
        state.SkipWithError("mergesort left the data unsorted");
      }
      arrays->checked = true;
      return elapsed;
    };
  };
}

const bool registered = register_prepared_pair(
    {.name = "mergesort", .counter = "ns_per_element", .items_per_iteration = kSize},
    sorting_with([](benchmark::State&, const Range& range) { sort_tbb(range); }),
    sorting_with([](benchmark::State& state, const Range& range) {
      skip_on_failure(state, sort_cascade(cascade::Context::background(), range));
    }));

}  // namespace
}  // namespace cascade_bench
