#pragma once

namespace cascade {
class Pool;
}

namespace cascade::testing {

// The TBB thread count this test run was started with (CASCADE_TEST_THREADS, default 2).
int configured_threads();

// The pool the group suites bind their groups to (CASCADE_TEST_POOL=N: a Pool of N threads that
// lives for the whole run); null when the run has none.
Pool* harness_pool();

}  // namespace cascade::testing
