#pragma once

// TBB algorithm interop: run tbb::parallel_for, parallel_reduce and the other oneTBB algorithms
// under a cascade Context, so that cancelling the Context cuts them short and the cut is reported
// as a failure. The one public header that includes oneTBB (whoever runs TBB algorithms includes
// it anyway); cascade.hpp does not include it. docs/tbb_interop.md explains it at length.

#include <exception>
#include <functional>
#include <type_traits>
#include <utility>

#include <oneapi/tbb/task_group.h>

#include "cascade/cancel_callback.hpp"
#include "cascade/context.hpp"
#include "cascade/error.hpp"

namespace cascade {

// TbbContext is an isolated tbb::task_group_context that follows a cascade Context: it is
// cancelled (cancel_group_execution) as soon as the Context is cancelled, by any cause (its own
// Canceller, an ancestor, a group's first failure, a deadline), and it is created already
// cancelled when the Context already is. Pass get() to a TBB algorithm: TBB then skips the
// algorithm's tasks that have not started, and the bodies that are running finish their current
// call (TBB never interrupts a running body).
//
// Why isolated: cancellation arrives through cascade's own tree, so the TBB context needs no TBB
// parent; a bound context would attach to whatever TBB task happens to run on this thread at the
// algorithm's first use, and would register with TBB's process-wide cancellation bookkeeping.
// TBB algorithms nested inside the bodies without a context of their own still bind to this one,
// so they are cut short too.
//
// Guarantees: once the call that cancels the Context returns (a Canceller's, a group's after a
// failure), get() reads is_group_execution_cancelled() == true; the forwarding runs on that
// cancelling thread and needs no TBB worker. Destroying the TbbContext deregisters the forwarding
// (waiting for it if it is running on another thread), so a later cancellation does not touch it.
// Limits: reset() on get(), and tbb::task_group::wait() on a task_group built on get() (which
// resets its context), clear the TBB cancellation, and cascade does not cancel it a second time;
// a reset context runs later work to completion (cancelled() still reports the cancellation).
// Thread-safety: get() and cancelled() may be called from any thread. Precondition of the
// destructor: every TBB algorithm and task_group that used get() has returned.
class TbbContext {
 public:
  // Follows `context` (holding a reference to it). Throws std::bad_alloc.
  explicit TbbContext(const Context& context);
  TbbContext(const TbbContext&) = delete;
  TbbContext& operator=(const TbbContext&) = delete;
  ~TbbContext() = default;

  // The TBB context to pass to the algorithms.
  tbb::task_group_context& get() noexcept { return tbb_context_; }

  // True once the cascade Context is cancelled (Context::cancelled(), acquire). Not the TBB flag,
  // which a body may set itself to stop an algorithm early, and which reset() clears.
  bool cancelled() const noexcept { return context_.cancelled(); }

 private:
  Context context_;
  tbb::task_group_context tbb_context_;
  CancelCallback forwarding_;  // declared last: deregistered before tbb_context_ is destroyed
};

// Runs `algorithm(tbb_context)` with a TbbContext that follows `context`, and reports how it
// ended, so that a task can write
//
//   return cascade::run_tbb(ctx, [&](tbb::task_group_context& tc) {
//     tbb::parallel_for(range, body, tc);
//   });
//
// and its group learns when the loop was cut short (a cancelled TBB algorithm just returns,
// oneTBB issue 253). Returns, in this order:
// 1. the exception the algorithm threw, as an Error holding that very object (for example the
//    one a body threw, which TBB rethrows from the algorithm);
// 2. context.cause() when `context` was cancelled by the time the algorithm returned: the
//    algorithm may have been cut short (a cancellation that arrives as the last body finishes is
//    reported too: the cascade side decides, since the TBB flag can be reset or set by a body);
// 3. success: the algorithm ran to completion, or a body stopped it through the TBB context
//    itself (cancel_group_execution on `tc`, TBB's idiom for "found it, stop").
// A cut-short algorithm leaves partial results: the bodies that ran have run in full (their
// writes are visible when run_tbb returns), the others never started, and parallel_reduce
// returns what it joined so far, which may leave out bodies that ran (TBB skips joins once the
// context is cancelled). Treat the output as garbage unless run_tbb returns success.
// Limit: oneTBB 2021.8 drops an exception thrown by a body after the TBB context was cancelled
// (fixed in 2022.3); run_tbb then returns the cause instead, a failure all the same.
// `algorithm` is called once, as f(tbb::task_group_context&), and must return void (keep its
// results through captures). Never throws: a failure to set up the TbbContext is returned too.
template <class F>
Error run_tbb(const Context& context, F&& algorithm) noexcept {
  static_assert(std::is_invocable_v<F, tbb::task_group_context&>,
                "cascade::run_tbb: the algorithm must be callable as f(tbb::task_group_context&)");
  static_assert(std::is_void_v<std::invoke_result_t<F, tbb::task_group_context&>>,
                "cascade::run_tbb: the algorithm must return void; keep its results through "
                "captures");
  try {
    TbbContext tbb_context(context);
    std::invoke(std::forward<F>(algorithm), tbb_context.get());
    return tbb_context.cancelled() ? context.cause() : Error();
  } catch (...) {
    return Error::from_exception(std::current_exception());
  }
}

}  // namespace cascade
