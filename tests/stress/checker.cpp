#include "stress/checker.hpp"

#include <chrono>
#include <sstream>
#include <thread>

namespace cascade::stress {
namespace {

std::string describe(const Error& error) { return error ? '"' + error.message() + '"' : "success"; }

bool has_text(const Error& error, const Cancelled& expected) {
  return error.is<Cancelled>() && error.message() == expected.what();
}
bool is_group_finished(const Error& error) {
  return has_text(error, Cancelled("group finished: wait() returned"));
}
bool is_destroyed_before_wait(const Error& error) {
  return has_text(error, Cancelled("group destroyed before wait()"));
}
// The cause a Canceller gives when called without one, or destroyed.
bool is_plain_cancel(const Error& error) { return has_text(error, Cancelled()); }

// The programs' ops by record index.
struct ProgramIndex {
  std::vector<const Op*> task_ops;
  std::vector<const GroupProgram*> groups;

  ProgramIndex(const GroupProgram& root, const Recording& recording)
      : task_ops(recording.tasks.size()), groups(recording.groups.size()) {
    add(root);
  }
  void add(const GroupProgram& group) {
    groups[static_cast<std::size_t>(group.id)] = &group;
    for (const Op& op : group.ops) {
      if (op.task.id < 0) continue;
      task_ops[static_cast<std::size_t>(op.task.id)] = &op;
      if (op.task.nested) add(*op.task.nested);
    }
  }
};

class Checker {
 public:
  Checker(const GroupProgram& program, const Recording& recording)
      : index_(program, recording), recording_(recording) {}

  std::vector<std::string> run() {
    for (std::size_t g = 0; g < recording_.groups.size(); ++g) {
      const GroupRecord& group = recording_.groups[g];
      if (!group.ran) continue;
      const int id = static_cast<int>(g);
      for (int task : group.tasks) check_task(task, group);
      check_results(id, group);
      check_group_context(id, group);
      check_derived_context(id, group);
    }
    const GroupRecord& root = recording_.groups.front();
    if (root.wait_results.empty() || !(root.wait_results.back() == recording_.root_result))
      report() << "root: run_program returned " << describe(recording_.root_result)
               << ", not the result of the root's last wait()";
    if (const int live = recording_.live_callables.load(); live != 0)
      report() << live << " task callables are still alive after the root's wait() returned";
    return std::move(problems_);
  }

 private:
  std::ostringstream& report() {
    out_ = std::ostringstream();
    pending_ = true;
    return out_;
  }
  void flush() {
    if (pending_) problems_.push_back(out_.str());
    pending_ = false;
  }

  const TaskRecord& task_record(int task) const {
    return recording_.tasks[static_cast<std::size_t>(task)];
  }
  const Op& task_op(int task) const { return *index_.task_ops[static_cast<std::size_t>(task)]; }

  // The task ran and produced a failure (returned or thrown).
  bool failed(int task) const {
    const TaskRecord& record = task_record(task);
    return record.runs.load() == 1 && (record.returned || record.threw ||
                                       task_op(task).task.outcome == Outcome::return_error_code);
  }
  // `error` is the failure task `task` produced: the Error it returned (identity), or one holding
  // the payload it threw.
  bool is_failure_of(const Error& error, int task) const {
    const TaskRecord& record = task_record(task);
    if (record.returned) return error == record.returned;
    return holds_thrown_payload(error, task_op(task).task.outcome, task);
  }
  bool is_failure_in(const Error& error, const GroupRecord& group, int last_epoch) const {
    for (int task : group.tasks)
      if (task_record(task).wait_epoch <= last_epoch && failed(task) && is_failure_of(error, task))
        return true;
    return false;
  }
  bool has_failure(const GroupRecord& group, int last_epoch) const {
    for (int task : group.tasks)
      if (task_record(task).wait_epoch <= last_epoch && failed(task)) return true;
    return false;
  }
  bool has_skip(const GroupRecord& group, int last_epoch) const {
    for (int task : group.tasks) {
      const TaskRecord& record = task_record(task);
      if (record.wait_epoch <= last_epoch && record.submitted && record.runs.load() == 0)
        return true;
    }
    return false;
  }

