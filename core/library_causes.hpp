#pragma once

#include <cstdint>

#include "cascade/error.hpp"

namespace cascade::detail {

// The causes the library itself gives when it cancels a context. They are immortal Errors: a node
// cancelled with one stores only its number, which spares the shared exception object's atomic
// reference count on hot paths such as every group's wait().
enum class LibraryCause : std::uint8_t {
  none,               // the cause is the user's own Error
  cancelled,          // Cancelled: "context cancelled"
  deadline_exceeded,  // DeadlineExceeded: "context deadline exceeded"
  group_finished,     // Cancelled: "context cancelled: group finished: wait() returned"
  group_destroyed,    // Cancelled: "context cancelled: group destroyed before wait()"
  first_success,      // Cancelled: "context cancelled: first_success: another task succeeded"
  quorum_reached,     // Cancelled: "context cancelled: quorum reached: enough tasks succeeded"
  // Cancelled: "context cancelled: the required successes are impossible: too many tasks did not
  // succeed"
  successes_impossible,
};

// The Error of `cause`. Precondition: cause != LibraryCause::none. Thread-safe.
const Error& library_error(LibraryCause cause) noexcept;

}  // namespace cascade::detail
