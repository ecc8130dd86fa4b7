// A planted data race that the ThreadSanitizer stage must report (CTest expects the report): two
// tasks of one group meet at a latch, so both surely run at once, then both increment an
// unguarded int. It proves that TSan sees through oneTBB's task hand-offs (the libtbb is
// instrumented) and that the stage fails on a real race; docs/reliability.md. TSan missed such a
// race in about 1 run of 5, so the race is played 20 times: TSan stops at the first report.

#include <iostream>
#include <latch>

#include "cascade/cascade.hpp"

namespace {

// Two tasks that increment `unguarded` a thousand times each, at once (volatile: every increment
// stays an access of its own).
void race_once(cascade::Pool& pool) {
  cascade::Group group(cascade::Context::background(), pool);
  std::latch both_running(2);
  volatile int unguarded = 0;
  for (int task = 0; task < 2; ++task) {
    group.go([&] {
      both_running.arrive_and_wait();
      for (int increment = 0; increment < 1000; ++increment) unguarded = unguarded + 1;
    });
  }
  group.wait().throw_if_error();
}

}  // namespace

int main() {
  constexpr int kRounds = 20;
  cascade::Pool pool(2);
  for (int round = 0; round < kRounds; ++round) race_once(pool);
  std::cout << "data_race canary: " << kRounds << " rounds ran, and no race was reported\n";
}
