#include "pool/arena.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <limits>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <vector>

#include <oneapi/tbb/global_control.h>
#include <oneapi/tbb/info.h>

#include "core/pool_access.hpp"

namespace cascade::pool {
namespace {

// oneTBB's worker limit defaults to the machine's cores minus one, shared by every arena. While
// pools exist, one global_control raises it by their threads; a lower limit the program sets
// itself still wins (oneTBB takes the smallest active max_allowed_parallelism).
class WorkerLimit {
 public:
  static WorkerLimit& instance() {
    static auto* const limit = new WorkerLimit();  // pools may outlive static destruction
    return *limit;
  }
  void add(int threads) { change(threads); }
  void remove(int threads) noexcept { change(-threads); }

 private:
  void change(int threads) {
    std::lock_guard lock(mutex_);
    pool_threads_ += threads;
    control_.reset();
    if (pool_threads_ > 0)
      control_ = std::make_unique<tbb::global_control>(
          tbb::global_control::max_allowed_parallelism,
          static_cast<std::size_t>(tbb::info::default_concurrency() + pool_threads_));
  }

  std::mutex mutex_;
  int pool_threads_ = 0;
  std::unique_ptr<tbb::global_control> control_;
};

// oneTBB numbers a thread's slot in an arena with an unsigned short, so an arena holds at most
// 65,536 slots (more crash inside oneTBB); kEntrySlots of a pool's are reserved for entering
// threads.
constexpr int kMostThreads = std::numeric_limits<unsigned short>::max() + 1 - Arena::kEntrySlots;

int checked_threads(int threads) {
  if (threads < 0)
    throw std::invalid_argument("cascade::Pool: threads is " + std::to_string(threads) +
                                "; give at least 1, or 0 for oneTBB's default concurrency");
  if (threads > kMostThreads)
    throw std::invalid_argument(
        "cascade::Pool: threads is " + std::to_string(threads) + "; a pool has at most " +
        std::to_string(kMostThreads) + " (oneTBB's arenas hold " +
        std::to_string(kMostThreads + Arena::kEntrySlots) + " threads, " +
        std::to_string(Arena::kEntrySlots) + " of a pool's reserved for threads that enter it)");
  return threads == 0 ? tbb::info::default_concurrency() : threads;
}

tbb::numa_node_id checked_numa_node(int node) {
  if (node == -1) return tbb::task_arena::automatic;
  const std::vector<tbb::numa_node_id> nodes = tbb::info::numa_nodes();
  if (std::find(nodes.begin(), nodes.end(), node) == nodes.end()) {
    std::string known;
    for (const tbb::numa_node_id known_node : nodes)
      known += (known.empty() ? "" : ", ") + std::to_string(known_node);
    throw std::invalid_argument("cascade::Pool: NUMA node " + std::to_string(node) +
                                " is not one oneTBB reports (" + known + "); use -1 for anywhere");
  }
  return node;
}

std::string name_or_numbered(const std::string& name) {
  static std::atomic<int> pools_named{0};
  return name.empty() ? "pool-" + std::to_string(pools_named.fetch_add(1) + 1) : name;
}

tbb::task_arena::constraints constraints_of(const PoolOptions& options, int threads) {
  tbb::task_arena::constraints constraints;
  constraints.numa_id = checked_numa_node(options.numa_node);
  constraints.max_concurrency = threads + Arena::kEntrySlots;
  return constraints;
}

}  // namespace

Arena::Arena(const PoolOptions& options)
    : threads_(checked_threads(options.threads)),
      name_(name_or_numbered(options.name)),
      arena_(constraints_of(options, threads_), /*reserved_for_masters=*/kEntrySlots) {
  WorkerLimit::instance().add(threads_);
  try {
    arena_.initialize();
  } catch (...) {
    WorkerLimit::instance().remove(threads_);
    throw;
  }
}

Arena::~Arena() {
  arena_.terminate();
  WorkerLimit::instance().remove(threads_);
}

bool Arena::retire() noexcept {
  const int bound = bound_groups_.load(std::memory_order_acquire);
  if (bound == 0) return true;
  std::fprintf(stderr,
               "cascade: Pool '%s' was destroyed while %d group(s) were still bound to it; its "
               "arena is kept (and leaked) so that they go on working. Destroy every Group bound "
               "to a Pool before the Pool.\n",
               name_.c_str(), bound);
  return false;
}

namespace {

// The start of the calling thread's row of refused entries (Arena::note_kept_out); the epoch when
// it is in no such row.
constinit thread_local std::chrono::steady_clock::time_point kept_out_since{};

}  // namespace

void Arena::note_kept_out(int round) noexcept {
  using Clock = std::chrono::steady_clock;
  const Clock::time_point now = Clock::now();
  if (round == 0 || kept_out_since == Clock::time_point{}) kept_out_since = now;
  if (now - kept_out_since < kWarnAfter || warned_.exchange(true, std::memory_order_relaxed))
    return;
  std::fprintf(stderr,
               "cascade: Pool '%s': a wait has found all %d places for waiters taken for %d s. If "
               "every thread inside waits in turn for a group of another pool (nested waits that "
               "alternate between pools take a place at each level), the waits are deadlocked; "
               "see docs/pools.md, \"Limits\".\n",
               name_.c_str(), kEntrySlots, static_cast<int>(kWarnAfter.count()));
}

void Arena::note_let_in() noexcept { kept_out_since = {}; }

constinit thread_local Arena* ArenaScope::current = nullptr;

void bind_group(Arena& arena) noexcept { arena.bind_group(); }
void unbind_group(Arena& arena) noexcept { arena.unbind_group(); }

}  // namespace cascade::pool

namespace cascade {

namespace {

PoolOptions options_with_threads(int threads) {
  if (threads < 1)
    throw std::invalid_argument("cascade::Pool: threads is " + std::to_string(threads) +
                                "; a pool needs at least 1 thread");
  PoolOptions options;
  options.threads = threads;
  return options;
}

}  // namespace

Pool::Pool(int threads) : Pool(options_with_threads(threads)) {}

Pool::Pool(PoolOptions options) : arena_(new pool::Arena(options)) {}

namespace {

// Arenas of pools destroyed under bound groups: kept for those groups for the rest of the
// process, and reachable from here, so leak checkers see them as kept rather than lost.
void keep_for_the_rest_of_the_process(pool::Arena* arena) {
  static std::mutex mutex;
  static auto* const kept = new std::vector<pool::Arena*>();
  std::lock_guard lock(mutex);
  kept->push_back(arena);
}

}  // namespace

Pool::~Pool() {
  if (arena_->retire())
    delete arena_;
  else
    keep_for_the_rest_of_the_process(arena_);
}

pool::Arena* pool::arena_for_this_thread(Arena* arena) {
  if (arena != nullptr || !on_blocking_thread()) return arena;
  return &detail::PoolAccess::arena(Pool::default_pool());
}

Pool& Pool::default_pool() {
  static auto* const pool = [] {  // never destroyed: groups may use it during static destruction
    PoolOptions options;
    options.name = "default";
    return new Pool(options);
  }();
  return *pool;
}

int Pool::threads() const noexcept { return arena_->threads(); }

const std::string& Pool::name() const noexcept { return arena_->name(); }

}  // namespace cascade
