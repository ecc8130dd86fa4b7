// cookbook: fan-out with a limit (docs/cookbook.md). Hashes many "files" with at most 8 in flight
// (set_limit over go_blocking), shows try_go refusing work at the limit, and binds two groups to
// pools of their own. Exits 1, naming the check, when an outcome differs from the page's.

#include <cascade/cascade.hpp>

#include <atomic>
#include <iostream>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

std::atomic<int> in_flight{0};
std::atomic<int> most_in_flight{0};

// A stand-in for reading and hashing a file: it records how many run at once, and fails for a
// path that names a missing file.
cascade::Error hash_file(const std::string& path) {
  const int now = in_flight.fetch_add(1) + 1;
  for (int seen = most_in_flight.load();
       now > seen && !most_in_flight.compare_exchange_weak(seen, now);) {
  }
  in_flight.fetch_sub(1);
  if (path.find("missing") != std::string::npos)
    return cascade::Error::make(std::runtime_error("cannot open " + path));
  return {};
}

cascade::Error hash_all(const cascade::Context& ctx, const std::vector<std::string>& paths) {
  cascade::Group g(ctx);
  g.set_limit(8);  // at most 8 files open at once
  for (const auto& path : paths)
    g.go_blocking([&, path](const cascade::Context& task_ctx) -> cascade::Error {
      if (task_ctx.cancelled()) return task_ctx.err();
      return hash_file(path);  // blocks in read()
    });
  cascade::Error first_failure = g.wait();
  return first_failure;
}

// try_go: submit only while there is room, and do the rest here instead of queueing it.
int squares_with_try_go(int count) {
  std::atomic<int> sum{0};
  int done_here = 0;
  cascade::Group group;
  group.set_limit(2);
  for (int i = 1; i <= count; ++i) {
    if (!group.try_go([&sum, i] { sum += i * i; })) {
      sum += i * i;  // the group is full: no queue grows behind it
      ++done_here;
    }
  }
  group.wait().throw_if_error();
  std::cout << "try_go: " << done_here << " of " << count << " squares computed by the caller\n";
  return sum.load();
}

// Two groups, each bound to a pool of its own: fetching and crunching never compete for workers.
int fetch_and_crunch(const cascade::Context& ctx) {
  std::atomic<int> fetched{0};
  std::atomic<int> crunched{0};
  {
    cascade::Pool io_pool({.threads = 4, .name = "io"});
    cascade::Pool compute_pool(8);

    cascade::Group fetch(ctx, io_pool);        // all of fetch's tasks run in io_pool
    cascade::Group crunch(ctx, compute_pool);  // and crunch's in compute_pool
    for (int i = 0; i < 16; ++i) {
      fetch.go([&fetched] { ++fetched; });
      crunch.go([&crunched] { ++crunched; });
    }
    fetch.wait().throw_if_error();
    crunch.wait().throw_if_error();
  }  // the groups end before their pools
  return fetched + crunched;
}

}  // namespace

int main() {
  bool ok = true;
  auto check = [&ok](bool passed, const char* what) {
    if (!passed) std::cerr << "fan_out_with_limit: " << what << " did not behave as documented\n";
    ok = ok && passed;
  };
  std::vector<std::string> paths;
  for (int i = 0; i < 100; ++i) paths.push_back("file" + std::to_string(i));
  check(!hash_all(cascade::Context::background(), paths), "hashing 100 files");
  check(most_in_flight.load() <= 8, "the limit of 8");
  std::cout << "at most " << most_in_flight.load() << " files were open at once\n";
  paths[50] = "missing-file";
  const cascade::Error failure = hash_all(cascade::Context::background(), paths);
  std::cout << "first failure: " << failure.message() << '\n';
  check(failure.message() == "cannot open missing-file", "the first failure");
  check(squares_with_try_go(50) == 50 * 51 * 101 / 6, "try_go");
  check(fetch_and_crunch(cascade::Context::background()) == 32, "groups bound to pools");
  return ok ? 0 : 1;
}
