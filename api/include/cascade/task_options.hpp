#pragma once

#include <string>

namespace cascade {

// What Group::spawn() may be told about a task beyond its callable: a value, passed last, as in
// `group.spawn(f, cascade::TaskOptions{.name = "link"})` or `group.spawn(f, after(a),
// TaskOptions{.name = "link"})`.
struct TaskOptions {
  // The task's name, for reports and for the UpstreamFailed of its dependents
  // (Task::label()). Empty: the task is known by its id ("#17"). Any text; names need not be
  // unique.
  std::string name;
};

}  // namespace cascade
