#pragma once

#include <atomic>
#include <cstdint>
#include <utility>

namespace cascade::detail {

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
