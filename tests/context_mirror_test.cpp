// The Relacy models of the context tree (tests/relacy/context_tree_model.cpp) check a mirror of
// core/context_node.cpp (tests/relacy/context_node_mirror.hpp). This test keeps the mirror
// faithful: it drives the real nodes and the mirror, instantiated with std::atomic, through the
// same random sequences of operations (create a child, cancel, on_cancel, stop, drop a
// registration, drop a context) and checks after every step that both agree: cancelled flags
// and causes, child counts, what cancel() and stop() returned, how often each callback ran, and
// which nodes and callback records were freed.

#include <gtest/gtest.h>

#include <cstddef>
#include <deque>
#include <memory>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "cascade/cascade.hpp"
#include "core/context_access.hpp"
#include "core/context_node.hpp"
#include "relacy/context_node_mirror.hpp"

namespace {

using cascade::CancelCallback;
using cascade::Context;
using cascade::Error;
using cascade::detail::CancelKind;
using cascade::detail::ContextAccess;
using cascade::detail::ContextNode;

struct ThrowingCheck {
  static void that(bool condition, const char* what) {
    if (!condition) throw std::logic_error(what);
  }
};

using MirrorNode = cascade::mirror::Node<cascade::detail::StdSync, ThrowingCheck>;
using MirrorRecord = cascade::mirror::Record<cascade::detail::StdSync, ThrowingCheck>;
using MirrorCallback = cascade::mirror::Callback<cascade::detail::StdSync, ThrowingCheck>;

// A real node that reports its own destruction.
class TracedNode final : public ContextNode {
 public:
  TracedNode(ContextNode* parent, bool& freed) : ContextNode(parent), freed_(freed) {}
  ~TracedNode() override { freed_ = true; }

 private:
  bool& freed_;
};

constexpr int kCauses = 3;
constexpr std::size_t kSlots = 5;

// One context in both worlds. The real one is held by a handle; the mirror's is never deleted.
struct ContextPair {
  std::optional<Context> real;
  std::unique_ptr<bool> real_freed = std::make_unique<bool>(false);
  std::unique_ptr<MirrorNode> mirror;
  bool mirror_reference = false;  // the mirror's counterpart of `real`
};

// One registration in both worlds; the real record's capture shares `token`, so the record is
// freed when the token is unique again.
struct CallbackPair {
  std::shared_ptr<int> runs = std::make_shared<int>(0);
  std::optional<CancelCallback> real;
  std::unique_ptr<MirrorRecord> record = std::make_unique<MirrorRecord>();
  std::optional<MirrorCallback> mirror;
};

class Agreement {
 public:
  explicit Agreement(unsigned seed) : random_(seed) {
    for (int cause = 1; cause <= kCauses; ++cause)
      causes_.push_back(Error::make(std::runtime_error("cause " + std::to_string(cause))));
  }

  void step() {
    switch (pick(6)) {
      case 0:
        create();
        break;
      case 1:
        cancel();
        break;
      case 2:
        register_callback();
        break;
      case 3:
        stop();
        break;
      case 4:
        drop_callback();
        break;
      default:
        drop_context();
        break;
    }
    expect_agreement();
  }

  void drop_everything() {
    for (CallbackPair& callback : callbacks_) {
      callback.real.reset();
      callback.mirror.reset();
    }
    for (ContextPair& context : contexts_) drop(context);
    expect_agreement();
    for (ContextPair& context : contexts_) EXPECT_TRUE(*context.real_freed);
  }

 private:
  std::size_t pick(std::size_t count) {
    return std::uniform_int_distribution<std::size_t>(0, count - 1)(random_);
  }
  ContextPair* live_context() {
    std::vector<ContextPair*> live;
    for (ContextPair& context : contexts_)
      if (context.real) live.push_back(&context);
    return live.empty() ? nullptr : live[pick(live.size())];
  }

  void create() {
    if (contexts_.size() == kSlots) return;
    ContextPair* parent = pick(3) == 0 ? nullptr : live_context();
    ContextPair& child = contexts_.emplace_back();
    auto* node =
        new TracedNode(parent ? &ContextAccess::node(*parent->real) : nullptr, *child.real_freed);
    child.real = ContextAccess::adopt(node);
    node->join_tree();
    child.mirror = std::make_unique<MirrorNode>(parent ? parent->mirror.get() : nullptr);
    child.mirror->join_tree();
    child.mirror_reference = true;
  }
  void cancel() {
    ContextPair* context = live_context();
    if (context == nullptr) return;
    const std::size_t cause = pick(kCauses);
    const bool real =
        ContextAccess::node(*context->real).cancel(causes_[cause], CancelKind::cancelled);
    EXPECT_EQ(real, context->mirror->cancel(static_cast<int>(cause) + 1));
  }
  void register_callback() {
    ContextPair* context = live_context();
    if (context == nullptr) return;
    CallbackPair& callback = callbacks_.emplace_back();
    callback.real.emplace(context->real->on_cancel([runs = callback.runs] { ++*runs; }));
    callback.mirror.emplace(*context->mirror, *callback.record);
  }
  void stop() {
    if (callbacks_.empty()) return;
    CallbackPair& callback = callbacks_[pick(callbacks_.size())];
    if (!callback.real) return;
    EXPECT_EQ(callback.real->stop(), callback.mirror->stop());
  }
  void drop_callback() {
    if (callbacks_.empty()) return;
    CallbackPair& callback = callbacks_[pick(callbacks_.size())];
    callback.real.reset();
    callback.mirror.reset();
  }
  void drop_context() {
    if (ContextPair* context = live_context()) drop(*context);
  }
  static void drop(ContextPair& context) {
    context.real.reset();
    if (context.mirror_reference) context.mirror->release_reference();
    context.mirror_reference = false;
  }

  void expect_agreement() {
    for (std::size_t index = 0; index < contexts_.size(); ++index) {
      const ContextPair& context = contexts_[index];
      SCOPED_TRACE("context " + std::to_string(index));
      ASSERT_EQ(*context.real_freed, context.mirror->freed());
      if (!context.real) continue;
      const Error cause = context.real->cause();
      const int mirror_cause = context.mirror->cause();
      EXPECT_EQ(context.real->cancelled(), mirror_cause != 0);
      EXPECT_EQ(cause,
                mirror_cause == 0 ? Error() : causes_[static_cast<std::size_t>(mirror_cause) - 1]);
      EXPECT_EQ(context.real->child_count(), context.mirror->child_count());
    }
    for (std::size_t index = 0; index < callbacks_.size(); ++index) {
      const CallbackPair& callback = callbacks_[index];
      SCOPED_TRACE("callback " + std::to_string(index));
      EXPECT_EQ(*callback.runs, static_cast<int>(callback.record->runs));
      EXPECT_EQ(callback.runs.use_count() == 1, static_cast<bool>(callback.record->freed));
    }
  }

  std::mt19937 random_;
  std::vector<Error> causes_;
  std::deque<ContextPair> contexts_;
  std::deque<CallbackPair> callbacks_;
};

TEST(ContextMirror, AgreesWithTheRealTreeOnRandomSequences) {
  constexpr unsigned kSequences = 2000;
  constexpr int kSteps = 40;
  for (unsigned seed = 0; seed < kSequences; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    Agreement agreement(seed);
    for (int step = 0; step < kSteps; ++step) ASSERT_NO_FATAL_FAILURE(agreement.step());
    agreement.drop_everything();
    if (::testing::Test::HasFailure()) return;
  }
}

}  // namespace
