#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <stop_token>

#include "cascade/detail/callback_record.hpp"
#include "cascade/detail/context_state.hpp"
#include "cascade/error.hpp"
#include "core/callback_runner.hpp"
#include "core/library_causes.hpp"
#include "core/spin_lock.hpp"
#include "core/trace.hpp"

namespace cascade::detail {

using Clock = std::chrono::steady_clock;

// Why a node was cancelled, which selects its err(): Cancelled or DeadlineExceeded.
enum class CancelKind : std::uint8_t { cancelled, deadline_exceeded };

// One node of the cancellation tree.
//
// The tree. A cancellable node is linked into its cancellable parent's list of children (nodes
// that can never be cancelled keep no list: their children are roots). The list holds plain
// pointers, and a child leaves it when it is cancelled by its own Canceller or destroyed (when a
// parent cascade reaches it, the parent empties its list instead). So the list only holds live,
// uncancelled children.
//
// Lifetime. A node is freed once it has no references (Context handles, timers) and no child
// holds it. Joining the parent's list makes a child hold its parent, in the same critical section
// that links it (no reference count is touched), and the child lets go when it leaves the parent
// (its own cancel, or its destruction). A node whose last reference goes while children still
// hold it becomes a zombie: it stays in the tree, so cascades still pass through it, and the last
// child to let go frees it.
//
// Cancellation is pushed down: cancel() marks the node and every descendant, each with the same
// cause, before it returns, so cancelled() is one load at any depth. Locks are taken parent before
// child, and a node's lock stays held until its whole subtree is marked: a concurrent cancel that
// reaches a node being marked waits for that subtree instead of returning early. Callbacks
// collected from the marked nodes run after every lock is released.
//
// States: live -> cancelled (once; `cancelled`, the cause and the kind never change again).
//
// Size: 88 bytes (a group's node, 128, adds its state in the same 128-byte budget); fields are
// ordered so that a group's small fields fill this class's tail padding.
class ContextNode : public ContextState {
 public:
  // A node under `parent` (may be null: a root) whose own deadline is `own_deadline`; its
  // effective deadline is the earlier of that and the parent's. Call join_tree() once the object
  // is fully constructed.
  ContextNode(ContextNode* parent, std::optional<Clock::time_point> own_deadline);
  // A cancellable node under `parent` (may be null) with the parent's deadline.
  explicit ContextNode(ContextNode* parent) noexcept;
  // A node that is never cancelled and keeps no children: Context::background() (immortal, not
  // counted) or without_cancel().
  enum class Uncancellable { immortal, counted };
  explicit ContextNode(Uncancellable kind) noexcept;
  ContextNode(const ContextNode&) = delete;
  ContextNode& operator=(const ContextNode&) = delete;
  // Only through destroy(), which leaves the parent first.
  virtual ~ContextNode();

  // Frees a node whose last reference was dropped (or leaves it a zombie while children hold
  // it), then each ancestor that this freed of its last holder, iteratively: a long chain of
  // contexts must not recurse once per level.
  static void destroy(ContextNode* node) noexcept;

  // Nodes (groups' nodes included) come from NodeMemory's per-thread blocks: a group per task of
  // a nested computation makes this a hot path.
  static void* operator new(std::size_t bytes);
  static void operator delete(void* memory) noexcept;

  // Makes the node visible to its parent: links it, or, when the parent is already cancelled,
  // marks it born cancelled with the parent's cause. Then arms its deadline, or cancels it with
  // DeadlineExceeded when the deadline has already passed. Throws std::system_error if the timer
  // thread cannot start.
  void join_tree() {
    if (Trace::on()) [[unlikely]]
      Trace::context(this, parent_);
    link_into_parent();
    if (owns_deadline_) arm_deadline();
  }

