// A program outside the cascade tree, built by tests/packaging/consumer_test.sh against an
// installed (or added) cascade: a failing task cancels its siblings and comes back from wait().
#include <cascade/cascade.hpp>

#include <cstdio>
#include <stdexcept>
#include <string>

int main() {
  static_assert(cascade::version >= 200, "the installed headers are older than 0.2.0");
  cascade::Group group(cascade::Context::background());
  group.go([] { throw std::runtime_error("disk full"); });
  for (int i = 0; i < 4; ++i)  // each waits for the cancel, unless it is skipped because of it
    group.go([](const cascade::Context& context) { context.wait(); });
  const cascade::Error error = group.wait();
  if (!error || error.message() != "disk full" || !group.context().cancelled()) {
    std::puts("consumer: FAILED");
    return 1;
  }
  std::printf("consumer: ok, cascade %d.%d.%d, wait() returned: %s\n", CASCADE_VERSION_MAJOR,
              CASCADE_VERSION_MINOR, CASCADE_VERSION_PATCH, error.message().c_str());
  return 0;
}
