#pragma once

// A faithful mirror of the context tree's concurrent core, for the Relacy models
// (context_tree_model.cpp) and for tests/context_mirror_test.cpp, which drives it and the real
// code through the same operation sequences and checks they agree. Each function follows the
// real one line by line (named in its comment); what the mirror leaves out: deadlines and timers,
// stop tokens, uncancellable nodes, node memory, and the per-thread list of running callbacks.
// A cause is an int (0: none) where the real node keeps an Error, a library cause and a kind.
// The lock is the library's own SpinLock template; plain fields are Sync::var, so under Relacy
// every access is race-checked. Frees are marked (freed_), not performed: a second free or a use
// after the free fails Check::that, and under Relacy an unordered use races with the free.
//
// Builds as C++17 (under Relacy, with RelacySync) and C++20 (with detail::StdSync).
// Sync: core/sync_policy.hpp. Check: `static void that(bool condition, const char* what)`.

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <mutex>

#include "core/spin_lock.hpp"

namespace cascade::mirror {

// CallbackRecord (cascade/detail/callback_record.hpp) and CallbackRecordFor's invoke().
template <class Sync, class Check>
struct Record {
  enum State : int { kArmed, kRunning, kFinished, kStopped };

  typename Sync::template atomic<int> state{kArmed};
  typename Sync::template atomic<std::uint32_t> references{2};  // the handle and the node's list
  typename Sync::template var<Record*> previous{nullptr};
  typename Sync::template var<Record*> next{nullptr};
  typename Sync::template var<bool> listed{false};
  typename Sync::template var<int> runs{0};  // the user function: counts its calls
  typename Sync::template var<bool> freed{false};

  void invoke() { runs = runs + 1; }
};

// release(CallbackRecord*): `delete record` is marked.
template <class Sync, class Check>
void release(Record<Sync, Check>* record) {
  if (record->references.fetch_sub(1, std::memory_order_acq_rel) == 1) {
    Check::that(!record->freed, "a callback record is freed twice");
    record->freed = true;
  }
}

// PendingCallbacks (core/callback_runner.cpp): thread-local, so its fields are plain.
template <class Sync, class Check>
class Pending {
 public:
  using R = Record<Sync, Check>;
  void splice(R* first, R* last) {  // PendingCallbacks::splice
    if (first == nullptr) return;
    if (tail_ == nullptr)
      head_ = first;
    else
      tail_->next = first;
    tail_ = last;
  }
  bool empty() const { return head_ == nullptr; }
  void run() {  // PendingCallbacks::run
    for (R* record = head_; record != nullptr;) {
      R* next = record->next;
      run_if_armed(*record);
      release(record);
      record = next;
    }
    head_ = tail_ = nullptr;
  }

 private:
  static void run_if_armed(R& record) {  // run_if_armed (less the running-callbacks list)
    int expected = R::kArmed;
    if (!record.state.compare_exchange_strong(expected, R::kRunning, std::memory_order_acq_rel))
      return;
    record.invoke();
    record.state.store(R::kFinished, std::memory_order_release);
  }

  R* head_ = nullptr;
  R* tail_ = nullptr;
};

// ContextNode (core/context_node.hpp, .cpp) with ContextState's counters.
template <class Sync, class Check>
class Node {
 public:
  using R = Record<Sync, Check>;

  // ContextNode(parent): a cancellable node (the mirror's parents are all cancellable).
  explicit Node(Node* parent) : parent_(parent) {}
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  // ContextState
  typename Sync::template atomic<bool> cancelled{false};
  typename Sync::template atomic<std::uint32_t> references{1};

  bool freed() const { return freed_; }
  // The cause (0 while live): ContextNode::cause().
  int cause() const {
    if (!is_cancelled()) return 0;
    return cause_;
  }

  // retain(ContextState*)
  void retain() { references.fetch_add(1, std::memory_order_relaxed); }
  // release(ContextState*): drop_reference, then destroy_context.
  void release_reference() {
    if (references.load(std::memory_order_acquire) == 1 ||
        references.fetch_sub(1, std::memory_order_acq_rel) == 1)
      destroy(this);
  }

