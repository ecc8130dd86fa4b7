#pragma once

#include <atomic>
#include <cstdint>

namespace cascade::detail {

// The part of a context node that public inline code touches: the cancellation flag read by
// Context::cancelled() and the reference count of Context handles. The rest of the node (the
// tree links, the cause, callbacks, timers) is private to the library (core/context_node.hpp).
struct ContextState {
  // Set once, with release ordering, after the node's cause is written; never cleared.
  std::atomic<bool> cancelled{false};
  // Nodes that live for the whole program (Context::background()) are not counted.
  const bool counted;
  // Handles and timers that keep the node alive (children hold it differently:
  // core/context_node.hpp).
  std::atomic<std::uint32_t> references{1};

  explicit ContextState(bool is_counted) noexcept : counted(is_counted) {}
  ContextState(const ContextState&) = delete;
  ContextState& operator=(const ContextState&) = delete;
};

// Frees a node whose last reference was dropped, and, in a loop rather than by recursion, each
// ancestor whose last reference that was (core/context.cpp).
void destroy_context(ContextState* state) noexcept;

inline void retain(ContextState* state) noexcept {
  if (state->counted) state->references.fetch_add(1, std::memory_order_relaxed);
}

// Drops one reference; true when it was the last (the caller must then destroy the node). The
// last reference needs no read-modify-write: when the count is 1 the caller holds the only
// reference, so no other thread can change it (the acquire load still orders this thread after
// every earlier release).
inline bool drop_reference(ContextState* state) noexcept {
  if (!state->counted) return false;
  return state->references.load(std::memory_order_acquire) == 1 ||
         state->references.fetch_sub(1, std::memory_order_acq_rel) == 1;
}

inline void release(ContextState* state) noexcept {
  if (drop_reference(state)) destroy_context(state);
}

}  // namespace cascade::detail
