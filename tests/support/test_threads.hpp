#pragma once

namespace cascade::testing {

// The TBB thread count this test run was started with (CASCADE_TEST_THREADS, default 2).
int configured_threads();

}  // namespace cascade::testing