  // ContextNode::destroy
  static void destroy(Node* node) {
    while (node != nullptr && node->retire()) {
      Node* const freed_parent = node->leave_parent();
      node->free();
      node = freed_parent;
    }
  }

  // ContextNode::join_tree, without a deadline: link_into_parent.
  void join_tree() {
    check_alive();
    if (parent_ == nullptr) return;
    std::lock_guard lock(parent_->lock_);
    if (parent_->is_cancelled()) {
      cause_ = static_cast<int>(parent_->cause_);  // born cancelled
      cancelled.store(true, std::memory_order_release);
      return;
    }
    next_sibling_ = static_cast<Node*>(parent_->first_child_);
    if (next_sibling_ != nullptr) next_sibling_->previous_sibling_ = this;
    parent_->first_child_ = this;
    parent_->holders_.store(parent_->holders_.load(std::memory_order_relaxed) + 1,
                            std::memory_order_relaxed);
    linked_ = true;
    holds_parent_ = true;
  }

  // ContextNode::cancel_with
  bool cancel(int cause) {
    check_alive();
    Pending<Sync, Check> pending;
    lock_.lock();
    if (is_cancelled()) {
      lock_.unlock();
      return false;
    }
    mark_cancelled(cause, pending);
    if (first_child_ != nullptr)
      cancel_descendants_and_unlock(pending);
    else
      lock_.unlock();
    Node* const freed_parent = leave_parent();
    if (!pending.empty()) pending.run();
    if (freed_parent != nullptr) destroy(freed_parent);
    return true;
  }

  // ContextNode::child_count
  std::size_t child_count() {
    check_alive();
    std::lock_guard lock(lock_);
    std::size_t count = 0;
    for (const Node* child = first_child_; child != nullptr; child = child->next_sibling_) ++count;
    return count;
  }

  // ContextNode::add_callback
  void add_callback(R& record) {
    check_alive();
    {
      std::lock_guard lock(lock_);
      if (!is_cancelled()) {
        push_callback(record);
        return;
      }
    }
    Pending<Sync, Check> now;
    now.splice(&record, &record);
    now.run();
  }

  // ContextNode::remove_callback
  void remove_callback(R& record) {
    check_alive();
    {
      std::lock_guard lock(lock_);
      if (!record.listed) return;
      if (record.previous != nullptr)
        record.previous->next = static_cast<R*>(record.next);
      else
        first_callback_ = static_cast<R*>(record.next);
      if (record.next != nullptr) record.next->previous = static_cast<R*>(record.previous);
      record.listed = false;
    }
    release(&record);
  }

 private:
  void check_alive() const { Check::that(!freed_, "a context node is used after it was freed"); }
  bool is_cancelled() const { return cancelled.load(std::memory_order_acquire); }

  // `delete node`: ~ContextNode releases the callbacks still listed.
  void free() {
    Check::that(!freed_, "a context node is freed twice");
    for (R* record = first_callback_; record != nullptr;) {
      R* next = record->next;
      release(record);
      record = next;
    }
    freed_ = true;
  }

  // ContextNode::retire
  bool retire() {
    if (holders_.load(std::memory_order_acquire) == 0 && !lock_.is_locked()) return true;
    std::lock_guard lock(lock_);
    if (holders_.load(std::memory_order_relaxed) == 0) return true;
    zombie_ = true;
    return false;
  }

  // ContextNode::mark_cancelled
  void mark_cancelled(int cause, Pending<Sync, Check>& pending) {
    cause_ = cause;
    R* last = nullptr;
    for (R* record = first_callback_; record != nullptr; record = record->next) {
      record->listed = false;
      last = record;
    }
    pending.splice(first_callback_, last);
    first_callback_ = nullptr;
    cancelled.store(true, std::memory_order_release);
  }

  // ContextNode::cancel_descendants_and_unlock
  void cancel_descendants_and_unlock(Pending<Sync, Check>& pending) {
    Node* top = this;
    for (;;) {
      Node* child = top->take_first_child();
      if (child == nullptr) {
        if (top == this) {
          lock_.unlock();
          return;
        }
        Node* below = top->previous_sibling_;
        top->previous_sibling_ = nullptr;
        top->lock_.unlock();
        top = below;
        continue;
      }
      child->lock_.lock();
      if (child->is_cancelled()) {
        child->lock_.unlock();
        continue;
      }
      child->mark_cancelled(cause_, pending);
      child->previous_sibling_ = top;
      top = child;
    }
  }

