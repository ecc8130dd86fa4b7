#pragma once

// Runs a program (program.hpp) against the real library and records what happened
// (recording.hpp).

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "cascade/cascade.hpp"
#include "stress/program.hpp"
#include "stress/recording.hpp"

namespace cascade::stress {

// Busy work that the compiler keeps.
void spin(std::uint32_t iterations) noexcept;

// Cancels contexts from a thread of its own, so that external cancels race go(), set_limit and
// try_go of the thread that runs a group's ops. Cancels run in the order they were handed over.
class AsyncCanceller {
 public:
  AsyncCanceller();
  AsyncCanceller(const AsyncCanceller&) = delete;
  AsyncCanceller& operator=(const AsyncCanceller&) = delete;
  ~AsyncCanceller();

  // Spins `delay` times on the canceller thread, then calls (*canceller)(cause).
  void cancel_later(std::shared_ptr<const Canceller> canceller, Error cause, std::uint32_t delay);
  // Returns once every cancel handed over has run and its Canceller copy is dropped.
  void drain();

 private:
  struct Request {
    std::shared_ptr<const Canceller> canceller;
    Error cause;
    std::uint32_t delay;
  };
  void serve();

  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<Request> requests_;
  bool busy_ = false;
  bool stopping_ = false;
  std::thread thread_;
};

// What every run shares: the pools groups may be bound to (of 1 and 2 threads) and the
// canceller thread.
struct Environment {
  Environment();
  std::vector<std::unique_ptr<Pool>> pools;
  AsyncCanceller canceller;
};

// Runs `program` on the calling thread, its root group made from Context::background(), and
// records everything in `recording` (made for this program's size). Returns once the root's
// wait() returned, its group is destroyed and the canceller thread is idle: then every record
// is complete.
void run_program(const GroupProgram& program, Recording& recording, Environment& environment);

}  // namespace cascade::stress
