// A planted data race that the ThreadSanitizer stage must report (CTest expects the report): two
// tasks of one group meet at a latch, so both surely run at once, then both increment a plain int.
// It proves that TSan sees through oneTBB's task hand-offs (the libtbb is instrumented) and that
// the stage fails on a real race; docs/reliability.md.

#include <latch>
#include <iostream>

#include "cascade/cascade.hpp"

int main() {
  cascade::Pool pool(2);
  cascade::Group group(cascade::Context::background(), pool);
  std::latch both_running(2);
  int unguarded = 0;
  for (int task = 0; task < 2; ++task) {
    group.go([&] {
      both_running.arrive_and_wait();
      ++unguarded;
    });
  }
  group.wait().throw_if_error();
  std::cout << "data_race canary: both tasks ran, unguarded = " << unguarded << '\n';
}
