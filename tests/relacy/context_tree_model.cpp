// Model checks of the context tree (context_node_mirror.hpp, a line-by-line mirror of
// core/context_node.cpp over the library's own SpinLock and Relacy's atomics): a cancel racing
// a child's registration, a child's own cancel, the last references going away (zombies), and
// callback registration and stop. Checked, besides Relacy's race and deadlock detection: no lost
// cancel (a child linked during its parent's cancel ends cancelled with the parent's cause),
// every node freed exactly once and never used afterwards, every callback run exactly once or
// stopped before it ran, every record freed exactly once.

#include "context_node_mirror.hpp"
#include "model_runner.hpp"

namespace cascade::relacy {
namespace {

struct RelacyCheck {
  static void that(bool condition, const char* what) { RL_ASSERT(condition && what); }
};

using Node = mirror::Node<RelacySync, RelacyCheck>;
using Record = mirror::Record<RelacySync, RelacyCheck>;
using Callback = mirror::Callback<RelacySync, RelacyCheck>;

// A parent's cancel races a child's join_tree(): the child ends cancelled with the parent's
// cause, whichever goes first, and leaves no trace in the parent's list.
struct CancelVsLink : rl::test_suite<CancelVsLink, 2> {
  Node parent{nullptr};
  Node child{&parent};

  void thread(unsigned index) {
    if (index == 0)
      parent.cancel(1);
    else
      child.join_tree();
  }
  void after() {
    RL_ASSERT(child.cause() == 1);
    RL_ASSERT(parent.child_count() == 0);
    child.release_reference();
    parent.release_reference();
    RL_ASSERT(child.freed() && parent.freed());
  }
};

// A parent's cancel cascades while the child cancels itself (its Canceller), and a grandchild is
// linked meanwhile: every node ends cancelled, with its own cause or an ancestor's.
struct CascadeVsOwnCancel : rl::test_suite<CascadeVsOwnCancel, 3> {
  Node parent{nullptr};
  Node child{&parent};
  Node grandchild{&child};

  void before() { child.join_tree(); }
  void thread(unsigned index) {
    if (index == 0)
      parent.cancel(1);
    else if (index == 1)
      child.cancel(2);
    else
      grandchild.join_tree();
  }
  void after() {
    RL_ASSERT(parent.cause() == 1);
    RL_ASSERT(child.cause() == 1 || child.cause() == 2);
    RL_ASSERT(grandchild.cause() == child.cause());
    RL_ASSERT(parent.child_count() == 0 && child.child_count() == 0);
    grandchild.release_reference();
    child.release_reference();
    parent.release_reference();
    RL_ASSERT(parent.freed() && child.freed() && grandchild.freed());
  }
};

// The last references go on three threads while a cancel runs: the parent's (it becomes a zombie
// while its child holds it), the child's (which frees the child, then the zombie parent), and a
// cancel of the child through a second reference. Each node is freed exactly once, by whichever
// thread lets go last, and nothing touches a freed node.
struct LastReferences : rl::test_suite<LastReferences, 3> {
  Node parent{nullptr};
  Node child{&parent};

  void before() {
    child.join_tree();
    child.retain();  // the canceller's reference
  }
  void thread(unsigned index) {
    if (index == 0) {
      parent.release_reference();
    } else if (index == 1) {
      child.release_reference();
    } else {
      child.cancel(2);
      child.release_reference();
    }
  }
  void after() { RL_ASSERT(parent.freed() && child.freed()); }
};

// on_cancel, then stop(), on one thread while another cancels the node and a third registers a
// callback: each callback runs exactly once, unless its stop() returned true (it never ran), and
// every record and node is freed exactly once once the handles are gone.
struct CallbacksVsCancel : rl::test_suite<CallbacksVsCancel, 3> {
  Node node{nullptr};
  Record stopped_record;
  Record kept_record;
  rl::var<bool> stop_won;

  void before() { stop_won($) = false; }
  void thread(unsigned index) {
    if (index == 0) {
      Callback callback(node, stopped_record);
      stop_won($) = callback.stop();
    } else if (index == 1) {
      node.cancel(1);
    } else {
      Callback callback(node, kept_record);
      (void)callback;
    }
  }
  void after() {
    RL_ASSERT(stopped_record.runs == (stop_won($) ? 0 : 1));
    RL_ASSERT(kept_record.runs <= 1);
    RL_ASSERT(stopped_record.freed && kept_record.freed);
    node.release_reference();
    RL_ASSERT(node.freed());
  }
};

}  // namespace
}  // namespace cascade::relacy

int main(int argc, char** argv) {
  using namespace cascade::relacy;
  ModelRunner runner(argc, argv);
  runner.exhaustive<CancelVsLink>("context_tree.cancel_vs_link");
  runner.random<CascadeVsOwnCancel>("context_tree.cascade_vs_own_cancel");
  runner.random<LastReferences>("context_tree.last_references");
  runner.random<CallbacksVsCancel>("context_tree.callbacks_vs_cancel");
  return runner.exit_code();
}
