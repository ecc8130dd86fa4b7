// libFuzzer harness: every input is a program of API operations (tests/stress/program.hpp,
// decode_program), run against the real library in a 1-thread arena and judged by the stress's
// checker (tests/stress/checker.hpp). A broken invariant prints it and aborts, which libFuzzer
// reports with the input saved as crash-<sha1>; docs/stress.md says how to replay one.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <span>
#include <string>
#include <vector>

#include <oneapi/tbb/global_control.h>
#include <oneapi/tbb/task_arena.h>

#include "stress/checker.hpp"
#include "stress/program.hpp"
#include "stress/runner.hpp"

namespace {

using namespace cascade::stress;

// One thread, made once: a finding replays the same way (the blocking pool, the deadline timer
// and the canceller thread still run beside it).
struct FuzzWorld {
  tbb::global_control limit{tbb::global_control::max_allowed_parallelism, 1};
  tbb::task_arena arena{1};
  Environment environment;
};

FuzzWorld& world() {
  static auto* const made = new FuzzWorld();  // never destroyed: libFuzzer exits from anywhere
  return *made;
}

void fail(const GroupProgram& program, const std::vector<std::string>& problems) {
  std::cerr << "fuzz: " << problems.size() << " invariant(s) broken:\n";
  for (const std::string& problem : problems) std::cerr << "  - " << problem << '\n';
  std::cerr << "program:\n" << describe(program) << std::flush;
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzWorld& fuzz = world();
  const GroupProgram program =
      decode_program(std::span<const std::uint8_t>(data, size), /*blocking_tasks=*/true);
  const Residue before = residue();
  std::vector<std::string> problems;
  {
    Recording recording(size_of(program));
    fuzz.arena.execute([&] { run_program(program, recording, fuzz.environment); });
    problems = check_recording(program, recording);
  }
  for (std::string& leak : check_residue(before, 2000)) problems.push_back(std::move(leak));
  if (!problems.empty()) fail(program, problems);
  return 0;
}
