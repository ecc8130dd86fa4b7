#pragma once

#include <chrono>

#include "cascade/context.hpp"

namespace cascade::detail {

// Returns once `context` is cancelled (at once when it already is): Context::wait, and the
// timed waits on a context with a deadline. Inside a TBB task the task is suspended
// (pool::suspend_task), so its thread runs other tasks meanwhile; anywhere else the calling
// thread blocks on a futex. The wake-up is an on_cancel callback, registered before the task or
// thread goes to sleep and checked once more after, so a cancellation at any moment wakes it.
// Throws std::system_error when the task cannot be suspended: max_suspended_waits() tasks are.
void wait_for_cancellation(const Context& context);

// Returns true once `context` is cancelled, false once `time` has come, blocking the calling
// thread meanwhile (on a futex, with that time limit): the timed waits of a thread that runs no
// TBB task. Without a deadline child, so a thread that would have to fire that deadline itself
// (the timer thread, running a deadline's callbacks) waits too.
bool block_until_cancelled(const Context& context, std::chrono::steady_clock::time_point time);

}  // namespace cascade::detail
