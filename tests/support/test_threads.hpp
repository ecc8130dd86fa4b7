#pragma once

#include <chrono>

namespace cascade {
class Pool;
}

namespace cascade::testing {

// How long a test waits for something that takes microseconds when the library works (and may
// take much longer on a loaded machine), before it reports a failure instead of hanging. Shared
// by every suite, so that helpers of both kinds can be used together.
inline constexpr std::chrono::seconds kPatience{10};

// The TBB thread count this test run was started with (CASCADE_TEST_THREADS, default 2).
int configured_threads();

// The pool the group suites bind their groups to (CASCADE_TEST_POOL=N: a Pool of N threads that
// lives for the whole run); null when the run has none.
Pool* harness_pool();

}  // namespace cascade::testing
