// Tracing sessions (cascade/tracing.hpp): start_tracing and stop_tracing racing on two threads
// leave tracing on only with a session to write it.

#include <gtest/gtest.h>

#include <barrier>
#include <chrono>
#include <filesystem>
#include <latch>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>

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

// Cancels a context of its own when its thread destroys it: made before the thread's trace
// buffer, it is destroyed after the thread has let go of that buffer.
struct CancelsWhileItsThreadExits {
  static inline std::latch* buffer_let_go = nullptr;
  static inline std::latch* tracing_stopped = nullptr;
  std::pair<cascade::Context, cascade::Canceller> own =
      cascade::with_cancel(cascade::Context::background());

  CancelsWhileItsThreadExits() = default;
  CancelsWhileItsThreadExits(const CancelsWhileItsThreadExits&) = delete;
  CancelsWhileItsThreadExits& operator=(const CancelsWhileItsThreadExits&) = delete;
  ~CancelsWhileItsThreadExits() {
    buffer_let_go->count_down();
    tracing_stopped->wait();
    own.second();  // a cancel event, recorded while the thread exits
  }
};

// A stop_tracing() frees the buffers of exited threads; a thread that records once more while it
// exits (from a later thread_local destructor) must not write into its freed buffer: the event is
// dropped (AddressSanitizer saw the use after free).
TEST(TracingSession, AnEventRecordedWhileItsThreadExitsIsDropped) {
  const std::filesystem::path file =
      std::filesystem::path(::testing::TempDir()) /
      ("cascade_tracing_exit_test." + std::to_string(::getpid()) + ".json");
  std::latch tracing_started(1);
  std::latch buffer_let_go(1);
  std::latch tracing_stopped(1);  // and started again
  CancelsWhileItsThreadExits::buffer_let_go = &buffer_let_go;
  CancelsWhileItsThreadExits::tracing_stopped = &tracing_stopped;
  std::latch made(1);
  std::thread exiting([&made, &tracing_started] {
    thread_local CancelsWhileItsThreadExits cancels_at_exit;  // before the trace buffer
    (void)cancels_at_exit;
    made.count_down();
    tracing_started.wait();
    auto [context, cancel] = cascade::with_cancel(cascade::Context::background());
    cancel();  // records: the thread's buffer is made now
  });
  made.wait();  // made while tracing is off: no buffer yet
  cascade::start_tracing(file.string());
  tracing_started.count_down();
  buffer_let_go.wait();
  EXPECT_GT(cascade::stop_tracing(), 0u);  // frees the exiting thread's buffer
  cascade::start_tracing(file.string());   // on again, for the event recorded at exit
  tracing_stopped.count_down();
  exiting.join();
  (void)cascade::stop_tracing();
  std::filesystem::remove(file);
}

}  // namespace
