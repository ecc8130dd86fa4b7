#include "cascade/task_skipped.hpp"

#include <utility>

namespace cascade {

TaskSkipped::TaskSkipped(Error cause) : TaskSkipped(cause, cause.message()) {}

TaskSkipped::TaskSkipped(Error cause, const std::string& reason)
    : Cancelled("task skipped: " + reason), cause_(std::move(cause)) {}

}  // namespace cascade
