// Context nodes that cross threads: created on one thread, cancelled, destroyed or kept alive on
// others, with the creating threads gone. Nodes are recycled per thread (core/block_memory.hpp),
// so these tests check that a node outlives its creator's thread and that recycled nodes start
// clean (no cause, no children, no callbacks carried over).

#include <gtest/gtest.h>

#include <atomic>
#include <cstddef>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

#include "cascade/cascade.hpp"

namespace {

using cascade::Canceller;
using cascade::Context;

using Child = std::pair<Context, Canceller>;

constexpr int kThreads = 4;
constexpr int kChildrenPerThread = 5000;

// Runs `make` on kThreads threads that exit afterwards; returns everything they made.
template <class Make>
std::vector<Child> made_on_exited_threads(Make make) {
  std::vector<std::vector<Child>> per_thread(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < kChildrenPerThread; ++i)
        per_thread[static_cast<std::size_t>(t)].push_back(make());
    });
  for (std::thread& thread : threads) thread.join();
  std::vector<Child> all;
  for (auto& children : per_thread)
    for (Child& child : children) all.push_back(std::move(child));
  return all;
}

TEST(ContextLifetime, ChildrenOutliveTheThreadsThatMadeThem) {
  auto [root, cancel_root] = cascade::with_cancel(Context::background());
  std::vector<Child> children =
      made_on_exited_threads([&root = root] { return cascade::with_cancel(root); });
  EXPECT_EQ(root.child_count(), children.size());
  cancel_root();
  for (const Child& child : children) ASSERT_TRUE(child.first.cancelled());
  EXPECT_EQ(root.child_count(), 0U);
}

TEST(ContextLifetime, ChildrenDestroyedOnAnotherThreadLeaveTheParent) {
  auto [root, cancel_root] = cascade::with_cancel(Context::background());
  std::vector<Child> children =
      made_on_exited_threads([&root = root] { return cascade::with_cancel(root); });
  std::thread destroyer([moved = std::move(children)]() mutable { moved.clear(); });
  destroyer.join();
  EXPECT_EQ(root.child_count(), 0U);
  EXPECT_FALSE(root.cancelled());
}

TEST(ContextLifetime, RecycledNodesStartLive) {
  auto [root, cancel_root] = cascade::with_cancel(Context::background());
  for (int round = 0; round < 3; ++round) {
    std::vector<Child> children =
        made_on_exited_threads([&root = root] { return cascade::with_cancel(root); });
    std::atomic<int> callbacks{0};
    std::vector<cascade::CancelCallback> registrations;
    for (const Child& child : children)
      registrations.push_back(child.first.on_cancel([&callbacks] { callbacks.fetch_add(1); }));
    for (const Child& child : children)
      child.second(cascade::Error::make(std::runtime_error("round")));
    EXPECT_EQ(callbacks.load(), kThreads * kChildrenPerThread);
    registrations.clear();
    children.clear();
    // The next round's nodes reuse these blocks: they must be live, childless and uncancelled.
    auto [fresh, cancel_fresh] = cascade::with_cancel(root);
    EXPECT_FALSE(fresh.cancelled());
    EXPECT_FALSE(fresh.cause());
    EXPECT_EQ(fresh.child_count(), 0U);
  }
  EXPECT_EQ(root.child_count(), 0U);
}

}  // namespace

namespace {

// A context that its parent's cascade cancelled keeps holding the parent until it is destroyed:
// once every handle is gone, dropping the leaf of such a chain frees the whole chain, which must
// not take a stack frame per level.
TEST(ContextLifetime, DroppingTheLeafOfALongChainFreesItWithoutDeepRecursion) {
  constexpr int kDepth = 300'000;  // about 2x what the 8 MiB main stack survived by recursion
  Context leaf = Context::background();
  {
    auto [root, cancel_root] = cascade::with_cancel(Context::background());
    std::vector<Canceller> cancellers;
    cancellers.reserve(kDepth);
    leaf = root;
    for (int level = 0; level < kDepth; ++level) {
      auto [child, cancel_child] = cascade::with_cancel(leaf);
      cancellers.push_back(std::move(cancel_child));
      leaf = child;
    }
    cancel_root();  // the cascade takes every level off its parent's list; each still holds it
    EXPECT_TRUE(leaf.cancelled());
  }
  // Only the leaf's handle is left: every other level is a zombie held by the level below it.
  leaf = Context::background();  // frees every level
  auto [fresh, cancel_fresh] = cascade::with_cancel(Context::background());
  EXPECT_FALSE(fresh.cancelled());
}

// A parent dropped while its children live stays reachable for them, and is freed by whichever
// of it and its children lets go last, on whichever thread: here the parent's last handle and
// its children go at the same time, from several threads (AddressSanitizer checks the freeing).
TEST(ContextLifetime, ParentDroppedWithItsChildrenIsFreedByWhicheverGoesLast) {
  auto [root, cancel_root] = cascade::with_cancel(Context::background());
  for (int round = 0; round < 50; ++round) {
    auto parent = std::make_optional(cascade::with_cancel(root));
    std::vector<std::vector<Child>> shares(kThreads);
    for (int i = 0; i < 64; ++i)
      shares[static_cast<std::size_t>(i % kThreads)].push_back(cascade::with_cancel(parent->first));
    std::atomic<bool> go{false};
    std::vector<std::thread> droppers;
    for (std::vector<Child>& share : shares)
      droppers.emplace_back([&go, moved = std::move(share)]() mutable {
        while (!go.load()) std::this_thread::yield();
        moved.clear();
      });
    go.store(true);
    parent.reset();  // cancels the parent (its Canceller goes) and drops its handle
    for (std::thread& dropper : droppers) dropper.join();
    EXPECT_EQ(root.child_count(), 0U);
  }
  EXPECT_FALSE(root.cancelled());
}

// live_context_nodes() counts every node from creation to destruction, whichever threads create
// and free it; the counts of exited threads are kept.
TEST(LiveContextNodes, CountsNodesMadeAndFreedOnAnyThread) {
  (void)Context::background();  // counts from its first use on, for good
  const std::size_t before = cascade::live_context_nodes();
  {
    std::vector<Child> children =
        made_on_exited_threads([] { return cascade::with_cancel(Context::background()); });
    EXPECT_EQ(cascade::live_context_nodes(), before + children.size());
    std::thread([moved = std::move(children)]() mutable { moved.clear(); }).join();
  }
  EXPECT_EQ(cascade::live_context_nodes(), before);
  {
    cascade::Group group(Context::background());
    auto [child, cancel] = cascade::with_cancel(group.context());
    EXPECT_EQ(cascade::live_context_nodes(), before + 2);
    (void)group.wait();
  }
  EXPECT_EQ(cascade::live_context_nodes(), before);
}

}  // namespace
