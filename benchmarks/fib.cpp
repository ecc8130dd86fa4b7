// fib: fib(30) with a group per node and no cutoff, so every internal node is one group holding
// one task (1,346,268 groups).
#include "fib.hpp"

namespace cascade_bench {
namespace {

const bool registered = fib::register_fib<30, 0>("fib");

}  // namespace
}  // namespace cascade_bench