  // Ran exactly once or was skipped; never ran unsubmitted; limits; nothing after its wait().
  void check_task(int task, const GroupRecord& group) {
    const TaskRecord& record = task_record(task);
    const Op& op = task_op(task);
    const int runs = record.runs.load();
    const int limit = record.limit_at_submission;
    if (runs > 1) report() << "task " << task << " ran " << runs << " times";
    flush();
    if (!record.submitted && runs != 0)
      report() << "task " << task << " ran but was never submitted";
    flush();
    if (op.kind == OpKind::go && record.go_threw_logic_error != (limit == 0))
      report() << "task " << task << ": go() under limit " << limit
               << (record.go_threw_logic_error ? " threw std::logic_error" : " did not throw");
    flush();
    if (op.kind == OpKind::try_go && record.refused && limit < 0)
      report() << "task " << task << ": try_go() returned false with no limit";
    flush();
    if (op.kind == OpKind::try_go && record.submitted && limit == 0)
      report() << "task " << task << ": try_go() returned true under limit 0";
    flush();
    if (runs == 1 && limit > 0 && record.running_at_start > limit)
      report() << "task " << task << " started with " << record.running_at_start
               << " tasks of its group running, over the limit " << limit;
    flush();
    const bool waited = static_cast<std::size_t>(record.wait_epoch) < group.wait_returned.size();
    const std::uint64_t joined =
        waited ? group.wait_returned[static_cast<std::size_t>(record.wait_epoch)] : group.destroyed;
    const char* joiner = waited ? "wait()" : "~Group()";
    if (runs == 1 && record.end > joined)
      report() << "task " << task << " was still running after its group's " << joiner
               << " returned";
    flush();
    if (record.released.load() > joined)
      report() << "task " << task << ": a copy of its callable was destroyed after its group's "
               << joiner << " returned";
    flush();
  }

  // R1, R2: what each wait() returned.
  void check_results(int id, const GroupRecord& group) {
    const Error cause = group.context.cause();
    // The group's first failure is its context's cause, unless the context was cancelled before
    // (by the parent, whose cause may be the same library Error a task returned, or by cancel()).
    const bool cause_is_first_failure =
        is_failure_in(cause, group, static_cast<int>(group.wait_results.size())) &&
        !(parent_of(group).cancelled() && cause == parent_of(group).cause()) &&
        !(group.cancelled_group && cause == group.group_cancel_cause);
    for (std::size_t k = 0; k < group.wait_results.size(); ++k) {
      const int epoch = static_cast<int>(k);
      const Error& result = group.wait_results[k];
      const std::string where = "group " + std::to_string(id) + ", wait() #" + std::to_string(k);
      if (has_failure(group, epoch)) {
        if (!is_failure_in(result, group, epoch))
          report() << where << " returned " << describe(result)
                   << ", which is none of the failures of its tasks";
        else if (cause_is_first_failure && !(result == cause))
          report() << where << " returned the failure " << describe(result) << ", but the failure "
                   << describe(cause) << " was recorded first (it cancelled the group's context)";
        else if (k > 0 && is_failure_in(group.wait_results[k - 1], group, epoch - 1) &&
                 !(result == group.wait_results[k - 1]))
          report() << where << " returned " << describe(result) << ", not the failure "
                   << describe(group.wait_results[k - 1]) << " an earlier wait() returned";
      } else if (has_skip(group, epoch)) {
        if (!result || !(result == cause))
          report() << where << " returned " << describe(result)
                   << " although a task was skipped; expected the context's cause "
                   << describe(cause);
      } else if (result) {
        report() << where << " returned " << describe(result)
                 << " although every task ran and none failed";
      }
      flush();
      if (!result && has_skip(group, epoch))
        report() << where << " returned success although a submitted task never ran";
      flush();
    }
    if (group.set_limit_refusals > 0)
      report() << "group " << id << ": set_limit threw std::logic_error with no task active";
    flush();
  }

  // R3, R7, R13, R20: the group's context ends cancelled, with a cause that really happened.
  static const Context& parent_of(const GroupRecord& group) {
    return group.parent_kind == ParentKind::task_context ? group.task_context : group.derived;
  }

