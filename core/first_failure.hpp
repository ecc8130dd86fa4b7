#pragma once

#include <atomic>
#include <cstdint>

#include "core/sync_policy.hpp"

namespace cascade::detail {

// The claim on a group's first-failure slot. The slot itself (an Error) lives next to the flag in
// the group, so that the flag's single byte fills padding. Of all the calls to record(), exactly
// one (the first to claim the flag) writes the slot; a reader that sees recorded() true sees that
// write, and so does a reader ordered after the winning record() returned (the group's completion
// counter provides that order for wait()). Written against a synchronisation policy
// (core/sync_policy.hpp), so the Relacy models (tests/relacy/) check this very code.
template <class Sync>
class FirstFailureFlag {
 public:
  // Claims the slot and, if this call is the first, calls write_slot() and publishes it. Returns
  // whether this call wrote the slot. Later calls return false without waiting for the first.
  template <class WriteSlot>
  bool record(WriteSlot&& write_slot) noexcept {
    std::uint8_t expected = kNoFailure;
    if (!state_.compare_exchange_strong(expected, kRecordingFailure, std::memory_order_acq_rel))
      return false;
    write_slot();
    state_.store(kFailureRecorded, std::memory_order_release);
    return true;
  }
  // True once the winning record() has written the slot (acquire: the slot may be read).
  bool recorded() const noexcept {
    return state_.load(std::memory_order_acquire) == kFailureRecorded;
  }

 private:
  enum State : std::uint8_t { kNoFailure, kRecordingFailure, kFailureRecorded };

  typename Sync::template atomic<std::uint8_t> state_{kNoFailure};
};

}  // namespace cascade::detail
