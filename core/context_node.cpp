#include "core/context_node.hpp"

#include <new>
#include <utility>

#include "core/block_memory.hpp"
#include "core/callback_runner.hpp"
#include "core/deadline_timer.hpp"
#include "core/fault_injection.hpp"
#include "core/trace.hpp"

namespace cascade::detail {
namespace {

// Requests stop on the std::stop_source behind Context::stop_token(). The node finds it again in
// its callback list, so every token of one node shares one stop state.
class StopRequest final : public CallbackRecord {
 public:
  StopRequest() { references.store(1, std::memory_order_relaxed); }  // only the node's list
  void invoke() noexcept override { source.request_stop(); }

  std::stop_source source;
};

// Forgets a node's deadline once the node is cancelled, so the timer lets go of it early.
class DeadlineDisarm final : public CallbackRecord {
 public:
  DeadlineDisarm() { references.store(1, std::memory_order_relaxed); }
  void invoke() noexcept override { DeadlineTimer::instance().disarm(key); }

  DeadlineTimer::Key key;
};

ContextNode* cancellable_or_null(ContextNode* parent) noexcept {
  return parent != nullptr && parent->can_be_cancelled() ? parent : nullptr;
}

}  // namespace

ContextNode::ContextNode(ContextNode* parent, std::optional<Clock::time_point> own_deadline)
    : ContextState(true),
      cancellable_(true),
      owns_deadline_(own_deadline && *own_deadline < deadline_of(parent)),
      parent_(cancellable_or_null(parent)),
      deadline_(owns_deadline_ ? *own_deadline : deadline_of(parent)) {}

Clock::time_point ContextNode::deadline_of(const ContextNode* node) noexcept {
  return node != nullptr ? node->deadline_ : kNoDeadline;
}

ContextNode::ContextNode(ContextNode* parent) noexcept
    : ContextState(true),
      cancellable_(true),
      owns_deadline_(false),
      parent_(cancellable_or_null(parent)),
      deadline_(deadline_of(parent)) {}

ContextNode::ContextNode(Uncancellable kind) noexcept
    : ContextState(kind == Uncancellable::counted),
      cancellable_(false),
      owns_deadline_(false),
      parent_(nullptr),
      deadline_(kNoDeadline) {}

void* ContextNode::operator new(std::size_t bytes) {
  if (bytes > NodeMemory::kBlockSize) throw std::bad_alloc();  // a node type outgrew the blocks
  if constexpr (kFaultInjectionBuild)
    return ::operator new(NodeMemory::kBlockSize, kFaultInjectionNodeAlignment);
  return NodeMemory::allocate();
}

void ContextNode::operator delete(void* memory) noexcept {
  if constexpr (kFaultInjectionBuild)
    ::operator delete(memory, kFaultInjectionNodeAlignment);
  else
    NodeMemory::free(memory);
}

ContextNode::~ContextNode() {
  for (CallbackRecord* record = first_callback_; record != nullptr;) {
    CallbackRecord* next = record->next;
    release(record);
    record = next;
  }
}

// Flattened, as the group entry points are (see the end of core/group_state.cpp).
[[gnu::flatten]] void destroy_context(ContextState* state) noexcept {
  ContextNode::destroy(static_cast<ContextNode*>(state));
}

void ContextNode::destroy(ContextNode* node) noexcept {
  while (node != nullptr && node->retire()) {
    ContextNode* const freed_parent = node->leave_parent();
    delete node;
    node = freed_parent;
  }
}

// True when no child holds the node any more, so it can be freed; else marks it a zombie, for its
// last child to free. The fast path takes no lock: a child lets go by storing the new count
// (release) under the lock, so once the count reads zero and the lock reads free, that child is
// done with the node. Nothing else can reach a node without references: cascades reach it only
// through its parent, which destroy() locks (in leave_parent()) before freeing it.
bool ContextNode::retire() noexcept {
  if (holders_.load(std::memory_order_acquire) == 0 && !lock_.is_locked()) return true;
  std::lock_guard lock(lock_);
  if (holders_.load(std::memory_order_relaxed) == 0) return true;
  zombie_ = true;
  return false;
}

std::optional<Clock::time_point> ContextNode::deadline() const noexcept {
  if (deadline_ == kNoDeadline) return std::nullopt;
  return deadline_;
}

void ContextNode::link_into_parent() {
  if (parent_ == nullptr) return;
  std::lock_guard lock(parent_->lock_);
  if (parent_->is_cancelled()) {
    owned_cause_ = parent_->owned_cause_;  // born cancelled: nothing else can see this node yet
    library_cause_ = parent_->library_cause_;
    kind_ = parent_->kind_;
    cancelled.store(true, std::memory_order_release);
    if (Trace::on()) [[unlikely]]
      Trace::cancel(this, Trace::now(), cause(), /*cascaded=*/true);
    return;
  }
  next_sibling_ = parent_->first_child_;
  if (next_sibling_ != nullptr) next_sibling_->previous_sibling_ = this;
  parent_->first_child_ = this;
  parent_->holders_.store(parent_->holders_.load(std::memory_order_relaxed) + 1,
                          std::memory_order_relaxed);
  linked_ = true;
  holds_parent_ = true;
}

void ContextNode::arm_deadline() {
  if (is_cancelled()) return;
  if (deadline_ <= Clock::now()) {
    cancel(LibraryCause::deadline_exceeded, CancelKind::deadline_exceeded);
    return;
  }
  auto* disarm = new DeadlineDisarm();
  try {
    disarm->key = DeadlineTimer::instance().arm(deadline_, *this);
  } catch (...) {
    release(disarm);
    throw;
  }
  add_callback(*disarm);
}

bool ContextNode::cancel(Error cause, CancelKind kind) noexcept {
  if (!cause)
    return cancel(kind == CancelKind::deadline_exceeded ? LibraryCause::deadline_exceeded
                                                        : LibraryCause::cancelled,
                  kind);
  return cancel_with(cause, LibraryCause::none, kind);
}

bool ContextNode::cancel(LibraryCause cause, CancelKind kind) noexcept {
  return cancel_with(Error(), cause, kind);
}

bool ContextNode::cancel_with(const Error& owned, LibraryCause library, CancelKind kind) noexcept {
  if (!cancellable_) return false;
  PendingCallbacks pending;
  lock_.lock();
  if (is_cancelled()) {
    lock_.unlock();  // whoever marked it held this lock until its subtree was marked
    return false;
  }
  mark_cancelled(owned, library, kind, pending, /*cascaded=*/false);
  if (first_child_ != nullptr)
    cancel_descendants_and_unlock(pending);
  else
    lock_.unlock();
  ContextNode* const freed_parent = leave_parent();
  if (!pending.empty()) pending.run();
  if (freed_parent != nullptr) destroy(freed_parent);
  return true;
}

void ContextNode::mark_cancelled(const Error& owned, LibraryCause library, CancelKind kind,
                                 PendingCallbacks& pending, bool cascaded) noexcept {
  const std::uint64_t traced_at = Trace::on() ? Trace::now() : 0;  // before the cancel is seen
  if (library == LibraryCause::none) owned_cause_ = owned;
  library_cause_ = library;
  kind_ = kind;
  CallbackRecord* last = nullptr;
  for (CallbackRecord* record = first_callback_; record != nullptr; record = record->next) {
    record->listed = false;
    last = record;
  }
  pending.splice(first_callback_, last);
  first_callback_ = nullptr;
  cancelled.store(true, std::memory_order_release);
  if (traced_at != 0) [[unlikely]]
    trace_cancel(traced_at, cascaded);
}

void ContextNode::trace_cancel(std::uint64_t when, bool cascaded) const noexcept {
  Trace::cancel(this, when, cause(), cascaded);
}

// Depth-first over the subtree, with the locked nodes kept as an intrusive stack (through the
// detached children's previous_sibling_), so a deep tree needs neither recursion nor allocation.
// Each node stays locked until all its children are marked; children are taken off the list as
// they are visited.
void ContextNode::cancel_descendants_and_unlock(PendingCallbacks& pending) noexcept {
  ContextNode* top = this;
  for (;;) {
    ContextNode* child = top->take_first_child();
    if (child == nullptr) {
      if (top == this) {
        lock_.unlock();
        return;
      }
      ContextNode* below = std::exchange(top->previous_sibling_, nullptr);
      top->lock_.unlock();
      top = below;
      continue;
    }
    child->lock_.lock();
    if (child->is_cancelled()) {
      child->lock_.unlock();  // its own cancel marked its subtree while holding this lock
      continue;
    }
    child->mark_cancelled(owned_cause_, library_cause_, kind_, pending, /*cascaded=*/true);
    child->previous_sibling_ = top;
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
  if (child.next_sibling_ != nullptr)
    child.next_sibling_->previous_sibling_ = child.previous_sibling_;
  child.previous_sibling_ = child.next_sibling_ = nullptr;
  child.linked_ = false;
}

// Leaves the parent's list (if a cascade has not taken the node off already) and lets go of the
// parent. Returns the parent when this was its last holder and it has no references left: the
// caller must then free it, with destroy().
ContextNode* ContextNode::leave_parent() noexcept {
  if (!holds_parent_) return nullptr;
  holds_parent_ = false;
  std::lock_guard lock(parent_->lock_);
  if (linked_) parent_->unlink_child(*this);
  const std::uint32_t holders = parent_->holders_.load(std::memory_order_relaxed) - 1;
  parent_->holders_.store(holders, std::memory_order_release);
  return holders == 0 && parent_->zombie_ ? parent_ : nullptr;
}

Error ContextNode::err() const {
  if (!is_cancelled()) return Error();
  return library_error(kind_ == CancelKind::deadline_exceeded ? LibraryCause::deadline_exceeded
                                                              : LibraryCause::cancelled);
}

Error ContextNode::cause() const {
  if (!is_cancelled()) return Error();
  return library_cause_ == LibraryCause::none ? owned_cause_ : library_error(library_cause_);
}

std::size_t ContextNode::child_count() const {
  std::lock_guard lock(lock_);
  std::size_t count = 0;
  for (const ContextNode* child = first_child_; child != nullptr; child = child->next_sibling_)
    ++count;
  return count;
}

std::stop_token ContextNode::stop_token() {
  if (!cancellable_) return {};
  std::lock_guard lock(lock_);
  if (is_cancelled()) {
    std::stop_source stopped;
    stopped.request_stop();  // a fresh source has no stop_callbacks yet
    return stopped.get_token();
  }
  for (CallbackRecord* record = first_callback_; record != nullptr; record = record->next)
    if (auto* request = dynamic_cast<StopRequest*>(record)) return request->source.get_token();
  auto* request = new StopRequest();
  push_callback(*request);
  return request->source.get_token();
}

void ContextNode::add_callback(CallbackRecord& record) {
  {
    std::lock_guard lock(lock_);
    if (!is_cancelled()) {
      push_callback(record);
      return;
    }
  }
  PendingCallbacks now;
  now.splice(&record, &record);
  now.run();
}

void ContextNode::push_callback(CallbackRecord& record) noexcept {
  record.previous = nullptr;
  record.next = first_callback_;
  if (first_callback_ != nullptr) first_callback_->previous = &record;
  first_callback_ = &record;
  record.listed = true;
}

void ContextNode::remove_callback(CallbackRecord& record) noexcept {
  {
    std::lock_guard lock(lock_);
    if (!record.listed) return;
    if (record.previous != nullptr)
      record.previous->next = record.next;
    else
      first_callback_ = record.next;
    if (record.next != nullptr) record.next->previous = record.previous;
    record.listed = false;
  }
  release(&record);
}

}  // namespace cascade::detail
