#pragma once

// The program model shared by the randomized stress (stress_main.cpp) and the libFuzzer harness
// (tests/fuzz/): a tree of groups, each a list of API operations, some of whose tasks run a
// nested group of their own. A program is plain data made before anything runs, so a seed (or a
// fuzz input) always gives the same tree; runner.hpp executes it and checker.hpp judges what
// happened.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <random>
#include <span>
#include <string>
#include <vector>

namespace cascade::stress {

// What a task does once its nested group (if any) is done.
enum class Outcome : std::uint8_t {
  succeed,
  return_error,       // returns an Error holding a StressFailure
  throw_std,          // throws a StressFailure (a std::runtime_error)
  throw_int,          // throw <task id> (an int)
  throw_custom,       // throws a NonStdFailure, a struct that is no std::exception
  return_error_code,  // returns a non-zero std::error_code of the stress category
};
inline constexpr int kOutcomes = 6;

// The context a group is made from: the task's own context (the root's: background()), or a
// child of it made by with_cancel or with_timeout, whose Canceller the group's ops may use.
enum class ParentKind : std::uint8_t { task_context, with_cancel, with_timeout };
inline constexpr int kParentKinds = 3;

enum class OpKind : std::uint8_t {
  go,                   // go(task), or go_blocking(task)
  try_go,               // try_go(task), or try_go_blocking(task)
  set_limit,            // set_limit(limit)
  cancel_group,         // group.cancel(cause)
  cancel_parent,        // the with_cancel/with_timeout parent's Canceller, on this thread
  cancel_parent_async,  // the same Canceller, from the stress's canceller thread, racing go()
  wait,                 // wait() in the middle; later ops submit after it (R2)
};
inline constexpr int kOpKinds = 7;

// How a group's scope ends: wait() then the destructor, or the destructor alone (R20).
enum class Ending : std::uint8_t { wait, destroy };

struct GroupProgram;

struct TaskProgram {
  int id = -1;  // index of the task's record, set by number_program
  Outcome outcome = Outcome::succeed;
  bool blocking = false;                 // submitted with go_blocking / try_go_blocking
  std::uint32_t spins = 0;               // busy work before the outcome
  std::unique_ptr<GroupProgram> nested;  // a group the task runs first; its failure is returned
};

struct Op {
  OpKind kind = OpKind::go;
  int limit = -1;           // set_limit
  std::uint32_t delay = 0;  // cancel_parent_async: spins on the canceller thread first
  TaskProgram task;         // go, try_go
};

struct GroupProgram {
  int id = -1;  // index of the group's record, set by number_program
  ParentKind parent = ParentKind::task_context;
  std::uint32_t timeout_us = 0;  // with_timeout
  int pool = -1;                 // -1: no pool; else the index of one of the runner's pools
  std::vector<Op> ops;
  Ending ending = Ending::wait;
};

struct ProgramSize {
  int groups = 0;
  int tasks = 0;
};

// Gives every group and task of the tree its record index (depth first) and returns the counts.
ProgramSize number_program(GroupProgram& root);
// The counts of a numbered tree.
ProgramSize size_of(const GroupProgram& root);

// The bounds every program keeps to, whoever made it.
inline constexpr int kMaxDepth = 8;    // groups nested in groups, the root included
inline constexpr int kMaxFanOut = 16;  // ops of one group
inline constexpr int kMaxTasks = 256;  // tasks of a whole tree
inline constexpr int kPools = 2;       // the runner's pools: of 1 and 2 threads

// A random tree: depth up to kMaxDepth, fan-out up to kMaxFanOut, at most kMaxTasks tasks. The
// tree is a pure function of the generator's state and `blocking_tasks` (false: every task is
// submitted with go or try_go, none with their _blocking forms).
GroupProgram random_program(std::mt19937_64& random, bool blocking_tasks);

// The program a fuzz input spells (grammar in program.cpp); every byte string is a valid program.
// With `blocking_tasks` false, the blocking bit of a task is ignored.
GroupProgram decode_program(std::span<const std::uint8_t> bytes, bool blocking_tasks);

// One line per group: its parent kind, pool, ending and ops (for reports and --print).
std::string describe(const GroupProgram& root);

}  // namespace cascade::stress
