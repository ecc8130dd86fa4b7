// The first example of docs/graphs.md: a task that runs after three others and receives their
// values. Prints "d: 22 two" and exits 0, or exits 1 on any other result.
#include <cascade/cascade.hpp>

#include <cstdio>
#include <string>

int main() {
  cascade::Group group;
  cascade::Task<int> a = group.spawn([] { return 20; });
  cascade::Task<void> b = group.spawn([] { std::puts("b done"); });
  cascade::Task<std::string> c = group.spawn([] { return std::string("two"); });
  cascade::Task<std::string> d =
      group.spawn([](int n, const std::string& word) { return std::to_string(n + 2) + " " + word; },
                  cascade::after(a, b, c));
  group.wait().throw_if_error();
  const std::string result = d.get();  // "22 two"
  std::printf("d: %s\n", result.c_str());
  return result == "22 two" ? 0 : 1;
}
