#include "stress/runner.hpp"

#include <chrono>
#include <optional>
#include <stdexcept>
#include <system_error>
#include <utility>

namespace cascade::stress {

void spin(std::uint32_t iterations) noexcept {
  volatile std::uint32_t sink = 0;
  for (std::uint32_t i = 0; i < iterations; ++i) sink = sink + 1;
}

AsyncCanceller::AsyncCanceller() : thread_([this] { serve(); }) {}

AsyncCanceller::~AsyncCanceller() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  changed_.notify_all();
  thread_.join();
}

void AsyncCanceller::cancel_later(std::shared_ptr<const Canceller> canceller, Error cause,
                                  std::uint32_t delay) {
  {
    std::lock_guard lock(mutex_);
    requests_.push_back(Request{std::move(canceller), std::move(cause), delay});
  }
  changed_.notify_all();
}

void AsyncCanceller::drain() {
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [this] { return requests_.empty() && !busy_; });
}

void AsyncCanceller::serve() {
  std::unique_lock lock(mutex_);
  for (;;) {
    changed_.wait(lock, [this] { return stopping_ || !requests_.empty(); });
    if (requests_.empty()) return;
    Request request = std::move(requests_.front());
    requests_.pop_front();
    busy_ = true;
    lock.unlock();
    spin(request.delay);
    (*request.canceller)(request.cause);
    request = Request{};  // drops the Canceller copy before drain() can return
    lock.lock();
    busy_ = false;
    changed_.notify_all();
  }
}

Environment::Environment() {
  (void)Context::background();  // made on first use and never destroyed: not a tree's node
  for (int threads = 1; threads <= kPools; ++threads)
    pools.push_back(std::make_unique<Pool>(threads));
}

namespace {

class Runner;

// A task's callable: runs the task's program, and counts its live copies (a leak check) and
// when the last one was destroyed (the destructors of a task's captures count as the task).
template <class Result>
class TaskCallable {
 public:
  TaskCallable(Runner& runner, const TaskProgram& task) noexcept;
  TaskCallable(const TaskCallable& other) noexcept : TaskCallable(*other.runner_, *other.task_) {}
  TaskCallable(TaskCallable&& other) noexcept : TaskCallable(*other.runner_, *other.task_) {}
  TaskCallable& operator=(const TaskCallable&) = delete;
  TaskCallable& operator=(TaskCallable&&) = delete;
  ~TaskCallable();
  Result operator()(const Context& context) const;

 private:
  Runner* runner_;
  const TaskProgram* task_;
};

// The state of one group while its ops run.
struct GroupRun {
  const GroupProgram& program;
  GroupRecord& record;
  Group& group;
  std::shared_ptr<const Canceller> canceller;  // of the derived parent, if any
  int waits = 0;
  bool quiet = true;  // no task submitted since the start or the last wait: none is active
};

class Runner {
 public:
  Runner(Recording& recording, Environment& environment)
      : recording_(recording), environment_(environment) {}

  Error run_group(const GroupProgram& program, const Context& task_context, int parent_group);
  Error run_task(const TaskProgram& task, const Context& context);

  void count_callable(int delta) noexcept { recording_.live_callables.fetch_add(delta); }
  void release_callable(const TaskProgram& task) noexcept;

 private:
  std::optional<std::pair<Context, Canceller>> derive(const GroupProgram& program,
                                                      const Context& task_context);
  void run_op(const Op& op, GroupRun& run);
  void submit(const Op& op, GroupRun& run);
  Error wait(GroupRun& run);
  Error produce(const TaskProgram& task, TaskRecord& record);

  GroupRecord& group_record(int index) {
    return recording_.groups[static_cast<std::size_t>(index)];
  }
  TaskRecord& task_record(int index) { return recording_.tasks[static_cast<std::size_t>(index)]; }
  std::uint64_t stamp() noexcept { return recording_.clock.stamp(); }

