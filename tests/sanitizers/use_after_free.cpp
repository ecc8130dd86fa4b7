// A planted use after free that the AddressSanitizer stage must report (CTest expects the report):
// a task reads a heap object that its submitter freed before wait(). It proves that the stage runs
// instrumented code inside pool threads and fails on a real memory error; docs/reliability.md.

#include <iostream>
#include <memory>

#include "cascade/cascade.hpp"

int main() {
  cascade::Group group;
  auto freed_early = std::make_unique<int>(42);
  int* const dangling = freed_early.get();
  freed_early.reset();
  int seen = 0;
  group.go([&] { seen = *dangling; });
  group.wait().throw_if_error();
  std::cout << "use_after_free canary: read " << seen << '\n';
}
