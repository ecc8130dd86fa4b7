#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <typeinfo>
#include <vector>

#include "cascade/detail/task_state.hpp"
#include "cascade/error.hpp"
#include "cascade/error_list.hpp"
#include "cascade/group_options.hpp"
#include "cascade/group_stats.hpp"
#include "cascade/task_outcome.hpp"

namespace cascade::detail {

// What a group records beyond its first failure, for the policies and options that need it: the
// task counts behind Group::stats(), every failure in completion order (collect_all,
// first_success, quorum), and the successes and the first successful task of first_success and
// quorum. Allocated only for such groups, so a plain group pays nothing.
//
// Thread-safety: every member may be called from any thread. Each count is an atomic, incremented
// with release ordering in the order submitted, then started or skipped, then the outcome; stats()
// reads them with acquire ordering in the reverse order. The failure list is under a mutex.
class TaskLedger {
 public:
  // What the group must do after a record: nothing, or cancel its context with a cause.
  enum class Verdict { none, enough_successes, successes_impossible };

  explicit TaskLedger(GroupPolicy policy) noexcept : policy_(policy) {}
  ~TaskLedger();
  TaskLedger(const TaskLedger&) = delete;
  TaskLedger& operator=(const TaskLedger&) = delete;

  void count_submitted() noexcept { submitted_.fetch_add(1, std::memory_order_release); }
  void count_started() noexcept { started_.fetch_add(1, std::memory_order_release); }
  // Records a finished task: `outcome` is succeeded, failed or cancelled, `failure` its Error,
  // `handle` its spawn() state or null (a reference is taken when it becomes the winner).
  Verdict record(TaskOutcome outcome, const Error& failure, TaskStateBase* handle) noexcept;
  // Records a task that never ran (skipped because the context was cancelled, or because a task
  // it depends on did not succeed): a task that did not succeed, judged as record() judges one.
  Verdict record_skip() noexcept;
  // Called by wait() before it waits: from then on a failure or skip that makes the required
  // successes impossible says so (before, more tasks may still be submitted). Returns the verdict
  // on the failures and skips recorded so far. The flag and those counts are sequentially
  // consistent, so a failure or skip racing with this call is judged by one side or the other.
  Verdict start_judging() noexcept;

  GroupStats stats() const noexcept;
  // wait()'s result for collect_all, first_success and quorum; `skip_cause` is returned when no
  // task failed, the required successes were not reached and some task was skipped (empty when
  // none was). When memory ran out recording failures, the ErrorList ends with that
  // std::bad_alloc. Throws std::bad_alloc when building the result runs out of memory.
  Error result(const Error& skip_cause) const;
  // Group::first_result's work (see there).
  TaskStateBase& first_result(const std::type_info& result_type) const;

 private:
  bool needs_successes() const noexcept { return policy_.required_successes() > 0; }
  bool collects_failures() const noexcept {
    return policy_.kind() != GroupPolicy::Kind::fail_fast &&
           policy_.kind() != GroupPolicy::Kind::supervise;
  }
  Verdict record_success(TaskStateBase* handle) noexcept;
  Verdict record_failure(TaskOutcome outcome, const Error& failure) noexcept;
  // The verdict on the tasks that did not succeed, once wait() has started (else none).
  Verdict judge_if_judging() const noexcept;
  Verdict judge_failures() const noexcept;
  Error not_reached_error() const;

  const GroupPolicy policy_;
  std::atomic<std::uint64_t> submitted_{0};
  std::atomic<std::uint64_t> started_{0};
  std::atomic<std::uint64_t> succeeded_{0};
  std::atomic<std::uint64_t> failed_{0};
  std::atomic<std::uint64_t> cancelled_{0};
  std::atomic<std::uint64_t> skipped_{0};
  // The first success: set once (release), by the record that counted it; `winner_` is its
  // handle (one reference held), or null when it was a go() task.
  std::atomic<bool> judging_{false};
  std::atomic<bool> has_winner_{false};
  std::atomic<TaskStateBase*> winner_{nullptr};
  mutable std::mutex failures_lock_;
  std::vector<ErrorList::Entry> failures_;  // guarded by failures_lock_
  // The std::bad_alloc of the first failure that failures_ had no room for (success while none);
  // guarded by failures_lock_. result() lists it last, in place of the failures it lost.
  Error unrecorded_;
};

}  // namespace cascade::detail
