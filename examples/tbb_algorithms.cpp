// tbb_algorithms: the examples of docs/tbb_interop.md, compiled and checked. A parallel_for under
// a task's context, cut short by a sibling's failure, and a parallel_for through a TbbContext.
// Exits 1, naming the example, when one does not see the outcome the page describes.

#include <cascade/cascade.hpp>
#include <cascade/tbb_interop.hpp>

#include <oneapi/tbb/parallel_for.h>

#include <cstddef>
#include <iostream>
#include <stdexcept>
#include <vector>

int f(int x) { return 2 * x; }

// One task maps `in` to `out` with parallel_for; with `sibling_fails`, another task fails first
// and the loop's cut shows as that failure.
cascade::Error map_in_parallel(const std::vector<int>& in, std::vector<int>& out,
                               bool sibling_fails) {
  const std::size_t n = in.size();
  cascade::Group group(cascade::Context::background());
  if (sibling_fails) group.go([] { throw std::runtime_error("sibling failed"); });
  group.go([&](const cascade::Context& ctx) {
    return cascade::run_tbb(ctx, [&](tbb::task_group_context& tc) {
      tbb::parallel_for(
          std::size_t{0}, n, [&](std::size_t i) { out[i] = f(in[i]); }, tc);
    });
  });
  return group.wait();
}

// Doubles every element of `v`, unless ctx is cancelled first.
cascade::Error double_under(const cascade::Context& ctx, std::vector<int>& v) {
  cascade::TbbContext tbb_context(ctx);  // follows ctx from now on; born cancelled if ctx is
  tbb::parallel_for(
      std::size_t{0}, v.size(), [&](std::size_t i) { v[i] *= 2; }, tbb_context.get());
  if (tbb_context.cancelled()) return ctx.cause();  // the cascade side was cancelled
  return {};
}

int main() {
  bool ok = true;
  auto check = [&ok](bool passed, const char* example) {
    if (!passed)
      std::cerr << "tbb_algorithms: the example \"" << example
                << "\" did not behave as documented\n";
    ok = ok && passed;
  };
  std::vector<int> in(10'000);
  for (std::size_t i = 0; i < in.size(); ++i) in[i] = static_cast<int>(i);
  std::vector<int> out(in.size());
  check(!map_in_parallel(in, out, false) && out[9'999] == 19'998, "the one-liner");
  check(map_in_parallel(in, out, true).message() == "sibling failed", "the one-liner, cut short");
  std::vector<int> v{5, 3, 9, 1};
  check(!double_under(cascade::Context::background(), v) && v == std::vector<int>{10, 6, 18, 2},
        "TbbContext");
  auto [cancelled, cancel] = cascade::with_cancel(cascade::Context::background());
  cancel();
  check(double_under(cancelled, v).is<cascade::Cancelled>(), "TbbContext, cancelled");
  return ok ? 0 : 1;
}
