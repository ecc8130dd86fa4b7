#include "core/context_node.hpp"

#include "cascade/cancelled.hpp"
#include "core/callback_runner.hpp"
#include "core/deadline_timer.hpp"
#include "core/node_memory.hpp"

namespace cascade::detail {
namespace {

// Requests stop on the std::stop_source behind Context::stop_token().
class StopRequest final : public CallbackRecord {
 public:
  explicit StopRequest(std::stop_source source) : source_(std::move(source)) {
    references.store(1, std::memory_order_relaxed);  // only the node's list holds it
  }
  void invoke() noexcept override { source_.request_stop(); }

 private:
  std::stop_source source_;
};

// Forgets a node's deadline once the node is cancelled, so the timer lets go of it early.
class DeadlineDisarm final : public CallbackRecord {
 public:
  DeadlineDisarm() { references.store(1, std::memory_order_relaxed); }
  void invoke() noexcept override { DeadlineTimer::instance().disarm(key); }
  DeadlineTimer::Key key;
};

ContextNode* cancellable_or_null(ContextNode* parent) noexcept {
  if (parent == nullptr || !parent->can_be_cancelled()) return nullptr;
  retain(parent);
  return parent;
}

bool earlier(std::optional<Clock::time_point> own, std::optional<Clock::time_point> inherited) {
  return own && (!inherited || *own < *inherited);
}

}  // namespace

const Error& cancelled_error() {
  static const Error error = Error::make(Cancelled());
  return error;
}

const Error& deadline_exceeded_error() {
  static const Error error = Error::make(DeadlineExceeded());
  return error;
}

ContextNode::ContextNode(ContextNode* parent, std::optional<Clock::time_point> own_deadline,
                         bool cancellable)
    : ContextState(true),
      parent_(cancellable_or_null(parent)),
      cancellable_(cancellable),
      owns_deadline_(earlier(own_deadline, parent ? parent->deadline_ : std::nullopt)),
      deadline_(owns_deadline_ ? own_deadline : (parent ? parent->deadline_ : std::nullopt)) {}

ContextNode::ContextNode(ContextNode* parent) noexcept
    : ContextState(true),
      parent_(cancellable_or_null(parent)),
      cancellable_(true),
      owns_deadline_(false),
      deadline_(parent != nullptr ? parent->deadline_ : std::nullopt) {}

ContextNode::ContextNode(Immortal)
    : ContextState(false), parent_(nullptr), cancellable_(false), owns_deadline_(false) {}

void* ContextNode::operator new(std::size_t bytes) {
  if (bytes > NodeMemory::kBlockSize) throw std::bad_alloc();  // a node type outgrew the blocks
  return NodeMemory::allocate();
}

void ContextNode::operator delete(void* memory) noexcept { NodeMemory::free(memory); }

ContextNode::~ContextNode() {
  if (!left_parent_) leave_parent();
  for (CallbackRecord* record = first_callback_; record != nullptr;) {
    CallbackRecord* next = record->next;
    release(record);
    record = next;
  }
  if (parent_ != nullptr) release(parent_);
}

void ContextNode::link_into_parent() {
  if (parent_ == nullptr) return;
  std::lock_guard lock(parent_->lock_);
  if (parent_->is_cancelled()) {
    cause_ = parent_->cause_;  // born cancelled: nothing else can see this node yet
    kind_ = parent_->kind_;
    cancelled.store(true, std::memory_order_release);
    return;
  }
  next_sibling_ = parent_->first_child_;
  if (next_sibling_ != nullptr) next_sibling_->previous_sibling_ = this;
  parent_->first_child_ = this;
  ++parent_->child_count_;
  linked_ = true;
}

void ContextNode::arm_deadline() {
  if (is_cancelled()) return;
  if (*deadline_ <= Clock::now()) {
    cancel(Error(), CancelKind::deadline_exceeded);
    return;
  }
  auto* disarm = new DeadlineDisarm();
  try {
    disarm->key = DeadlineTimer::instance().arm(*deadline_, *this);
  } catch (...) {
    release(disarm);
    throw;
  }
  add_callback(*disarm);
}

bool ContextNode::cancel(Error cause, CancelKind kind) noexcept {
  if (!cause) return cancel_with_library_cause(kind == CancelKind::deadline_exceeded ? deadline_exceeded_error() : cancelled_error(), kind);
  return cancel_with(cause, false, kind);
}

bool ContextNode::cancel_with_library_cause(const Error& cause, CancelKind kind) noexcept {
  return cancel_with(cause, true, kind);
}

bool ContextNode::cancel_with(const Error& cause, bool immortal, CancelKind kind) noexcept {
  if (!cancellable_) return false;
  PendingCallbacks pending;
  lock_.lock();
  if (is_cancelled()) {
    lock_.unlock();  // whoever marked it held this lock until its subtree was marked
    return false;
  }
  mark_cancelled(cause, immortal, kind, pending);
  if (first_child_ != nullptr)
    cancel_descendants_and_unlock(pending);
  else
    lock_.unlock();
  leave_parent();
  left_parent_ = true;
  if (!pending.empty()) pending.run();
  return true;
}

void ContextNode::mark_cancelled(const Error& cause, bool immortal, CancelKind kind,
                                 PendingCallbacks& pending) noexcept {
  cause_.immortal = immortal ? &cause : nullptr;
  if (!immortal) cause_.owned = cause;
  kind_ = kind;
  for (CallbackRecord* record = first_callback_; record != nullptr; record = record->next)
    record->listed = false;
  pending.splice(first_callback_, last_callback_);
  first_callback_ = last_callback_ = nullptr;
  cancelled.store(true, std::memory_order_release);
}

// Depth-first over the subtree, with the locked nodes kept as an intrusive stack
// (cancel_path_below_), so a deep tree needs neither recursion nor allocation. Each node stays
// locked until all its children are marked; children are taken off the list as they are visited.
void ContextNode::cancel_descendants_and_unlock(PendingCallbacks& pending) noexcept {
  cancel_path_below_ = nullptr;
  ContextNode* top = this;
  while (top != nullptr) {
    ContextNode* child = top->take_first_child();
    if (child == nullptr) {
      ContextNode* below = top->cancel_path_below_;
      top->lock_.unlock();
      top = below;
      continue;
    }
    child->lock_.lock();
    if (child->is_cancelled()) {
      child->lock_.unlock();  // its own cancel marked its subtree while holding this lock
      continue;
    }
    child->mark_cancelled(cause_.get(), cause_.immortal != nullptr, kind_, pending);
    child->cancel_path_below_ = top;
    top = child;
  }
}

ContextNode* ContextNode::take_first_child() noexcept {
  ContextNode* child = first_child_;
  if (child != nullptr) unlink_child(*child);
  return child;
}

void ContextNode::unlink_child(ContextNode& child) noexcept {
  if (child.previous_sibling_ != nullptr)
    child.previous_sibling_->next_sibling_ = child.next_sibling_;
  else
    first_child_ = child.next_sibling_;
  if (child.next_sibling_ != nullptr) child.next_sibling_->previous_sibling_ = child.previous_sibling_;
  child.previous_sibling_ = child.next_sibling_ = nullptr;
  child.linked_ = false;
  --child_count_;
}

void ContextNode::leave_parent() noexcept {
  if (parent_ == nullptr) return;
  std::lock_guard lock(parent_->lock_);
  if (linked_) parent_->unlink_child(*this);
}

Error ContextNode::err() const {
  if (!is_cancelled()) return Error();
  return kind_ == CancelKind::deadline_exceeded ? deadline_exceeded_error() : cancelled_error();
}

Error ContextNode::cause() const {
  if (!is_cancelled()) return Error();
  return cause_.get();
}

std::size_t ContextNode::child_count() const {
  std::lock_guard lock(lock_);
  return child_count_;
}

std::stop_token ContextNode::stop_token() {
  if (!cancellable_) return {};
  std::lock_guard lock(lock_);
  if (!stop_source_) {
    std::stop_source source;
    if (is_cancelled())
      source.request_stop();  // a fresh source has no stop_callbacks yet
    else
      append_callback(*new StopRequest(source));
    stop_source_ = std::move(source);
  }
  return stop_source_->get_token();
}

void ContextNode::add_callback(CallbackRecord& record) {
  {
    std::lock_guard lock(lock_);
    if (!is_cancelled()) {
      append_callback(record);
      return;
    }
  }
  PendingCallbacks now;
  now.splice(&record, &record);
  now.run();
}

void ContextNode::append_callback(CallbackRecord& record) noexcept {
  record.previous = last_callback_;
  record.next = nullptr;
  if (last_callback_ != nullptr)
    last_callback_->next = &record;
  else
    first_callback_ = &record;
  last_callback_ = &record;
  record.listed = true;
}

void ContextNode::remove_callback(CallbackRecord& record) noexcept {
  {
    std::lock_guard lock(lock_);
    if (!record.listed) return;
    if (record.previous != nullptr) record.previous->next = record.next; else first_callback_ = record.next;
    if (record.next != nullptr) record.next->previous = record.previous; else last_callback_ = record.previous;
    record.listed = false;
  }
  release(&record);
}

}  // namespace cascade::detail
