#include "cascade/group_stats.hpp"

#include <ostream>

namespace cascade {

std::string to_string(const GroupStats& stats) {
  return "submitted " + std::to_string(stats.submitted) + ", running " +
         std::to_string(stats.running) + ", succeeded " + std::to_string(stats.succeeded) +
         ", failed " + std::to_string(stats.failed) + ", cancelled " +
         std::to_string(stats.cancelled) + ", skipped " + std::to_string(stats.skipped);
}

std::ostream& operator<<(std::ostream& out, const GroupStats& stats) {
  return out << to_string(stats);
}

}  // namespace cascade
