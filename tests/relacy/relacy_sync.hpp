#pragma once

// RelacySync: the synchronisation policy (core/sync_policy.hpp) over Relacy's checked atomics and
// variables, so the library's own kernels run inside Relacy's model checker. Every access goes
// through Relacy (with this file's location as its debug info), so a race on a plain field, a
// missing happens-before, or a spin loop that never ends is reported with its history.
//
// CASCADE_RELACY_WEAK_RELEASE (a mutation, for the tests that show a model can fail): every
// release (and acq_rel) store and read-modify-write of the kernels becomes relaxed (acquire).

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <mutex>

#include <relacy/relacy.hpp>
// relacy.hpp redefines new and delete (to track allocations), std::memory_order's names (to pass
// its debug info) and assert and errno, for code written against its std emulation. The models
// use Relacy's own API and the library's headers, which must see the standard names: undo them.
// The models keep their objects in fixed storage and mark frees themselves.
#undef new
#undef delete
#undef assert
#undef errno
#undef memory_order_relaxed
#undef memory_order_consume
#undef memory_order_acquire
#undef memory_order_release
#undef memory_order_acq_rel
#undef memory_order_seq_cst

namespace cascade::relacy {

constexpr rl::memory_order to_relacy(std::memory_order order) noexcept {
#ifdef CASCADE_RELACY_WEAK_RELEASE
  if (order == std::memory_order_release) return rl::mo_relaxed;
  if (order == std::memory_order_acq_rel) return rl::mo_acquire;
#endif
  switch (order) {
    case std::memory_order_relaxed:
      return rl::mo_relaxed;
    case std::memory_order_consume:
      return rl::mo_consume;
    case std::memory_order_acquire:
      return rl::mo_acquire;
    case std::memory_order_release:
      return rl::mo_release;
    case std::memory_order_acq_rel:
      return rl::mo_acq_rel;
    case std::memory_order_seq_cst:
      return rl::mo_seq_cst;
  }
  return rl::mo_seq_cst;
}

// std::atomic's interface (the part the kernels use) over rl::atomic.
template <class T>
class Atomic {
 public:
  Atomic(T value = T()) : atomic_(value) {}  // NOLINT: mirrors std::atomic's converting constructor
  Atomic(const Atomic&) = delete;
  Atomic& operator=(const Atomic&) = delete;

  T load(std::memory_order order = std::memory_order_seq_cst) const {
    return atomic_.load(to_relacy(order), RL_INFO);
  }
  void store(T value, std::memory_order order = std::memory_order_seq_cst) {
    atomic_.store(value, to_relacy(order), RL_INFO);
  }
  T exchange(T value, std::memory_order order = std::memory_order_seq_cst) {
    return atomic_.exchange(value, to_relacy(order), RL_INFO);
  }
  bool compare_exchange_strong(T& expected, T desired,
                               std::memory_order order = std::memory_order_seq_cst) {
    return atomic_.compare_exchange_strong(expected, desired, to_relacy(order), RL_INFO);
  }
  T fetch_add(T delta, std::memory_order order = std::memory_order_seq_cst) {
    return atomic_.fetch_add(delta, to_relacy(order), RL_INFO);
  }
  T fetch_sub(T delta, std::memory_order order = std::memory_order_seq_cst) {
    return atomic_.fetch_sub(delta, to_relacy(order), RL_INFO);
  }

 private:
  rl::atomic<T> atomic_;
};

// A plain field whose every read and write Relacy checks for races.
template <class T>
class Var {
 public:
  Var(T value = T()) : var_(value) {}  // NOLINT: stands for a plain T
  Var(const Var&) = delete;
  Var& operator=(const Var&) = delete;

  operator T() const { return var_(RL_INFO).load(); }
  T operator->() const { return var_(RL_INFO).load(); }
  Var& operator=(T value) {
    var_(RL_INFO).store(value);
    return *this;
  }
  Var& operator++() {
    var_(RL_INFO).store(var_(RL_INFO).load() + 1);
    return *this;
  }
  Var& operator--() {
    var_(RL_INFO).store(var_(RL_INFO).load() - 1);
    return *this;
  }

 private:
  rl::var<T> var_;
};

struct RelacySync {
  template <class T>
  using atomic = Atomic<T>;
  template <class T>
  using var = Var<T>;
  // A spin loop tells Relacy it waits for another thread: the search then schedules others.
  static void back_off(int) { rl::yield(1, RL_INFO); }
};

}  // namespace cascade::relacy
