// fib_grain: fib(34) with a group per node above n = 12 and serial fib at or below it (about
// 0.2 us leaves).
#include "fib.hpp"

namespace cascade_bench {
namespace {

const bool registered = fib::register_fib<34, 12>("fib_grain");

}  // namespace
}  // namespace cascade_bench
