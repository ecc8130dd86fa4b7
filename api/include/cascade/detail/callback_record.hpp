#pragma once

#include <atomic>
#include <cstdint>
#include <utility>

namespace cascade::detail {

// Told when a record's run ends: the CancelCallback destroyed inside a TBB task while its callback
// runs on another stack, which waits suspended (core/cancellation_wait.hpp).
class RunWaiter {
 public:
  RunWaiter() = default;
  RunWaiter(const RunWaiter&) = delete;
  RunWaiter& operator=(const RunWaiter&) = delete;
  // Called once, by the thread that ran the record, after the state became kFinished.
  virtual void run_ended() noexcept = 0;

 protected:
  ~RunWaiter() = default;
};

// One registration made by Context::on_cancel. Shared by the CancelCallback handle and, while it
// is armed, by its context node's callback list; freed when both let go.
class CallbackRecord {
 public:
  enum State : int { kArmed, kRunning, kFinished, kStopped };

  CallbackRecord() = default;
  CallbackRecord(const CallbackRecord&) = delete;
  CallbackRecord& operator=(const CallbackRecord&) = delete;

  // Runs the user function once; the caller has moved the state from kArmed to kRunning.
  virtual void invoke() noexcept = 0;

  std::atomic<int> state{kArmed};
  // The waiter for the end of a run under way, or null. Whichever of the runner and the waiter
  // exchanges it back to null first owns the call of run_ended(): the runner makes it, or the
  // waiter, having taken it back, knows it never comes. Sequentially consistent with `state`.
  std::atomic<RunWaiter*> run_waiter{nullptr};
  std::atomic<std::uint32_t> references{2};  // the handle and the node's list
  // Links of the node's callback list, guarded by that node's mutex.
  CallbackRecord* previous = nullptr;
  CallbackRecord* next = nullptr;
  bool listed = false;

 protected:
  virtual ~CallbackRecord() = default;

 private:
  friend void release(CallbackRecord* record) noexcept;
};

inline void release(CallbackRecord* record) noexcept {
  if (record->references.fetch_sub(1, std::memory_order_acq_rel) == 1) delete record;
}

template <class F>
class CallbackRecordFor final : public CallbackRecord {
 public:
  template <class G>
  explicit CallbackRecordFor(G&& f) : function_(std::forward<G>(f)) {}
  // A callback must not throw: like std::stop_callback, an escaping exception terminates.
  void invoke() noexcept override { function_(); }

 private:
  F function_;
};

}  // namespace cascade::detail
