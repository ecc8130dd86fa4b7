// cookbook: graceful shutdown (docs/cookbook.md, docs/signals.md). Four workers serve requests
// until SIGINT or SIGTERM arrives; here the stand-in request handler sends SIGTERM to the process
// itself after 100 requests, as `kill` would. Exits 0 when the workers stopped because of the
// signal, 1 otherwise. (examples/http_shutdown is the same pattern around a real HTTP server.)

#include <cascade/cascade.hpp>

#include <atomic>
#include <csignal>
#include <iostream>

// A stand-in for serving one request: the 100th asks the process to stop.
void serve_one_request() {
  static std::atomic<int> served{0};
  if (served.fetch_add(1) + 1 == 100) std::raise(SIGTERM);
}

int main() {
  auto [ctx, stop] = cascade::notify_signals(cascade::Context::background(), {SIGINT, SIGTERM});
  cascade::Group workers(ctx);
  for (int i = 0; i < 4; ++i) {
    workers.go([](const cascade::Context& task_ctx) -> cascade::Error {
      while (!task_ctx.cancelled()) serve_one_request();
      return task_ctx.cause();  // why the worker stopped: the SignalReceived
    });
  }
  const cascade::Error result = workers.wait();
  if (const auto* received = result.as<cascade::SignalReceived>()) {
    std::cout << "stopped: " << received->what() << '\n';  // "stopped: signal received: SIGTERM"
    return 0;
  }
  std::cerr << result.message() << '\n';  // a worker failed first
  return 1;
}  // ~Canceller cancels ctx: cascade stops listening and the default dispositions are back
