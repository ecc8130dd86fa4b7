#include "stress/program.hpp"

#include <sstream>

namespace cascade::stress {
namespace {

void number_group(GroupProgram& group, ProgramSize& size) {
  group.id = size.groups++;
  for (Op& op : group.ops) {
    if (op.kind != OpKind::go && op.kind != OpKind::try_go) continue;
    op.task.id = size.tasks++;
    if (op.task.nested) number_group(*op.task.nested, size);
  }
}

void count_group(const GroupProgram& group, ProgramSize& size) {
  ++size.groups;
  for (const Op& op : group.ops) {
    if (op.task.id < 0) continue;
    ++size.tasks;
    if (op.task.nested) count_group(*op.task.nested, size);
  }
}

// --- random programs ---

class RandomProgram {
 public:
  RandomProgram(std::mt19937_64& random, bool blocking_tasks)
      : random_(random), blocking_tasks_(blocking_tasks) {}

  GroupProgram group(int depth) {
    GroupProgram group;
    group.parent = static_cast<ParentKind>(below(kParentKinds));
    group.timeout_us = static_cast<std::uint32_t>(below(3000));
    group.pool = chance(4) ? below(kPools) : -1;
    group.ending = depth > 1 && chance(7) ? Ending::destroy : Ending::wait;
    if (chance(4)) group.ops.push_back(set_limit());
    const int fan_out = 1 + below(kMaxFanOut);
    while (static_cast<int>(group.ops.size()) < fan_out && tasks_left_ > 0)
      group.ops.push_back(op(group, depth));
    return group;
  }

 private:
  Op op(const GroupProgram& group, int depth) {
    const int roll = below(100);
    const bool has_canceller = group.parent != ParentKind::task_context;
    if (roll < 3) return Op{OpKind::cancel_group, -1, 0, {}};
    if (roll < 6 && has_canceller) return Op{OpKind::cancel_parent, -1, 0, {}};
    if (roll < 12 && has_canceller)
      return Op{OpKind::cancel_parent_async, -1, static_cast<std::uint32_t>(below(20000)), {}};
    if (roll < 16) return Op{OpKind::wait, -1, 0, {}};
    if (roll < 18) return set_limit();
    Op submit{roll < 32 ? OpKind::try_go : OpKind::go, -1, 0, task()};
    if (depth < kMaxDepth && below(100) < 40 - 4 * depth)
      submit.task.nested = std::make_unique<GroupProgram>(group_below(depth));
    return submit;
  }

  GroupProgram group_below(int depth) { return group(depth + 1); }

  Op set_limit() { return Op{OpKind::set_limit, chance(12) ? 0 : below(6) - 1, 0, {}}; }

  TaskProgram task() {
    --tasks_left_;
    TaskProgram task;
    task.outcome = chance(3) ? static_cast<Outcome>(1 + below(kOutcomes - 1)) : Outcome::succeed;
    task.blocking = chance(10) && blocking_tasks_;
    task.spins = chance(2) ? 0 : static_cast<std::uint32_t>(below(5000));
    return task;
  }

  int below(int n) { return static_cast<int>(random_() % static_cast<std::uint64_t>(n)); }
  bool chance(int one_in) { return below(one_in) == 0; }

  std::mt19937_64& random_;
  const bool blocking_tasks_;
  int tasks_left_ = kMaxTasks;
};

// --- fuzz inputs ---
//
// group := header timeout op*     header: parent = b % 3, pool = (b >> 2) % 3 - 1,
//                                 ending = (b >> 4) & 1 (the root always waits);
//                                 timeout_us = 16 * b
// op    := b, by b % 9: 0 go task | 1 try_go task | 2 set_limit (byte % 6 - 1)
//          | 3 cancel_group | 4 cancel_parent | 5 cancel_parent_async (delay 16 * byte)
//          | 6 wait | 7 go task group (a nested group) | 8 end of this group
// task  := b: outcome = b % 6, blocking = (b >> 3) & 1, spins = 64 * (b >> 4)
// Missing bytes read as 0; a group ends at its 16th op, and nesting and task counts past the
// limits of program.hpp turn into plain tasks.
class ByteReader {
 public:
  explicit ByteReader(std::span<const std::uint8_t> bytes) : bytes_(bytes) {}
  bool more() const { return next_ < bytes_.size(); }
  int byte() { return more() ? bytes_[next_++] : 0; }

 private:
  std::span<const std::uint8_t> bytes_;
  std::size_t next_ = 0;
};

class DecodedProgram {
 public:
  DecodedProgram(std::span<const std::uint8_t> bytes, bool blocking_tasks)
      : reader_(bytes), blocking_tasks_(blocking_tasks) {}

