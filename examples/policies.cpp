// policies: the examples of docs/policies.md, compiled and checked. Each function is one
// section's example; main() runs them all and exits 1, naming the example, when one does not see
// the outcome the page describes.

#include <cascade/cascade.hpp>

#include <iostream>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

// Results: spawn() returns a Task<R>; its value is there once the group's wait() returned.
int sum_of_squares() {
  cascade::Group group;
  std::vector<cascade::Task<int>> squares;
  for (int i = 1; i <= 3; ++i) squares.push_back(group.spawn([i] { return i * i; }));
  group.wait().throw_if_error();
  int sum = 0;
  for (const cascade::Task<int>& square : squares) sum += square.get();
  return sum;  // 14
}

// A task may wait for another one's handle: it is suspended, not blocking its worker.
std::unique_ptr<std::string> greeting() {
  cascade::Group group;
  cascade::Task<std::string> name = group.spawn([] { return std::string("world"); });
  cascade::Task<std::unique_ptr<std::string>> message = group.spawn([name] {
    name.wait();
    return std::make_unique<std::string>("hello, " + name.get());
  });
  group.wait().throw_if_error();
  return std::move(message.get());  // move-only results are moved out of the handle
}

// collect_all: every failure, in completion order, in one ErrorList.
std::string validate_all(const std::vector<int>& records) {
  cascade::Group group(cascade::GroupOptions{.policy = cascade::GroupPolicy::collect_all()});
  for (int record : records) {
    group.go([record] {
      if (record < 0)
        throw std::invalid_argument("record " + std::to_string(record) + " is negative");
    });
  }
  const cascade::Error result = group.wait();
  if (const auto* failures = result.as<cascade::ErrorList>()) return failures->what();
  return "all valid";
}

// first_success: the first replica to answer wins; the others are cancelled.
int ask_replicas(int replicas, int the_one_that_answers) {
  cascade::Group group(cascade::GroupOptions{.policy = cascade::GroupPolicy::first_success()});
  for (int replica = 0; replica < replicas; ++replica) {
    (void)group.spawn([=](const cascade::Context& ctx) -> int {
      ctx.err().throw_if_error();  // another replica already answered
      if (replica != the_one_that_answers) throw std::runtime_error("replica unavailable");
      return 100 + replica;
    });
  }
  group.wait().throw_if_error();
  return group.first_result<int>().get();
}

// A policy is chosen when the group is made: here three of the replicas' writes must succeed.
cascade::Error write_three(const cascade::Context& parent_ctx) {
  cascade::Group group(parent_ctx,
                       cascade::GroupOptions{.policy = cascade::GroupPolicy::quorum(3)});
  for (int replica = 0; replica < 4; ++replica) group.go([] {});
  return group.wait();
}

// quorum(k): enough writes acknowledged, the rest cancelled; stats() counts every outcome.
cascade::GroupStats write_with_quorum() {
  cascade::Group group(cascade::GroupOptions{.policy = cascade::GroupPolicy::quorum(2)});
  group.go([] { throw std::runtime_error("disk full"); });
  group.go([] {});
  group.go([] {});
  group.wait().throw_if_error();  // two of three acknowledged: success
  return group.stats();
}

int main() {
  bool ok = true;
  auto check = [&ok](bool passed, const char* example) {
    if (!passed)
      std::cerr << "policies: the example \"" << example << "\" did not behave as documented\n";
    ok = ok && passed;
  };
  check(sum_of_squares() == 14, "results");
  check(*greeting() == "hello, world", "waiting for a handle");
  const std::string summary = validate_all({1, -2, 3, -4});
  std::cout << summary << '\n';
  check(summary.rfind("2 tasks failed; first: record -", 0) == 0, "collect_all");
  check(ask_replicas(1000, 617) == 717, "first_success");
  check(!write_three(cascade::Context::background()), "choosing a policy");
  const cascade::GroupStats stats = write_with_quorum();
  std::cout << stats << '\n';
  // The failing write either failed, or was skipped when the quorum was reached before it ran.
  check(stats.submitted == 3 && stats.succeeded == 2 && stats.failed + stats.skipped == 1,
        "quorum");
  return ok ? 0 : 1;
}
