#pragma once

#include <optional>

namespace cascade_bench {

// The memory benchmark measures in a fresh copy of this program, started with
// "--memory-probe=tbb" or "--memory-probe=cascade": in a process that has freed nothing yet, the
// growth of its resident set is what the queued tasks and live contexts take. When the command
// line asks for a probe, this runs it, prints its figures and returns the exit status; otherwise
// it returns nothing.
std::optional<int> run_memory_probe_if_asked(int argc, char** argv);

}  // namespace cascade_bench
