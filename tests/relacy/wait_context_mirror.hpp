#pragma once

// A mirror of the counting in oneTBB 2021.8's d1::wait_context (oneapi/tbb/detail/_task.h), which
// pool/tbb_task_backend.cpp's CompletionCounter uses: reserve() and release() are
// add_reference(+1 / -1), a sequentially consistent fetch_add (followed, when it reaches zero,
// by r1::notify_waiters, which uses the address only); continue_execution(), like
// CompletionCounter::idle() reading the count where it lies, is an acquire load.

#include <cstdint>

#include "relacy_sync.hpp"

namespace cascade::relacy {

class WaitContextMirror {
 public:
  void add() { count_.fetch_add(1, std::memory_order_seq_cst); }   // wait_context::reserve
  void done() { count_.fetch_sub(1, std::memory_order_seq_cst); }  // wait_context::release
  bool idle() const { return count_.load(std::memory_order_acquire) == 0; }  // count_of(): acquire

 private:
  Atomic<std::uint64_t> count_{0};
};

}  // namespace cascade::relacy
