#include "cascade/detail/task_state.hpp"

#include <stdexcept>
#include <string>
#include <utility>

#include "cascade/canceller.hpp"
#include "cascade/context.hpp"
#include "cascade/derived_contexts.hpp"
#include "cascade/task.hpp"
#include "core/block_memory.hpp"
#include "core/fault_injection.hpp"

namespace cascade::detail {
namespace {

// Process-wide, so that a task's id needs no room in its group's node (which has none left).
std::atomic<std::uint64_t> next_task_id{1};

}  // namespace

// What Task::wait() sleeps on: a root context, cancelled when the task settles. Owned by the
// task's state, which outlives every waiter (each holds a handle) and the settling thread (the
// group holds a reference until settle() returned).
class TaskStateBase::WaitSignal final : public SettleWatcher {
 public:
  WaitSignal()
      : SettleWatcher([](SettleWatcher& self, TaskStateBase&) noexcept {
          static_cast<WaitSignal&>(self).wake();
        }),
        signal_(with_cancel(Context::background())) {}

  void wake() noexcept { signal_.second(); }
  void wait() const { signal_.first.wait(); }

 private:
  std::pair<Context, Canceller> signal_;
};

// In the fault-injection build every state comes from operator new, so that its allocation can
// fail there (core/fault_injection.hpp).
void* TaskStateBase::operator new(std::size_t bytes) {  // NOLINT(misc-new-delete-overloads)
  if (kFaultInjectionBuild || bytes > TaskStateMemory::kBlockSize) return ::operator new(bytes);
  return TaskStateMemory::allocate();
}

void TaskStateBase::operator delete(void* state, std::size_t bytes) noexcept {
  if (kFaultInjectionBuild || bytes > TaskStateMemory::kBlockSize)
    ::operator delete(state);
  else
    TaskStateMemory::free(state);
}

TaskStateBase::TaskStateBase(const std::type_info& result_type, std::string name)
    : result_type_(result_type),
      id_(next_task_id.fetch_add(1, std::memory_order_relaxed)),
      name_(std::move(name)) {}

TaskStateBase::~TaskStateBase() { delete wait_signal_.load(std::memory_order_acquire); }

std::string TaskStateBase::label() const {
  return name_.empty() ? "#" + std::to_string(id_) : "'" + name_ + "'";
}

void TaskStateBase::settle(TaskOutcome outcome, Error failure) noexcept {
  outcome_ = outcome;
  failure_ = std::move(failure);
  SettleWatcher* watcher = watchers_.exchange(closed(), std::memory_order_acq_rel);
  while (watcher != nullptr) {
    SettleWatcher* const next = watcher->next;  // notify() may free the watcher
    watcher->notify(*watcher, *this);
    watcher = next;
  }
}

bool TaskStateBase::watch(SettleWatcher& watcher) noexcept {
  SettleWatcher* head = watchers_.load(std::memory_order_acquire);
  do {
    if (head == closed()) return false;
    watcher.next = head;
  } while (!watchers_.compare_exchange_weak(head, &watcher, std::memory_order_release,
                                            std::memory_order_acquire));
  return true;
}

void TaskStateBase::wait() {
  if (ready()) return;
  wait_signal().wait();
}

void TaskAccess::refuse_empty_handle(const char* operation) {
  throw std::invalid_argument(std::string(operation) +
                              ": the Task handle is empty (moved from); pass the handle "
                              "Group::spawn returned, or a copy of it");
}

// The first waiter creates the signal and registers it; a racing waiter that loses the
// installation deletes its own and uses the winner's. When the task settled before the
// registration, the winner wakes the signal itself, so no waiter sleeps on a settled task.
TaskStateBase::WaitSignal& TaskStateBase::wait_signal() {
  if (WaitSignal* existing = wait_signal_.load(std::memory_order_acquire)) return *existing;
  auto* created = new WaitSignal();
  WaitSignal* expected = nullptr;
  if (!wait_signal_.compare_exchange_strong(expected, created, std::memory_order_acq_rel)) {
    delete created;
    return *expected;
  }
  if (!watch(*created)) created->wake();
  return *created;
}

}  // namespace cascade::detail
