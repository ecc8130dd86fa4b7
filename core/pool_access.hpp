#pragma once

#include "cascade/pool.hpp"

namespace cascade::detail {

// The library's way to a Pool's arena (Pool keeps it private from users).
struct PoolAccess {
  static pool::Arena& arena(Pool& pool) noexcept { return *pool.arena_; }
};

}  // namespace cascade::detail
