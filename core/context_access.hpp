#pragma once

#include <new>

#include "cascade/canceller.hpp"
#include "cascade/context.hpp"
#include "core/context_node.hpp"

namespace cascade::detail {

// The library's view of Context handles: the node behind a handle, and handles for nodes.
class ContextAccess {
 public:
  static ContextNode& node(const Context& context) noexcept {
    return *static_cast<ContextNode*>(context.state_);
  }
  // A handle that takes over the reference `node` was created with.
  static Context adopt(ContextNode* node) noexcept { return Context(Context::Adopt{}, node); }
  static Canceller canceller_for(Context target) noexcept { return Canceller(std::move(target)); }
  // A handle to `node` that neither takes nor drops a reference, for code that runs while
  // something else keeps the node alive (a group's tasks run while the group lives).
  class Borrowed {
   public:
    explicit Borrowed(ContextNode& node) noexcept {
      new (&storage_) Context(Context::Adopt{}, &node);
    }
    Borrowed(const Borrowed&) = delete;
    Borrowed& operator=(const Borrowed&) = delete;
    const Context& get() const noexcept {
      return *std::launder(reinterpret_cast<const Context*>(&storage_));
    }

   private:
    alignas(Context) unsigned char storage_[sizeof(Context)];  // never destroyed: it owns nothing
  };
};

}  // namespace cascade::detail
