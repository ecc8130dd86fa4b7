#pragma once

#include <cstdint>
#include <optional>

namespace cascade {

// GroupPolicy says what a Group does with its tasks' failures and successes (docs/policies.md).
// A value type: copyable, comparable, usable from any thread.
// - fail_fast(): the first failure cancels the group's context (the rules of docs/semantics.md
//   for Group(parent)); wait() returns that failure.
// - supervise(): failures are recorded and reported by wait() (the first one), nothing is
//   cancelled (Group() without options).
// - collect_all(): nothing is cancelled; wait() returns an ErrorList holding every failure, in
//   completion order.
// - first_success(): the first task to succeed cancels the rest; wait() succeeds if any task
//   succeeded, else returns the collect_all error.
// - quorum(k): once k tasks succeeded the rest are cancelled and wait() succeeds; as soon as k
//   successes are impossible the rest are cancelled and wait() fails: with the collect_all error;
//   when no task failed, with that cancel's cause if it skipped a task, else with a
//   std::runtime_error saying how many tasks were submitted, succeeded and, in a task graph, were
//   skipped because a task they depend on did not succeed.
//   "Impossible" is judged once wait() has started, against the tasks submitted by then: before,
//   more tasks may still come. first_success() is quorum(1) with its own name in messages.
class GroupPolicy {
 public:
  // The five policies above.
  enum class Kind : std::uint8_t { fail_fast, supervise, collect_all, first_success, quorum };

  // The policy of each name, as described above.
  static constexpr GroupPolicy fail_fast() noexcept { return GroupPolicy(Kind::fail_fast, 0); }
  static constexpr GroupPolicy supervise() noexcept { return GroupPolicy(Kind::supervise, 0); }
  static constexpr GroupPolicy collect_all() noexcept { return GroupPolicy(Kind::collect_all, 0); }
  static constexpr GroupPolicy first_success() noexcept {
    return GroupPolicy(Kind::first_success, 1);
  }
  // Throws std::invalid_argument when k < 1 (the message names k's value).
  static GroupPolicy quorum(int k);

  // Which policy this is.
  constexpr Kind kind() const noexcept { return kind_; }
  // How many successes make the group succeed: k for quorum(k), 1 for first_success(), 0 for
  // the other policies (they count no successes).
  constexpr int required_successes() const noexcept { return required_successes_; }

  // The same kind and the same required_successes().
  friend constexpr bool operator==(GroupPolicy, GroupPolicy) noexcept = default;

 private:
  constexpr GroupPolicy(Kind kind, int required_successes) noexcept
      : kind_(kind), required_successes_(required_successes) {}

  Kind kind_;
  int required_successes_;
};

// The name of a policy as docs and messages spell it: "fail_fast", "quorum(3)", ...
const char* policy_name(GroupPolicy::Kind kind) noexcept;

// Options for Group's option-taking constructors, e.g. GroupOptions{.policy =
// GroupPolicy::quorum(3), .count_tasks = true}. An aggregate; a value.
struct GroupOptions {
  // Empty: the constructor's default, fail_fast() for a group with a parent context, supervise()
  // for one without (as Group(parent) and Group() have).
  std::optional<GroupPolicy> policy = std::nullopt;
  // Keep the counts Group::stats() reports (a few atomic increments per task). Groups with
  // collect_all, first_success or quorum count their tasks whatever this says.
  bool count_tasks = false;
};

}  // namespace cascade
