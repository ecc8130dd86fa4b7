#pragma once

// The Group of the group suites: a cascade::Group, bound to the harness's pool when the run has
// one (CASCADE_TEST_POOL=N, see test_main.cpp), so that the same tests check the rules of the
// core issue for groups with and without a Pool. Each suite says `using Group = TestGroup;`.

#include <optional>
#include <utility>

#include "cascade/cascade.hpp"
#include "support/test_threads.hpp"

namespace cascade::testing {

class TestGroup {
 public:
  TestGroup() {
    if (Pool* pool = harness_pool())
      group_.emplace(*pool);
    else
      group_.emplace();
  }
  explicit TestGroup(const Context& parent) {
    if (Pool* pool = harness_pool())
      group_.emplace(parent, *pool);
    else
      group_.emplace(parent);
  }

  explicit TestGroup(const GroupOptions& options) {
    if (Pool* pool = harness_pool())
      group_.emplace(*pool, options);
    else
      group_.emplace(options);
  }
  TestGroup(const Context& parent, const GroupOptions& options) {
    if (Pool* pool = harness_pool())
      group_.emplace(parent, *pool, options);
    else
      group_.emplace(parent, options);
  }

  template <class F>
  void go(F&& f) {
    group_->go(std::forward<F>(f));
  }
  template <class F>
  void go_blocking(F&& f) {
    group_->go_blocking(std::forward<F>(f));
  }
  template <class F>
  bool try_go(F&& f) {
    return group_->try_go(std::forward<F>(f));
  }
  template <class F>
  bool try_go_blocking(F&& f) {
    return group_->try_go_blocking(std::forward<F>(f));
  }
  template <class F, class... Arguments>
  auto spawn(F&& f, Arguments&&... arguments) {
    return group_->spawn(std::forward<F>(f), std::forward<Arguments>(arguments)...);
  }
  GroupStats stats() const { return group_->stats(); }
  template <class R>
  Task<R> first_result() const {
    return group_->template first_result<R>();
  }
  void set_limit(int n) { group_->set_limit(n); }
  void cancel() { group_->cancel(); }
  void cancel(Error cause) { group_->cancel(std::move(cause)); }
  Error wait() { return group_->wait(); }
  const Context& context() const noexcept { return group_->context(); }

 private:
  std::optional<Group> group_;
};

}  // namespace cascade::testing
