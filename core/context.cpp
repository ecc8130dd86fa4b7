// Context, CancelCallback, Canceller and the derived-context functions: thin handles over
// ContextNode (core/context_node.hpp).

#include "cascade/context.hpp"

#include "cascade/canceller.hpp"
#include "cascade/derived_contexts.hpp"
#include "cascade/live_context_nodes.hpp"
#include "core/block_memory.hpp"
#include "core/callback_runner.hpp"
#include "core/cancellation_wait.hpp"
#include "core/context_access.hpp"
#include "core/context_node.hpp"
#include "core/deadline_timer.hpp"
#include "pool/task_backend.hpp"

namespace cascade {
namespace detail {

void register_callback(ContextState* state, CallbackRecord& record) {
  static_cast<ContextNode*>(state)->add_callback(record);
}

}  // namespace detail

namespace {

using detail::Clock;
using detail::ContextAccess;
using detail::ContextNode;

// now + timeout, or nullopt when that is beyond what a time_point can hold (no deadline).
std::optional<Clock::time_point> deadline_after(std::chrono::nanoseconds timeout) {
  const Clock::time_point now = Clock::now();
  const auto room = Clock::time_point::max() - now;
  if (timeout >= room) return std::nullopt;
  return now + std::chrono::duration_cast<Clock::duration>(timeout);
}

std::pair<Context, Canceller> derive(const Context& parent,
                                     std::optional<Clock::time_point> deadline) {
  Context child = ContextAccess::adopt(new ContextNode(&ContextAccess::node(parent), deadline));
  ContextAccess::node(child).join_tree();
  Canceller canceller = ContextAccess::canceller_for(child);
  return {std::move(child), std::move(canceller)};
}

}  // namespace

std::size_t armed_deadlines() { return detail::DeadlineTimer::instance().armed(); }

std::size_t live_context_nodes() { return detail::NodeMemory::live_blocks(); }

Context Context::background() noexcept { return Context(Adopt{}, background_state()); }

detail::ContextState* Context::background_state() noexcept {
  static ContextNode* const root = new ContextNode(ContextNode::Uncancellable::immortal);
  return root;
}

Error Context::err() const { return ContextAccess::node(*this).err(); }

Error Context::cause() const { return ContextAccess::node(*this).cause(); }

std::optional<std::chrono::steady_clock::time_point> Context::deadline() const {
  return ContextAccess::node(*this).deadline();
}

void Context::wait() const { detail::wait_for_cancellation(*this); }

bool Context::wait_for(std::chrono::nanoseconds timeout) const {
  const std::optional<Clock::time_point> deadline = deadline_after(timeout);
  return wait_until(deadline.value_or(Clock::time_point::max()));
}

// A thread that runs no TBB task blocks with the time limit. A task is suspended, and the time
// limit is a child context with that deadline: the deadline timer resumes the task as a
// cancellation would.
bool Context::wait_until(std::chrono::steady_clock::time_point time) const {
  if (cancelled()) return true;
  if (time <= Clock::now()) return false;  // no time left: nothing to wait on
  if (time == Clock::time_point::max()) {  // no time limit: no deadline child either
    detail::wait_for_cancellation(*this);
    return true;
  }
  if (!pool::runs_tbb_task()) return detail::block_until_cancelled(*this, time);
  const auto [limited, cancel_limited] = with_deadline(*this, time);
  detail::wait_for_cancellation(limited);
  return cancelled();
}

std::stop_token Context::stop_token() const { return ContextAccess::node(*this).stop_token(); }

std::size_t Context::child_count() const { return ContextAccess::node(*this).child_count(); }

CancelCallback::CancelCallback(CancelCallback&& other) noexcept
    : context_(std::exchange(other.context_, nullptr)),
      record_(std::exchange(other.record_, nullptr)) {}

CancelCallback& CancelCallback::operator=(CancelCallback&& other) noexcept {
  if (this != &other) {
    reset();
    context_ = std::exchange(other.context_, nullptr);
    record_ = std::exchange(other.record_, nullptr);
  }
  return *this;
}

CancelCallback::~CancelCallback() { reset(); }

bool CancelCallback::stop() noexcept {
  if (record_ == nullptr) return false;
  static_cast<ContextNode*>(context_)->remove_callback(*record_);
  int expected = detail::CallbackRecord::kArmed;
  return record_->state.compare_exchange_strong(expected, detail::CallbackRecord::kStopped,
                                                std::memory_order_acq_rel);
}

void CancelCallback::reset() noexcept {
  if (record_ == nullptr) return;
  stop();
  if (!detail::is_running_on_this_thread(*record_)) {
    for (int state = record_->state.load(std::memory_order_acquire);
         state == detail::CallbackRecord::kRunning;
         state = record_->state.load(std::memory_order_acquire))
      record_->state.wait(state, std::memory_order_acquire);
  }
  detail::release(std::exchange(record_, nullptr));
  detail::release(std::exchange(context_, nullptr));
}

Canceller& Canceller::operator=(Canceller&& other) noexcept {
  if (this != &other) {
    (*this)();
    target_ = std::move(other.target_);
  }
  return *this;
}

void Canceller::operator()(Error cause) const {
  ContextAccess::node(target_).cancel(std::move(cause), detail::CancelKind::cancelled);
}

std::pair<Context, Canceller> with_cancel(Context parent) { return derive(parent, std::nullopt); }

std::pair<Context, Canceller> with_timeout(Context parent, std::chrono::nanoseconds timeout) {
  return derive(parent, deadline_after(timeout));
}

std::pair<Context, Canceller> with_deadline(Context parent, Clock::time_point deadline) {
  if (deadline == Clock::time_point::max()) return derive(parent, std::nullopt);
  return derive(parent, deadline);
}

Context without_cancel(Context) {  // cascade contexts carry no values, so nothing is inherited
  return ContextAccess::adopt(new ContextNode(ContextNode::Uncancellable::counted));
}

}  // namespace cascade