  Recording& recording_;
  Environment& environment_;
};

template <class Result>
TaskCallable<Result>::TaskCallable(Runner& runner, const TaskProgram& task) noexcept
    : runner_(&runner), task_(&task) {
  runner_->count_callable(1);
}

template <class Result>
TaskCallable<Result>::~TaskCallable() {
  runner_->release_callable(*task_);
}

template <>
Error TaskCallable<Error>::operator()(const Context& context) const {
  return runner_->run_task(*task_, context);
}

// For the return_error_code outcome: run_task records the failure, this returns it.
template <>
std::error_code TaskCallable<std::error_code>::operator()(const Context& context) const {
  (void)runner_->run_task(*task_, context);
  return std::error_code(task_->id + 1, stress_category());
}

template <class Callable>
bool submit_callable(Group& group, const Op& op, Callable callable) {
  const bool blocking = op.task.blocking;
  if (op.kind == OpKind::try_go)
    return blocking ? group.try_go_blocking(std::move(callable))
                    : group.try_go(std::move(callable));
  if (blocking)
    group.go_blocking(std::move(callable));
  else
    group.go(std::move(callable));
  return true;
}

void Runner::release_callable(const TaskProgram& task) noexcept {
  std::atomic<std::uint64_t>& released = task_record(task.id).released;
  const std::uint64_t now = stamp();
  std::uint64_t seen = released.load();
  while (seen < now && !released.compare_exchange_weak(seen, now)) {
  }
  count_callable(-1);
}

std::optional<std::pair<Context, Canceller>> Runner::derive(const GroupProgram& program,
                                                            const Context& task_context) {
  switch (program.parent) {
    case ParentKind::task_context:
      return std::nullopt;
    case ParentKind::with_cancel:
      return with_cancel(task_context);
    case ParentKind::with_timeout:
      return with_timeout(task_context, std::chrono::microseconds(program.timeout_us));
  }
  return std::nullopt;
}

Error Runner::run_group(const GroupProgram& program, const Context& task_context,
                        int parent_group) {
  GroupRecord& record = group_record(program.id);
  record.ran = true;
  record.parent_group = parent_group;
  record.parent_kind = program.parent;
  record.task_context = task_context;
  record.group_cancel_cause = Error::make(StressFailure(Source::group_cancel, program.id));
  record.parent_cancel_cause = Error::make(StressFailure(Source::parent_cancel, program.id));
  record.task_context_cancelled_before_derive = task_context.cancelled();
  std::shared_ptr<const Canceller> canceller;
  Context parent = task_context;
  if (auto derived = derive(program, task_context)) {
    record.derived = derived->first;
    record.derived_cancelled_after_creation = derived->first.cancelled();
    parent = derived->first;
    canceller = std::make_shared<const Canceller>(std::move(derived->second));
  }
  record.parent_cancelled_before_group = parent.cancelled();
  std::optional<Group> group;
  if (program.pool >= 0)
    group.emplace(parent, *environment_.pools[static_cast<std::size_t>(program.pool)]);
  else
    group.emplace(parent);
  record.context = group->context();
  record.context_cancelled_after_creation = record.context.cancelled();
  GroupRun run{program, record, *group, canceller};
  for (const Op& op : program.ops) run_op(op, run);
  Error result;
  if (program.ending == Ending::wait) result = wait(run);
  group.reset();
  record.destroyed = stamp();
  return result;
}

void Runner::run_op(const Op& op, GroupRun& run) {
  GroupRecord& record = run.record;
  switch (op.kind) {
    case OpKind::go:
    case OpKind::try_go:
      submit(op, run);
      break;
    case OpKind::set_limit:
      try {
        run.group.set_limit(op.limit);
        record.limit = op.limit;
      } catch (const std::logic_error&) {
        if (run.quiet) ++record.set_limit_refusals;  // refused with no task active: wrong
      }
      break;
    case OpKind::cancel_group:
      record.cancelled_group = true;
      run.group.cancel(record.group_cancel_cause);
      break;
    case OpKind::cancel_parent:
      if (!run.canceller) break;
      record.cancelled_parent = true;
      (*run.canceller)(record.parent_cancel_cause);
      break;
    case OpKind::cancel_parent_async:
      if (!run.canceller) break;
      record.cancelled_parent = true;
      environment_.canceller.cancel_later(run.canceller, record.parent_cancel_cause, op.delay);
      break;
    case OpKind::wait:
      (void)wait(run);
      break;
  }
}

void Runner::submit(const Op& op, GroupRun& run) {
  TaskRecord& task = task_record(op.task.id);
  task.group = run.program.id;
  task.wait_epoch = run.waits;
  task.limit_at_submission = run.record.limit;
  run.record.tasks.push_back(op.task.id);
  try {
    const bool submitted =
        op.task.outcome == Outcome::return_error_code
            ? submit_callable(run.group, op, TaskCallable<std::error_code>(*this, op.task))
            : submit_callable(run.group, op, TaskCallable<Error>(*this, op.task));
    task.submitted = submitted;
    task.refused = !submitted;
    if (submitted) run.quiet = false;
  } catch (const std::logic_error&) {
    task.go_threw_logic_error = true;
  }
}

Error Runner::wait(GroupRun& run) {
  Error result = run.group.wait();
  run.record.wait_returned.push_back(stamp());
  run.record.wait_results.push_back(result);
  ++run.waits;
  run.quiet = true;
  return result;
}

Error Runner::run_task(const TaskProgram& task, const Context& context) {
  TaskRecord& record = task_record(task.id);
  GroupRecord& group = group_record(record.group);
  record.runs.fetch_add(1);
  record.start = stamp();
  record.running_at_start = group.running.fetch_add(1) + 1;
  spin(task.spins);
  Error nested;
  if (task.nested) nested = run_group(*task.nested, context, record.group);
  group.running.fetch_sub(1);
  if (nested && task.outcome != Outcome::return_error_code) {
    record.returned = nested;
    record.end = stamp();
    return nested;
  }
  return produce(task, record);
}

Error Runner::produce(const TaskProgram& task, TaskRecord& record) {
  const Outcome outcome = task.outcome;
  if (outcome == Outcome::return_error)
    record.returned = Error::make(StressFailure(Source::task, task.id));
  record.threw = outcome == Outcome::throw_std || outcome == Outcome::throw_int ||
                 outcome == Outcome::throw_custom;
  record.end = stamp();
  switch (outcome) {
    case Outcome::throw_std:
      throw StressFailure(Source::task, task.id);
    case Outcome::throw_int:
      throw int{task.id};
    case Outcome::throw_custom:
      throw NonStdFailure{task.id};
    case Outcome::succeed:
    case Outcome::return_error:
    case Outcome::return_error_code:
      break;
  }
  return record.returned;
}

}  // namespace

void run_program(const GroupProgram& program, Recording& recording, Environment& environment) {
  Runner runner(recording, environment);
  recording.root_result = runner.run_group(program, Context::background(), -1);
  environment.canceller.drain();
}

}  // namespace cascade::stress
