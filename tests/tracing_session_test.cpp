// Tracing sessions (cascade/tracing.hpp): start_tracing and stop_tracing racing on two threads
// leave tracing on only with a session to write it.

#include <gtest/gtest.h>

#include <barrier>
#include <chrono>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <thread>

#include <unistd.h>

#include "cascade/cascade.hpp"
#include "cascade/tracing.hpp"

namespace {

using Clock = std::chrono::steady_clock;

// Before, the flag was set after the session began and cleared before it ended, outside the
// registry's lock: a start racing with a stop could leave tracing on with no session, every task
// then recording into buffers that no stop wrote (seen within some tens of rounds).
TEST(TracingSession, AStartRacingWithAStopLeavesTracingOnOnlyWithASession) {
  const std::filesystem::path file =  // one per process: CTest runs the thread counts in parallel
      std::filesystem::path(::testing::TempDir()) /
      ("cascade_tracing_session_test." + std::to_string(::getpid()) + ".json");
  const auto stop = Clock::now() + std::chrono::seconds(2);
  for (int round = 0; round < 2000 && Clock::now() < stop; ++round) {
    std::barrier both(2);
    std::thread starter([&] {
      both.arrive_and_wait();
      try {
        cascade::start_tracing(file.string());
      } catch (const std::logic_error&) {  // a session was still on: a correct refusal
      }
    });
    std::thread stopper([&] {
      both.arrive_and_wait();
      (void)cascade::stop_tracing();
    });
    starter.join();
    stopper.join();
    if (!cascade::tracing_on()) continue;
    std::filesystem::remove(file);
    (void)cascade::stop_tracing();
    ASSERT_TRUE(std::filesystem::exists(file))
        << "round " << round << ": tracing was on, but stop_tracing() had no session to write";
  }
  EXPECT_FALSE(cascade::tracing_on());
  std::filesystem::remove(file);
}

}  // namespace
