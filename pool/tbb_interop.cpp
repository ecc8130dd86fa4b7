// cascade::TbbContext (api/include/cascade/tbb_interop.hpp): an isolated TBB context that a
// cascade Context's cancellation reaches through an on_cancel registration.

#include "cascade/tbb_interop.hpp"

namespace cascade {

TbbContext::TbbContext(const Context& context)
    : context_(context),
      tbb_context_(tbb::task_group_context::isolated),
      // Runs at once, here, when `context` is already cancelled, so the TBB context is born
      // cancelled; otherwise on the cancelling thread. cancel_group_execution() sets the flag
      // (and marks the contexts of algorithms nested under this one); it waits for no TBB
      // thread, so a plain thread can cancel while every TBB thread is busy in the algorithm.
      forwarding_(context_.on_cancel([this] { tbb_context_.cancel_group_execution(); })) {}

}  // namespace cascade
