#include "cascade/group_options.hpp"

#include <stdexcept>
#include <string>

namespace cascade {

GroupPolicy GroupPolicy::quorum(int k) {
  if (k < 1)
    throw std::invalid_argument("cascade::GroupPolicy::quorum: k is " + std::to_string(k) +
                                "; a quorum needs at least 1 successful task");
  return GroupPolicy(Kind::quorum, k);
}

const char* policy_name(GroupPolicy::Kind kind) noexcept {
  switch (kind) {
    case GroupPolicy::Kind::fail_fast:
      return "fail_fast";
    case GroupPolicy::Kind::supervise:
      return "supervise";
    case GroupPolicy::Kind::collect_all:
      return "collect_all";
    case GroupPolicy::Kind::first_success:
      return "first_success";
    case GroupPolicy::Kind::quorum:
      return "quorum";
  }
  return "unknown policy";
}

}  // namespace cascade
