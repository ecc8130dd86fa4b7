#pragma once

#include <chrono>

namespace cascade {
class Pool;
}

namespace cascade::testing {

#if defined(__SANITIZE_THREAD__)
#define CASCADE_TEST_SLOWDOWN 6
#elif defined(__SANITIZE_ADDRESS__)
#define CASCADE_TEST_SLOWDOWN 3
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define CASCADE_TEST_SLOWDOWN 6
#elif __has_feature(address_sanitizer)
#define CASCADE_TEST_SLOWDOWN 3
#endif
#endif
#if !defined(CASCADE_TEST_SLOWDOWN)
#define CASCADE_TEST_SLOWDOWN 1
#endif

// How long a test waits for something that takes microseconds when the library works (and may
// take much longer on a loaded machine), before it reports a failure instead of hanging: 10 s,
// times the sanitizer's slowdown (ThreadSanitizer runs a thousand suspended tasks about 6 times
// slower). Shared by every suite, so that helpers of both kinds can be used together.
inline constexpr std::chrono::seconds kPatience{10 * CASCADE_TEST_SLOWDOWN};

// The TBB thread count this test run was started with (CASCADE_TEST_THREADS, default 2).
int configured_threads();

// The pool the group suites bind their groups to (CASCADE_TEST_POOL=N: a Pool of N threads that
// lives for the whole run); null when the run has none.
Pool* harness_pool();

}  // namespace cascade::testing
