#pragma once

#include <atomic>
#include <cstdint>

#include "cascade/error.hpp"

namespace cascade::detail {

// The recorder behind cascade/tracing.hpp. The library's hooks test on() first, one relaxed load:
// the only cost while tracing is off. Each record goes to the calling thread's buffer (under that
// buffer's own lock, which only stop_tracing() contends for).
class Trace {
 public:
  static bool on() noexcept { return enabled_.load(std::memory_order_relaxed); }
  // Nanoseconds on a steady clock, for the start of a span.
  static std::uint64_t now() noexcept;

  // What a traced task did.
  enum class Outcome : std::uint8_t { succeeded, failed, skipped };
  // A task that started at `start` and ends now; a skipped one is recorded as ending now, with no
  // length.
  [[gnu::noinline]] static void task(const void* group, const void* context, std::uint64_t start,
                                     Outcome outcome);
  [[gnu::noinline]] static void wait(const void* group, std::uint64_t start);
  // A context cancelled at `when` (read before the cancel was published, so that whatever observed
  // it records a later time); `cascaded`: because an ancestor was.
  [[gnu::noinline]] static void cancel(const void* context, std::uint64_t when, const Error& cause,
                                       bool cascaded);
  [[gnu::noinline]] static void context(const void* context, const void* parent);

 private:
  friend class TraceSession;
  static constinit inline std::atomic<bool> enabled_{false};
};

}  // namespace cascade::detail