  void check_group_context(int id, const GroupRecord& group) {
    const Context& parent = parent_of(group);
    const Error cause = group.context.cause();
    const std::string where = "group " + std::to_string(id);
    if (!group.context.cancelled())
      report() << where << ": context not cancelled after the group ended";
    else if (group.parent_cancelled_before_group &&
             (!group.context_cancelled_after_creation || !(cause == parent.cause())))
      report() << where << ": made from a cancelled parent, but its context was not born "
               << "cancelled with the parent's cause " << describe(parent.cause()) << " (cause "
               << describe(cause) << ')';
    else if (!cause_happened(group, parent, cause))
      report() << where << ": context cancelled with " << describe(cause)
               << ", which is neither the parent's cause nor one of its own";
    else if (!group.wait_results.empty() && has_failure(group, 0) &&
             !is_failure_in(cause, group, 0) && !(parent.cancelled() && cause == parent.cause()) &&
             (is_group_finished(cause) || is_destroyed_before_wait(cause)))
      report() << where << ": a task failed before the first wait() returned, yet the context's "
               << "cause is " << describe(cause) << " (the failure did not cancel it)";
    flush();
  }

  bool cause_happened(const GroupRecord& group, const Context& parent, const Error& cause) const {
    if (parent.cancelled() && cause == parent.cause()) return true;
    if (group.cancelled_group && cause == group.group_cancel_cause) return true;
    if (is_failure_in(cause, group, static_cast<int>(group.wait_results.size()))) return true;
    if (is_group_finished(cause)) return !group.wait_results.empty();
    return is_destroyed_before_wait(cause) && group.wait_results.empty();
  }

  // R12, R13, R22: the with_cancel / with_timeout parent ends cancelled, with a cause that
  // really happened.
  void check_derived_context(int id, const GroupRecord& group) {
    if (group.parent_kind == ParentKind::task_context) return;
    const Error cause = group.derived.cause();
    const Context& task_context = group.task_context;
    const std::string where = "group " + std::to_string(id) + "'s parent context";
    const bool inherited = task_context.cancelled() && cause == task_context.cause();
    if (!group.derived.cancelled())
      report() << where << " is not cancelled after its Canceller was destroyed";
    else if (group.task_context_cancelled_before_derive &&
             (!group.derived_cancelled_after_creation || !inherited))
      report() << where << ": made from a cancelled context, but not born cancelled with its "
               << "cause " << describe(task_context.cause()) << " (cause " << describe(cause)
               << ')';
    else if (!inherited && !(group.cancelled_parent && cause == group.parent_cancel_cause) &&
             !is_plain_cancel(cause) &&
             !(group.parent_kind == ParentKind::with_timeout && cause.is<DeadlineExceeded>() &&
               cause == group.derived.err()))
      report() << where << " cancelled with " << describe(cause)
               << ", which is neither its parent's cause nor one of its own";
    flush();
  }

  ProgramIndex index_;
  const Recording& recording_;
  std::vector<std::string> problems_;
  std::ostringstream out_;
  bool pending_ = false;
};

}  // namespace

std::vector<std::string> check_recording(const GroupProgram& program, const Recording& recording) {
  return Checker(program, recording).run();
}

Residue residue() { return Residue{live_context_nodes(), armed_deadlines()}; }

std::vector<std::string> check_residue(const Residue& before, int patience_ms) {
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::milliseconds(patience_ms);
  Residue now = residue();
  while ((now.context_nodes != before.context_nodes || now.armed_deadlines != 0) &&
         std::chrono::steady_clock::now() < give_up) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
    now = residue();
  }
  std::vector<std::string> problems;
  if (now.context_nodes != before.context_nodes)
    problems.push_back(std::to_string(now.context_nodes) + " context nodes live after the tree, " +
                       std::to_string(before.context_nodes) + " before it (leak)");
  if (now.armed_deadlines != 0)
    problems.push_back(std::to_string(now.armed_deadlines) +
                       " deadlines still armed after every context of the tree was cancelled");
  return problems;
}

}  // namespace cascade::stress
