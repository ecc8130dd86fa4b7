#pragma once

#include <chrono>
#include <cstddef>
#include <mutex>
#include <optional>
#include <stop_token>

#include "cascade/detail/callback_record.hpp"
#include "cascade/detail/context_state.hpp"
#include "cascade/error.hpp"
#include "core/callback_runner.hpp"
#include "core/spin_lock.hpp"

namespace cascade::detail {

using Clock = std::chrono::steady_clock;

// Why a node was cancelled, which selects its err(): Cancelled or DeadlineExceeded.
enum class CancelKind : unsigned char { cancelled, deadline_exceeded };

// A cancellation cause as a node stores it: a pointer to one of the library's immortal Errors
// (plain Cancelled, DeadlineExceeded, "group finished", ...), or the node's own copy of a user's
// Error. Immortal causes spare the shared exception object's atomic reference count on hot paths
// such as every group's wait().
struct CancelCause {
  const Error* immortal = nullptr;
  Error owned;  // used when immortal is null

  const Error& get() const noexcept { return immortal != nullptr ? *immortal : owned; }
};

// One node of the cancellation tree.
//
// The tree. A cancellable node is linked into its cancellable parent's list of children (nodes
// that can never be cancelled keep no list: their children are roots). A node holds a reference
// to its parent; the parent's list holds plain pointers, and a child leaves the list when it is
// cancelled by its own Canceller or destroyed (when a parent cascade reaches it, the parent
// empties its list instead). So the list only holds live, uncancelled children.
//
// Cancellation is pushed down: cancel() marks the node and every descendant, each with the same
// cause, before it returns, so cancelled() is one load at any depth. Locks are taken parent before
// child, and a node's lock stays held until its whole subtree is marked: a concurrent cancel that
// reaches a node being marked waits for that subtree instead of returning early. Callbacks
// collected from the marked nodes run after every lock is released.
//
// States: live -> cancelled (once; `cancelled`, the cause and the kind never change again).
class ContextNode : public ContextState {
 public:
  // A node under `parent` (may be null: a root). `own_deadline` is this node's deadline, if any;
  // the node's effective deadline is the earlier of it and the parent's. Call join_tree() once
  // the object is fully constructed.
  ContextNode(ContextNode* parent, std::optional<Clock::time_point> own_deadline,
              bool cancellable);
  // A cancellable node under `parent` (may be null) with the parent's deadline.
  explicit ContextNode(ContextNode* parent) noexcept;
  // A node that lives for the whole program and is never cancelled (Context::background()).
  struct Immortal {};
  explicit ContextNode(Immortal);
  ContextNode(const ContextNode&) = delete;
  ContextNode& operator=(const ContextNode&) = delete;
  virtual ~ContextNode();

  // Nodes (groups' nodes included) come from NodeMemory's per-thread blocks: a group per task of
  // a nested computation makes this a hot path.
  static void* operator new(std::size_t bytes);
  static void operator delete(void* memory) noexcept;

  // Makes the node visible to its parent: links it, or, when the parent is already cancelled,
  // marks it born cancelled with the parent's cause. Then arms its deadline, or cancels it with
  // DeadlineExceeded when the deadline has already passed. Throws std::system_error if the timer
  // thread cannot start.
  void join_tree() {
    link_into_parent();
    if (owns_deadline_) arm_deadline();
  }

  // Cancels this node and its subtree (see the class comment). An empty cause means the default
  // error of `kind`. Returns false, and changes nothing, when the node was already cancelled or
  // can never be cancelled. Never throws; safe from any thread.
  bool cancel(Error cause, CancelKind kind) noexcept;
  // The same with one of the library's immortal Errors as the cause.
  bool cancel_with_library_cause(const Error& cause, CancelKind kind) noexcept;

  // The node's err() and cause(): success while live. Thread-safe.
  Error err() const;
  Error cause() const;
  std::optional<Clock::time_point> deadline() const noexcept { return deadline_; }
  bool can_be_cancelled() const noexcept { return cancellable_; }
  std::size_t child_count() const;
  std::stop_token stop_token();

  // Appends `record` to the callbacks run on cancellation; runs it at once, on this thread, when
  // the node is already cancelled. Takes over the record's list reference.
  void add_callback(CallbackRecord& record);
  // Takes `record` off the list if it is still there (CancelCallback::stop).
  void remove_callback(CallbackRecord& record) noexcept;

 private:
  bool is_cancelled() const noexcept { return cancelled.load(std::memory_order_acquire); }
  void link_into_parent();
  void arm_deadline();
  bool cancel_with(const Error& cause, bool immortal, CancelKind kind) noexcept;
  void mark_cancelled(const Error& cause, bool immortal, CancelKind kind,
                      PendingCallbacks& pending) noexcept;
  void cancel_descendants_and_unlock(PendingCallbacks& pending) noexcept;
  ContextNode* take_first_child() noexcept;
  void unlink_child(ContextNode& child) noexcept;
  void leave_parent() noexcept;
  void append_callback(CallbackRecord& record) noexcept;

  ContextNode* const parent_;  // a counted reference; null for a root
  const bool cancellable_;
  const bool owns_deadline_;  // this node's deadline is earlier than its parent's
  const std::optional<Clock::time_point> deadline_;

  mutable SpinLock lock_;
  // Guarded by parent_->lock_.
  ContextNode* previous_sibling_ = nullptr;
  ContextNode* next_sibling_ = nullptr;
  bool linked_ = false;
  // Written by the one cancel() that marked this node, after it left the parent's list.
  bool left_parent_ = false;
  // Guarded by lock_.
  ContextNode* first_child_ = nullptr;
  std::size_t child_count_ = 0;
  CallbackRecord* first_callback_ = nullptr;
  CallbackRecord* last_callback_ = nullptr;
  std::optional<std::stop_source> stop_source_;
  ContextNode* cancel_path_below_ = nullptr;  // the cascade's stack of locked nodes
  // Written under lock_ before `cancelled` is set, immutable afterwards.
  CancelCause cause_;
  CancelKind kind_ = CancelKind::cancelled;
};

// The shared, immutable errors the library reports without an explicit cause.
const Error& cancelled_error();
const Error& deadline_exceeded_error();

}  // namespace cascade::detail
