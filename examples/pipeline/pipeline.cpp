// pipeline: a small build-system-like task graph. Three sources are read, each is "compiled"
// (transformed) in parallel, the objects are linked into one program, and the program is
// packaged; the manual is written on an independent branch. With --fail STEP that step throws,
// and the report shows exactly which steps were skipped and why, while the independent branch
// still runs (the group supervises: a failure cancels nothing by itself).
//
// Usage: pipeline [--fail STEP]   (STEP: read:a, compile:b, link, manual, ...)
// Output: the report, one line per step, then "result: ..." (exit 0) or "failed: ..." (exit 1);
// a bad command line exits 2.
#include <algorithm>
#include <cctype>
#include <cstdio>
#include <iostream>
#include <stdexcept>
#include <string>
#include <vector>

#include "cascade/cascade.hpp"

namespace {

struct Source {
  std::string name;
  std::string text;
};

const std::vector<Source>& sources() {
  static const std::vector<Source> all = {{"a", "int a() { return 1; }"},
                                          {"b", "int b() { return 2; }"},
                                          {"c", "int c() { return 3; }"}};
  return all;
}

// Runs `step`, failing it first when it is the one named by --fail.
template <class Step>
auto run_step(const std::string& name, const std::string& failing, Step step) {
  if (name == failing) throw std::runtime_error(name + ": simulated failure");
  return step();
}

std::string upper(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return text;
}

int build(const std::string& failing) {
  cascade::Group group;  // supervise: every independent step runs whatever else fails
  const auto named = [](std::string name) { return cascade::TaskOptions{.name = std::move(name)}; };
  std::vector<cascade::Task<std::string>> reads;
  std::vector<cascade::Task<std::string>> objects;
  for (const Source& source : sources()) {
    cascade::Task<std::string> read = group.spawn(
        [&failing, source] {
          return run_step("read:" + source.name, failing, [&] { return source.text; });
        },
        named("read:" + source.name));
    cascade::Task<std::string> compiled = group.spawn(
        [&failing, name = source.name](const std::string& text) {
          return run_step("compile:" + name, failing, [&] { return "obj(" + upper(text) + ")"; });
        },
        cascade::after(read), named("compile:" + source.name));
    reads.push_back(read);
    objects.push_back(compiled);
  }
  cascade::Task<std::string> program = group.spawn(
      [&failing, objects] {
        return run_step("link", failing, [&] {
          std::string linked;
          for (const cascade::Task<std::string>& object : objects) linked += object.get() + ";";
          return linked;
        });
      },
      cascade::after(objects), named("link"));
  cascade::Task<std::size_t> package = group.spawn(
      [&failing](const std::string& linked) {
        return run_step("package", failing, [&] { return linked.size(); });
      },
      cascade::after(program), named("package"));
  cascade::Task<std::string> manual = group.spawn(
      [&failing] { return run_step("manual", failing, [] { return std::string("manual.txt"); }); },
      named("manual"));

  const cascade::Error result = group.wait();
  cascade::TaskReport report;
  report.add(reads).add(objects).add(program).add(package).add(manual);
  std::cout << report;
  if (result) {
    std::cout << "failed: " << result.message() << '\n';
    return 1;
  }
  std::cout << "result: " << program.get() << " (" << package.get() << " bytes), " << manual.get()
            << '\n';
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string> arguments(argv + 1, argv + argc);
  std::string failing;
  if (arguments.size() == 2 && arguments[0] == "--fail") {
    failing = arguments[1];
  } else if (!arguments.empty()) {
    std::cerr << "usage: pipeline [--fail STEP]\n";
    return 2;
  }
  return build(failing);
}
