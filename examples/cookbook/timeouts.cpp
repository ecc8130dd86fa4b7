// cookbook: timeouts (docs/cookbook.md, and the overview of docs/semantics.md). A batch of work
// under a time budget (with_timeout), a deadline that cuts a slow task short, and a task that waits
// for a stop or a timeout (Context::wait_for). Exits 1, naming the check, when an outcome differs
// from the page's.

#include <cascade/cascade.hpp>

#include <chrono>
#include <iostream>
#include <stdexcept>
#include <vector>

struct Chunk {
  int value = 0;
};

struct Shard {
  std::vector<Chunk> chunks;
};

// A stand-in for real work: a negative chunk is corrupt.
void process(const Chunk& chunk) {
  if (chunk.value < 0) throw std::runtime_error("corrupt chunk");
}

using namespace std::chrono_literals;

cascade::Error process_all(const std::vector<Shard>& shards) {
  auto [ctx, cancel] = cascade::with_timeout(cascade::Context::background(), 2s);
  cascade::Group group(ctx);  // group.context() is a child of ctx
  for (const Shard& shard : shards) {
    group.go([&shard](const cascade::Context& task_ctx) -> cascade::Error {
      for (const Chunk& chunk : shard.chunks) {
        if (task_ctx.cancelled()) return task_ctx.cause();  // stop early and report why
        process(chunk);  // any exception it throws is this task's failure
      }
      return {};  // success
    });
  }
  return group.wait();  // first failure; else DeadlineExceeded if work was skipped; else success
}  // ~Canceller cancels ctx

// A task that would run for ever is cut short by its deadline: it waits for its context, which
// the deadline cancels (Context::wait suspends the task; its worker runs other tasks meanwhile).
cascade::Error slow_call_with_deadline() {
  const auto deadline = std::chrono::steady_clock::now() + 20ms;
  auto [ctx, cancel] = cascade::with_deadline(cascade::Context::background(), deadline);
  cascade::Group group(ctx);
  group.go([](const cascade::Context& task_ctx) -> cascade::Error {
    task_ctx.wait();        // a call that only a cancellation ends
    return task_ctx.err();  // DeadlineExceeded
  });
  return group.wait();
}

cascade::Error flush_buffers() { return {}; }

// A periodic job: flush every 30 s, or stop at once when `stop` is cancelled.
cascade::Error flush_until_stopped(const cascade::Context& stop) {
  cascade::Group g;
  g.go([&]() -> cascade::Error {
    if (stop.wait_for(30s)) return stop.err();  // suspended meanwhile: the worker runs other tasks
    return flush_buffers();                     // 30 s without a stop: flush, and finish
  });
  return g.wait();
}

int main() {
  bool ok = true;
  auto check = [&ok](bool passed, const char* what) {
    if (!passed) std::cerr << "timeouts: " << what << " did not behave as documented\n";
    ok = ok && passed;
  };
  std::vector<Shard> shards(8, Shard{std::vector<Chunk>(100, Chunk{1})});
  check(!process_all(shards), "a batch within its budget");
  shards[3].chunks[50].value = -1;
  const cascade::Error corrupt = process_all(shards);
  std::cout << "process_all: " << corrupt.message() << '\n';
  check(corrupt.message() == "corrupt chunk", "a failing shard");
  const cascade::Error late = slow_call_with_deadline();
  std::cout << "slow call: " << late.message() << '\n';
  check(late.is<cascade::DeadlineExceeded>(), "a deadline");
  auto [stop, shut_down] = cascade::with_cancel(cascade::Context::background());
  shut_down();
  check(flush_until_stopped(stop).is<cascade::Cancelled>(), "a stop before the timeout");
  return ok ? 0 : 1;
}
