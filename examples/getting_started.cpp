// getting_started: the examples of docs/getting_started.md, compiled and checked: a first group,
// a first failure, and a nested group. Exits 1, naming the example, when one does not see the
// outcome the page describes.

#include <cascade/cascade.hpp>

#include <atomic>
#include <iostream>
#include <stdexcept>
#include <string>
#include <vector>

// A first group: sum 1..100 in ten tasks.
int sum_in_parallel() {
  std::vector<int> partial(10);  // one sum per task: no two tasks write the same element
  cascade::Group group;
  for (int t = 0; t < 10; ++t) {
    group.go([&partial, t] {
      for (int i = t * 10 + 1; i <= t * 10 + 10; ++i) partial[static_cast<std::size_t>(t)] += i;
    });
  }
  group.wait().throw_if_error();  // every task has finished: partial is complete
  int sum = 0;
  for (int value : partial) sum += value;
  return sum;  // 5050
}

// A first failure: the failing task cancels its siblings, and wait() returns its error.
cascade::Error check_all(const std::vector<std::string>& names) {
  cascade::Group group(cascade::Context::background());
  for (const std::string& name : names) {
    group.go([&name](const cascade::Context& ctx) {
      if (ctx.cancelled()) return;  // a sibling failed: nothing left to do
      if (name.empty()) throw std::invalid_argument("a name is empty");
    });
  }
  return group.wait();
}

// Nesting: each level runs a group of its own on its task's context; a failure at the bottom
// comes back up through every wait() as the same Error.
cascade::Error descend(const cascade::Context& ctx, int depth) {
  if (depth == 0) return cascade::Error::make(std::runtime_error("failed at the bottom"));
  cascade::Group group(ctx);  // a child of the caller's context
  group.go([depth](const cascade::Context& task_ctx) { return descend(task_ctx, depth - 1); });
  return group.wait();
}

int main() {
  bool ok = true;
  auto check = [&ok](bool passed, const char* example) {
    if (!passed)
      std::cerr << "getting_started: the example \"" << example
                << "\" did not behave as documented\n";
    ok = ok && passed;
  };
  check(sum_in_parallel() == 5050, "a first group");
  const cascade::Error failure = check_all({"ada", "", "grace"});
  std::cout << "check_all: " << failure.message() << '\n';
  check(failure.is<std::invalid_argument>(), "a first failure");
  const cascade::Error deep = descend(cascade::Context::background(), 5);
  std::cout << "descend: " << deep.message() << '\n';
  check(deep.message() == "failed at the bottom", "nesting");
  return ok ? 0 : 1;
}
