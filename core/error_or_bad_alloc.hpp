#pragma once

#include <exception>

#include "cascade/error.hpp"

namespace cascade::detail {

// The Error that make() builds, or, when building it throws (it can only run out of memory: the
// errors built this way hold strings), the exception it threw. For the paths that must not throw
// and must not lose a task's outcome: a skipped task's handle still settles, holding the
// std::bad_alloc in place of its TaskSkipped. Taking the exception in flight allocates nothing.
template <class Make>
Error error_or_bad_alloc(const Make& make) noexcept {
  try {
    return make();
  } catch (...) {
    return Error::from_exception(std::current_exception());
  }
}

}  // namespace cascade::detail
