#include "core/task_ledger.hpp"

#include <exception>
#include <new>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace cascade::detail {
namespace {

std::string policy_text(GroupPolicy policy) {
  std::string text = policy_name(policy.kind());
  if (policy.kind() == GroupPolicy::Kind::quorum)
    text += "(" + std::to_string(policy.required_successes()) + ")";
  return text;
}

}  // namespace

TaskLedger::~TaskLedger() {
  if (TaskStateBase* winner = winner_.load(std::memory_order_acquire)) winner->release();
}

TaskLedger::Verdict TaskLedger::record(TaskOutcome outcome, const Error& failure,
                                       TaskStateBase* handle) noexcept {
  if (outcome == TaskOutcome::succeeded) return record_success(handle);
  return record_failure(outcome, failure);
}

TaskLedger::Verdict TaskLedger::record_success(TaskStateBase* handle) noexcept {
  const std::uint64_t earlier = succeeded_.fetch_add(1, std::memory_order_acq_rel);
  if (!needs_successes()) return Verdict::none;
  if (earlier == 0) {
    if (handle != nullptr) {
      handle->retain();
      winner_.store(handle, std::memory_order_release);
    }
    has_winner_.store(true, std::memory_order_release);
  }
  // Every success from the k-th on says so, not only the k-th: the task that counted the k-th may
  // not have cancelled the context yet when a later one settles its handle, and that handle's
  // dependents must find the context cancelled. A cancel after the first changes nothing.
  return earlier + 1 >= static_cast<std::uint64_t>(policy_.required_successes())
             ? Verdict::enough_successes
             : Verdict::none;
}

TaskLedger::Verdict TaskLedger::record_failure(TaskOutcome outcome, const Error& failure) noexcept {
  (outcome == TaskOutcome::cancelled ? cancelled_ : failed_).fetch_add(1);
  if (collects_failures()) {
    const std::lock_guard lock(failures_lock_);
    try {
      failures_.push_back({failure, outcome == TaskOutcome::cancelled});
    } catch (const std::bad_alloc&) {
      if (!unrecorded_) unrecorded_ = Error::from_exception(std::current_exception());
    }
  }
  return judge_if_judging();
}

TaskLedger::Verdict TaskLedger::record_skip() noexcept {
  skipped_.fetch_add(1);
  return judge_if_judging();
}

TaskLedger::Verdict TaskLedger::judge_if_judging() const noexcept {
  return judging_.load() ? judge_failures() : Verdict::none;
}

TaskLedger::Verdict TaskLedger::start_judging() noexcept {
  judging_.store(true);
  return judge_failures();
}

// The required successes are impossible once some task did not succeed and the tasks that may
// still succeed (those submitted so far, less those that did not succeed) are too few. (Too few
// submissions alone cancel nothing: wait() reports them at the end.) Only judged once wait() has
// started, so that a failure does not cancel a group that is still being filled; a task submitted
// after the verdict is skipped, since the verdict cancels the context.
TaskLedger::Verdict TaskLedger::judge_failures() const noexcept {
  if (!needs_successes()) return Verdict::none;
  const auto required = static_cast<std::uint64_t>(policy_.required_successes());
  const std::uint64_t unsuccessful = failed_.load() + cancelled_.load() + skipped_.load();
  const std::uint64_t submitted = submitted_.load();
  const bool impossible =
      unsuccessful > 0 && succeeded_.load() < required && submitted - unsuccessful < required;
  return impossible ? Verdict::successes_impossible : Verdict::none;
}

GroupStats TaskLedger::stats() const noexcept {
  GroupStats stats;
  stats.skipped = skipped_.load(std::memory_order_acquire);
  stats.succeeded = succeeded_.load(std::memory_order_acquire);
  stats.failed = failed_.load(std::memory_order_acquire);
  stats.cancelled = cancelled_.load(std::memory_order_acquire);
  const std::uint64_t started = started_.load(std::memory_order_acquire);
  stats.running = started - (stats.succeeded + stats.failed + stats.cancelled);
  stats.submitted = submitted_.load(std::memory_order_acquire);
  return stats;
}

Error TaskLedger::result(const Error& skip_cause) const {
  if (needs_successes() && succeeded_.load(std::memory_order_acquire) >=
                               static_cast<std::uint64_t>(policy_.required_successes()))
    return Error();
  {
    const std::lock_guard lock(failures_lock_);
    std::vector<ErrorList::Entry> entries = failures_;
    if (unrecorded_) entries.push_back({unrecorded_, false});
    if (!entries.empty()) return Error::make(ErrorList(std::move(entries)));
  }
  if (skip_cause) return skip_cause;
  if (needs_successes()) return not_reached_error();
  return Error();
}

// Without a failure, the successes fall short because too few tasks were submitted, or because
// some were skipped (a task they depend on did not succeed).
Error TaskLedger::not_reached_error() const {
  const auto required = static_cast<std::uint64_t>(policy_.required_successes());
  const std::uint64_t submitted = submitted_.load(std::memory_order_acquire);
  const std::string succeeded = std::to_string(succeeded_.load(std::memory_order_acquire));
  std::string text = "cascade::Group::wait: " + policy_text(policy_) + " needs " +
                     std::to_string(required) + " successful task(s), but ";
  if (submitted < required)
    text += "only " + std::to_string(submitted) + " task(s) were submitted and " + succeeded +
            " succeeded";
  else
    text += "of the " + std::to_string(submitted) + " task(s) submitted " + succeeded +
            " succeeded and " + std::to_string(skipped_.load(std::memory_order_acquire)) +
            " were skipped";
  return Error::make(std::runtime_error(text));
}

TaskStateBase& TaskLedger::first_result(const std::type_info& result_type) const {
  const std::string operation = "cascade::Group::first_result: ";
  if (!needs_successes())
    throw std::logic_error(operation + "the group's policy is " + policy_text(policy_) +
                           "; only first_success and quorum groups have a first result");
  if (!has_winner_.load(std::memory_order_acquire))
    throw std::logic_error(operation + "no task of the group has succeeded (yet)");
  TaskStateBase* winner = winner_.load(std::memory_order_acquire);
  if (winner == nullptr)
    throw std::logic_error(operation +
                           "the first task to succeed was submitted with go(), which keeps no "
                           "value; submit with spawn() to get one");
  if (winner->result_type() != result_type)
    throw std::logic_error(operation + "the first successful task returns a value of type " +
                           winner->result_type().name() + ", not " + result_type.name());
  winner->retain();
  return *winner;
}

}  // namespace cascade::detail
