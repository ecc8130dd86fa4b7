#include "cascade/task_skipped.hpp"

#include <utility>

namespace cascade {

TaskSkipped::TaskSkipped(Error cause)
    : Cancelled("task skipped: " + cause.message()), cause_(std::move(cause)) {}

}  // namespace cascade