  // ContextNode::take_first_child
  Node* take_first_child() {
    Node* child = first_child_;
    if (child != nullptr) unlink_child(*child);
    return child;
  }

  // ContextNode::unlink_child
  void unlink_child(Node& child) {
    if (child.previous_sibling_ != nullptr)
      child.previous_sibling_->next_sibling_ = static_cast<Node*>(child.next_sibling_);
    else
      first_child_ = static_cast<Node*>(child.next_sibling_);
    if (child.next_sibling_ != nullptr)
      child.next_sibling_->previous_sibling_ = static_cast<Node*>(child.previous_sibling_);
    child.previous_sibling_ = nullptr;
    child.next_sibling_ = nullptr;
    child.linked_ = false;
  }

  // ContextNode::leave_parent
  Node* leave_parent() {
    if (!holds_parent_) return nullptr;
    holds_parent_ = false;
    std::lock_guard lock(parent_->lock_);
    if (linked_) parent_->unlink_child(*this);
    const std::uint32_t holders = parent_->holders_.load(std::memory_order_relaxed) - 1;
    parent_->holders_.store(holders, std::memory_order_release);
    return holders == 0 && parent_->zombie_ ? parent_ : nullptr;
  }

  void push_callback(R& record) {  // ContextNode::push_callback
    record.previous = nullptr;
    record.next = static_cast<R*>(first_callback_);
    if (first_callback_ != nullptr) first_callback_->previous = &record;
    first_callback_ = &record;
    record.listed = true;
  }

  mutable detail::BasicSpinLock<Sync> lock_;
  typename Sync::template var<bool> linked_{false};        // guarded by parent_->lock_
  typename Sync::template var<bool> holds_parent_{false};  // the holding thread's
  typename Sync::template var<bool> zombie_{false};        // guarded by lock_
  typename Sync::template var<int> cause_{0};              // owned_cause_, library_cause_, kind_
  Node* const parent_;
  typename Sync::template var<Node*> previous_sibling_{nullptr};  // guarded by parent_->lock_
  typename Sync::template var<Node*> next_sibling_{nullptr};
  typename Sync::template var<Node*> first_child_{nullptr};  // guarded by lock_
  typename Sync::template var<R*> first_callback_{nullptr};
  typename Sync::template atomic<std::uint32_t> holders_{0};
  typename Sync::template var<bool> freed_{false};
};

// CancelCallback (core/context.cpp) over a mirrored node and record; on_cancel is Context's.
template <class Sync, class Check>
class Callback {
 public:
  using R = Record<Sync, Check>;
  using N = Node<Sync, Check>;

  // Context::on_cancel, with the record's storage given.
  Callback(N& context, R& record) : context_(&context), record_(&record) {
    context.add_callback(record);
    context.retain();
  }
  Callback(const Callback&) = delete;
  Callback& operator=(const Callback&) = delete;
  // NOLINTNEXTLINE(bugprone-exception-escape): Relacy's asserts throw to end a run
  ~Callback() { reset(); }

  // CancelCallback::stop
  bool stop() {
    if (record_ == nullptr) return false;
    context_->remove_callback(*record_);
    int expected = R::kArmed;
    return record_->state.compare_exchange_strong(expected, R::kStopped, std::memory_order_acq_rel);
  }
  // CancelCallback::reset (the mirror's callbacks never run on the resetting thread's stack).
  void reset() {
    if (record_ == nullptr) return;
    stop();
    for (int spins = 0; record_->state.load(std::memory_order_acquire) == R::kRunning; ++spins)
      Sync::back_off(spins);  // the real one waits on the atomic
    release(record_);
    record_ = nullptr;
    context_->release_reference();
    context_ = nullptr;
  }

 private:
  N* context_;
  R* record_;
};

}  // namespace cascade::mirror
