#include "cascade/cancelled.hpp"

namespace cascade {

Cancelled::Cancelled() : std::runtime_error("context cancelled") {}

Cancelled::Cancelled(const std::string& detail)
    : std::runtime_error("context cancelled: " + detail) {}

Cancelled::Cancelled(WholeText, const std::string& text) : std::runtime_error(text) {}

DeadlineExceeded::DeadlineExceeded() : Cancelled(WholeText{}, "context deadline exceeded") {}

}  // namespace cascade
