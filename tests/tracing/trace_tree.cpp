// Writes the trace of a nested failing tree (tests/tracing/check_trace.py checks it). A branch
// builds two groups under the root, and its deepest task starts a failing branch before it waits
// for a cancel; the failure cancels its own group, travels up through wait() and cancels the
// root, whose cancel cascades into the waiting branch; tasks submitted afterwards are skipped.
// Usage: trace_tree <trace.json>, which traces through start_tracing() and stop_tracing(); or
// CASCADE_TRACE=<trace.json> trace_tree, which relies on the variable alone (the file is written
// at exit). CASCADE_TEST_THREADS: the TBB threads (default: all).
#include <oneapi/tbb/global_control.h>

#include <cascade/cascade.hpp>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <stdexcept>

namespace {

// Fails by returning its Error, not by throwing: it runs on the stack that the suspended wait
// below left for the thread, and AddressSanitizer does not follow such stack switches through a
// throw (a false report).
cascade::Error failing_branch(const cascade::Context& context) {
  cascade::Group inner(context);
  inner.go([] { return cascade::Error::make(std::runtime_error("sensor offline")); });
  return inner.wait();
}

// Two groups down, starts the failing branch in `root`, then waits for the cancel it causes.
void waiting_branch(cascade::Group& root, const cascade::Context& context) {
  cascade::Group middle(context);
  middle.go([&root](const cascade::Context& middle_context) {
    cascade::Group deepest(middle_context);
    deepest.go([&root](const cascade::Context& deepest_context) {
      root.go(failing_branch);
      deepest_context.wait();
    });
    deepest.wait().throw_if_error();
  });
  middle.wait().throw_if_error();
}

std::unique_ptr<tbb::global_control> threads_from_environment() {
  const char* threads = std::getenv("CASCADE_TEST_THREADS");
  if (threads == nullptr) return nullptr;
  return std::make_unique<tbb::global_control>(tbb::global_control::max_allowed_parallelism,
                                               std::strtoul(threads, nullptr, 10));
}

}  // namespace

int main(int argc, char** argv) {
  if (argc > 2) {
    std::fputs("usage: trace_tree [<trace.json>]\n", stderr);
    return 2;
  }
  const bool by_call = argc == 2;
  const auto threads = threads_from_environment();
  if (by_call) cascade::start_tracing(argv[1]);
  if (!cascade::tracing_on()) {
    std::fputs("trace_tree: tracing is off: give a path, or set CASCADE_TRACE\n", stderr);
    return 2;
  }
  cascade::Group root(cascade::Context::background());
  root.go([&root](const cascade::Context& context) { waiting_branch(root, context); });
  const cascade::Error first = root.wait();
  for (int i = 0; i < 3; ++i) root.go([] {});  // the context is cancelled: skipped
  const cascade::Error second = root.wait();
  if (by_call) std::printf("trace_tree: %zu events written\n", cascade::stop_tracing());
  std::printf("trace_tree: wait() returned '%s', then '%s'\n", first.message().c_str(),
              second.message().c_str());
  return first.message() == "sensor offline" ? 0 : 1;
}