  GroupProgram group(int depth) {
    GroupProgram group;
    const int header = reader_.byte();
    group.parent = static_cast<ParentKind>(header % kParentKinds);
    group.pool = (header >> 2) % (kPools + 1) - 1;
    group.ending = depth > 1 && ((header >> 4) & 1) != 0 ? Ending::destroy : Ending::wait;
    group.timeout_us = static_cast<std::uint32_t>(16 * reader_.byte());
    while (reader_.more() && static_cast<int>(group.ops.size()) < kMaxFanOut) {
      const int code = reader_.byte() % 9;
      if (code == 8) break;
      group.ops.push_back(op(code, depth));
    }
    return group;
  }

 private:
  Op op(int code, int depth) {
    if (code == 2) return Op{OpKind::set_limit, reader_.byte() % 6 - 1, 0, {}};
    if (code == 5)
      return Op{
          OpKind::cancel_parent_async, -1, static_cast<std::uint32_t>(16 * reader_.byte()), {}};
    if (code != 0 && code != 1 && code != 7) return Op{static_cast<OpKind>(code), -1, 0, {}};
    if (tasks_ == kMaxTasks) return Op{OpKind::wait, -1, 0, {}};
    Op submit{code == 1 ? OpKind::try_go : OpKind::go, -1, 0, task()};
    if (code == 7 && depth < kMaxDepth)
      submit.task.nested = std::make_unique<GroupProgram>(group_below(depth));
    return submit;
  }

  GroupProgram group_below(int depth) { return group(depth + 1); }

  TaskProgram task() {
    ++tasks_;
    const int code = reader_.byte();
    TaskProgram task;
    task.outcome = static_cast<Outcome>(code % kOutcomes);
    task.blocking = ((code >> 3) & 1) != 0 && blocking_tasks_;
    task.spins = static_cast<std::uint32_t>(64 * (code >> 4));
    return task;
  }

  ByteReader reader_;
  const bool blocking_tasks_;
  int tasks_ = 0;
};

// --- descriptions ---

const char* name(ParentKind kind) {
  switch (kind) {
    case ParentKind::task_context:
      return "task context";
    case ParentKind::with_cancel:
      return "with_cancel";
    case ParentKind::with_timeout:
      return "with_timeout";
  }
  return "?";
}

const char* name(Outcome outcome) {
  switch (outcome) {
    case Outcome::succeed:
      return "ok";
    case Outcome::return_error:
      return "return-error";
    case Outcome::throw_std:
      return "throw-std";
    case Outcome::throw_int:
      return "throw-int";
    case Outcome::throw_custom:
      return "throw-custom";
    case Outcome::return_error_code:
      return "return-error_code";
  }
  return "?";
}

void describe_group(const GroupProgram& group, int depth, std::ostringstream& out) {
  out << std::string(static_cast<std::size_t>(2 * depth), ' ') << "group " << group.id << " ("
      << name(group.parent);
  if (group.parent == ParentKind::with_timeout) out << ' ' << group.timeout_us << "us";
  if (group.pool >= 0) out << ", pool " << group.pool;
  out << (group.ending == Ending::wait ? ", wait" : ", destroy") << "):";
  for (const Op& op : group.ops) {
    switch (op.kind) {
      case OpKind::go:
      case OpKind::try_go:
        out << (op.kind == OpKind::go ? " go" : " try_go") << (op.task.blocking ? "_blocking" : "")
            << '#' << op.task.id << '=' << name(op.task.outcome);
        if (op.task.nested) out << "+group" << op.task.nested->id;
        break;
      case OpKind::set_limit:
        out << " set_limit(" << op.limit << ')';
        break;
      case OpKind::cancel_group:
        out << " cancel";
        break;
      case OpKind::cancel_parent:
        out << " cancel_parent";
        break;
      case OpKind::cancel_parent_async:
        out << " cancel_parent_async";
        break;
      case OpKind::wait:
        out << " wait";
        break;
    }
  }
  out << '\n';
  for (const Op& op : group.ops)
    if (op.task.nested) describe_group(*op.task.nested, depth + 1, out);
}

}  // namespace

ProgramSize number_program(GroupProgram& root) {
  ProgramSize size;
  number_group(root, size);
  return size;
}

ProgramSize size_of(const GroupProgram& root) {
  ProgramSize size;
  count_group(root, size);
  return size;
}

GroupProgram random_program(std::mt19937_64& random, bool blocking_tasks) {
  GroupProgram root = RandomProgram(random, blocking_tasks).group(1);
  number_program(root);
  return root;
}

GroupProgram decode_program(std::span<const std::uint8_t> bytes, bool blocking_tasks) {
  GroupProgram root = DecodedProgram(bytes, blocking_tasks).group(1);
  number_program(root);
  return root;
}

std::string describe(const GroupProgram& root) {
  std::ostringstream out;
  describe_group(root, 0, out);
  return out.str();
}

}  // namespace cascade::stress