  // Cancels this node and its subtree (see the class comment). An empty cause means the default
  // error of `kind`. Returns false, and changes nothing, when the node was already cancelled or
  // can never be cancelled. Never throws; safe from any thread.
  bool cancel(Error cause, CancelKind kind) noexcept;
  // The same with one of the library's own causes.
  bool cancel(LibraryCause cause, CancelKind kind) noexcept;

  // The node's err() and cause(): success while live. Thread-safe.
  Error err() const;
  Error cause() const;
  std::optional<Clock::time_point> deadline() const noexcept;
  bool can_be_cancelled() const noexcept { return cancellable_; }
  // Live, uncancelled children (a walk of the list: for diagnostics and tests).
  std::size_t child_count() const;
  std::stop_token stop_token();

  // Adds `record` to the callbacks run on cancellation (in no particular order); runs it at once,
  // on this thread, when the node is already cancelled. Takes over the record's list reference.
  void add_callback(CallbackRecord& record);
  // Takes `record` off the list if it is still there (CancelCallback::stop).
  void remove_callback(CallbackRecord& record) noexcept;

 private:
  static constexpr Clock::time_point kNoDeadline = Clock::time_point::max();

  bool is_cancelled() const noexcept { return cancelled.load(std::memory_order_acquire); }
  // The deadline a child of `node` (null: a root) inherits; kNoDeadline when none.
  static Clock::time_point deadline_of(const ContextNode* node) noexcept;
  void link_into_parent();
  [[gnu::noinline]] void arm_deadline();
  bool cancel_with(const Error& owned, LibraryCause library, CancelKind kind) noexcept;
  // `cascaded`: the cancel comes down from an ancestor (for the trace). Always inlined: a group's
  // wait() cancels its node, once per nested group.
  [[gnu::always_inline]] inline void mark_cancelled(const Error& owned, LibraryCause library,
                                                    CancelKind kind, PendingCallbacks& pending,
                                                    bool cascaded) noexcept;
  // Records this node's cancel at `when` in the trace. Out of line: mark_cancelled() stays small.
  [[gnu::noinline]] void trace_cancel(std::uint64_t when, bool cascaded) const noexcept;
  [[gnu::noinline]] void cancel_descendants_and_unlock(PendingCallbacks& pending) noexcept;
  ContextNode* take_first_child() noexcept;
  void unlink_child(ContextNode& child) noexcept;
  bool retire() noexcept;
  [[nodiscard]] ContextNode* leave_parent() noexcept;
  void push_callback(CallbackRecord& record) noexcept;

  mutable SpinLock lock_;
  const bool cancellable_;
  const bool owns_deadline_;  // this node's deadline is earlier than its parent's
  bool linked_ = false;       // guarded by parent_->lock_
  // True from joining the parent's list until leave_parent(): by the one cancel() that marked
  // this node, or at destruction. Only the thread that holds the node (a reference or the
  // cancel) reads or writes it.
  bool holds_parent_ = false;
  bool zombie_ = false;  // guarded by lock_: no references left, children still hold the node
  // Written under lock_ before `cancelled` is set, immutable afterwards.
  CancelKind kind_ = CancelKind::cancelled;
  LibraryCause library_cause_ = LibraryCause::none;  // none: the cause is owned_cause_

  ContextNode* const parent_;         // null for a root; valid while holds_parent_
  const Clock::time_point deadline_;  // kNoDeadline when none
  // Guarded by parent_->lock_. While a cascade walks a subtree, a child it has taken off its
  // parent's list uses previous_sibling_ to point at the node below it on the walk's stack.
  ContextNode* previous_sibling_ = nullptr;
  ContextNode* next_sibling_ = nullptr;
  // Guarded by lock_.
  ContextNode* first_child_ = nullptr;
  CallbackRecord* first_callback_ = nullptr;  // a list linked through previous/next
  Error owned_cause_;                         // written like kind_
  // Children that hold this node: linked ones, and those a cascade took off the list that have
  // not let go yet. Written under lock_; read without it by retire().
  std::atomic<std::uint32_t> holders_{0};
};

}  // namespace cascade::detail
