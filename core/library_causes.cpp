#include "core/library_causes.hpp"

#include <array>
#include <cstddef>

#include "cascade/cancelled.hpp"

namespace cascade::detail {
namespace {

std::array<Error, 8> make_library_errors() {
  return {Error(),
          Error::make(Cancelled()),
          Error::make(DeadlineExceeded()),
          Error::make(Cancelled("group finished: wait() returned")),
          Error::make(Cancelled("group destroyed before wait()")),
          Error::make(Cancelled("first_success: another task succeeded")),
          Error::make(Cancelled("quorum reached: enough tasks succeeded")),
          Error::make(
              Cancelled("the required successes are impossible: too many tasks did not succeed"))};
}

}  // namespace

// Never destroyed: contexts are read while static destructors run (a global's destructor, the
// timer thread, a TBB worker), and a cancelled one must still read its cause.
const Error& library_error(LibraryCause cause) noexcept {
  static const auto* const errors = new std::array<Error, 8>(make_library_errors());
  return (*errors)[static_cast<std::size_t>(cause)];
}

namespace {

// Builds the table while the program starts, so that the first read of a cause, often in noexcept
// code, never allocates it: out of memory there would end the process. A caller that runs before
// this initializer (another static initializer) still finds the table built on first use.
[[maybe_unused]] const bool library_errors_built = (library_error(LibraryCause::cancelled), true);

}  // namespace

}  // namespace cascade::detail
