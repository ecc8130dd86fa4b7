#pragma once

// cascade: Go's errgroup and context on oneTBB. Include this header for the whole API.

#include "cascade/blocking_pool.hpp"
#include "cascade/cancel_callback.hpp"
#include "cascade/cancelled.hpp"
#include "cascade/canceller.hpp"
#include "cascade/context.hpp"
#include "cascade/derived_contexts.hpp"
#include "cascade/error.hpp"
#include "cascade/error_list.hpp"
#include "cascade/group.hpp"
#include "cascade/group_options.hpp"
#include "cascade/group_stats.hpp"
#include "cascade/live_context_nodes.hpp"
#include "cascade/notify_signals.hpp"
#include "cascade/pool.hpp"
#include "cascade/signal_received.hpp"
#include "cascade/task.hpp"
#include "cascade/task_outcome.hpp"
#include "cascade/task_skipped.hpp"
#include "cascade/tracing.hpp"
#include "cascade/version.hpp"
