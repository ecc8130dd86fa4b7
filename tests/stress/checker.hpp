#pragma once

// The invariants the stress and the fuzz harness check after each program (docs/stress.md lists
// them with the rules of docs/semantics.md they come from).

#include <cstddef>
#include <string>
#include <vector>

#include "stress/program.hpp"
#include "stress/recording.hpp"

namespace cascade::stress {

// Every invariant `recording` breaks, one sentence each, naming the group or task (empty: all
// hold). Call once run_program returned.
std::vector<std::string> check_recording(const GroupProgram& program, const Recording& recording);

// What the process holds that a finished program must have given back.
struct Residue {
  std::size_t context_nodes = 0;  // live_context_nodes()
  std::size_t armed_deadlines = 0;
};
Residue residue();

// The leaks of a program, once its Recording (which holds Contexts) is destroyed: `before` was
// taken before it ran. Context nodes can be freed by a worker thread just after the wait that
// joined its task returned, so this waits for them for at most `patience_ms`.
std::vector<std::string> check_residue(const Residue& before, int patience_ms);

}  // namespace cascade::stress
