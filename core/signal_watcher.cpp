#include "core/signal_watcher.hpp"

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <string>
#include <system_error>

#include "cascade/signal_received.hpp"
#include "core/signal_names.hpp"

namespace cascade::detail {
namespace {

// The pipe's write end, for the handler, which may read nothing but lock-free atomics.
std::atomic<int> signal_pipe_write_end{-1};
static_assert(std::atomic<int>::is_always_lock_free);

// cascade's signal handler. Async-signal-safe: it writes the number to the pipe and keeps errno.
// A write of an int is atomic on a pipe; when the pipe is full (thousands of arrivals the watcher
// has not read yet) this arrival is dropped rather than block inside a handler.
void write_signal_to_pipe(int signal) {
  const int saved_errno = errno;
  [[maybe_unused]] const ssize_t written =
      ::write(signal_pipe_write_end.load(std::memory_order_acquire), &signal, sizeof signal);
  errno = saved_errno;
}

[[noreturn]] void throw_errno(const std::string& what) {
  throw std::system_error(errno, std::generic_category(), "cascade::notify_signals: " + what);
}

void install_handler(std::size_t signal, struct sigaction& saved) {
  struct sigaction handler {};
  handler.sa_handler = &write_signal_to_pipe;
  sigemptyset(&handler.sa_mask);
  handler.sa_flags = SA_RESTART;
  if (::sigaction(static_cast<int>(signal), &handler, &saved) != 0)
    throw_errno("cannot install a handler for " + signal_name(static_cast<int>(signal)));
}

// Puts `saved` back, unless a handler installed after cascade's replaced it: that one stays.
void restore_disposition(std::size_t signal, const struct sigaction& saved) noexcept {
  struct sigaction current {};
  ::sigaction(static_cast<int>(signal), nullptr, &current);
  if (current.sa_handler == &write_signal_to_pipe)
    ::sigaction(static_cast<int>(signal), &saved, nullptr);
}

// Stops a notify_signals context's listening once the context is cancelled.
class SignalListeningStop final : public CallbackRecord {
 public:
  SignalListeningStop() { references.store(1, std::memory_order_relaxed); }  // only the node's list
  void invoke() noexcept override { SignalWatcher::instance().stop_listening(id); }

  std::uint64_t id = 0;
};

}  // namespace

SignalWatcher& SignalWatcher::instance() {
  // Never destroyed (see the class comment); its thread waits on the pipe until the process ends.
  static auto* const watcher = new SignalWatcher();
  return *watcher;
}

std::uint64_t SignalWatcher::listen(ContextNode& node, const SignalSet& signals) {
  std::lock_guard lock(mutex_);
  start_thread();
  // Registered first, then the handlers: an arrival the watcher reads finds the listener, since
  // the watcher needs the mutex to look.
  const auto entry = listeners_.emplace(next_id_++, Listener(node)).first;
  try {
    for (std::size_t signal = 1; signal < signals.size(); ++signal)
      if (signals[signal]) add_signal(entry->second, signal);
  } catch (...) {
    remove_signals(entry->second);
    listeners_.erase(entry);
    throw;
  }
  retain(&node);
  return entry->first;
}

void SignalWatcher::stop_listening(std::uint64_t id) noexcept {
  ContextNode* node = nullptr;
  {
    std::lock_guard lock(mutex_);
    const auto entry = listeners_.find(id);
    if (entry == listeners_.end()) return;
    node = entry->second.node;
    remove_signals(entry->second);
    listeners_.erase(entry);
  }
  release(node);
}

// The thread starts with every signal blocked (a new thread inherits its creator's mask), so no
// handler of the program ever runs on it, not even before watch() begins.
void SignalWatcher::start_thread() {
  if (thread_.joinable()) return;
  if (read_end_ < 0) open_pipe();
  sigset_t all;
  sigset_t creator;
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, &creator);
  try {
    thread_ = std::thread([this] { watch(); });
  } catch (...) {
    pthread_sigmask(SIG_SETMASK, &creator, nullptr);
    throw;
  }
  pthread_sigmask(SIG_SETMASK, &creator, nullptr);
}

void SignalWatcher::open_pipe() {
  int ends[2];
  if (::pipe2(ends, O_NONBLOCK | O_CLOEXEC) != 0) throw_errno("cannot create the signal pipe");
  read_end_ = ends[0];
  signal_pipe_write_end.store(ends[1], std::memory_order_release);
}

void SignalWatcher::add_signal(Listener& listener, std::size_t signal) {
  if (!causes_[signal]) causes_[signal] = Error::make(SignalReceived(static_cast<int>(signal)));
  if (listener_counts_[signal] == 0) install_handler(signal, saved_actions_[signal]);
  ++listener_counts_[signal];
  listener.signals.set(signal);
}

void SignalWatcher::remove_signals(const Listener& listener) noexcept {
  for (std::size_t signal = 1; signal < listener.signals.size(); ++signal) {
    if (listener.signals[signal] && --listener_counts_[signal] == 0)
      restore_disposition(signal, saved_actions_[signal]);
  }
}

void SignalWatcher::watch() noexcept {
  // Every signal is blocked here (start_thread()), so the program's own threads take them all, as
  // they would without cascade (a program that blocks a signal to sigwait() for it still gets it).
  pollfd readable{read_end_, POLLIN, 0};
  for (;;) {
    int signal = 0;
    const ssize_t got = ::read(read_end_, &signal, sizeof signal);
    if (got == static_cast<ssize_t>(sizeof signal))
      deliver(static_cast<std::size_t>(signal));
    else if (got < 0 && errno == EAGAIN)
      ::poll(&readable, 1, -1);
    else if (got == 0 || errno != EINTR)
      return;  // the pipe was closed under the library: nothing can arrive any more
  }
}

void SignalWatcher::deliver(std::size_t signal) noexcept {
  // The arrival reaches the listeners registered when it was read, and no later one: a context
  // that a listener's cancellation lets its owner go on to create must not catch it. One at a
  // time, in id order, so that delivering never allocates; a cancelled listener stops listening
  // (its callback takes the mutex) while the loop goes on past it.
  const std::uint64_t end = registered_so_far();
  std::uint64_t next = 0;
  while (ContextNode* const node = take_listener_of(signal, next, end)) {
    node->cancel(causes_[signal], CancelKind::cancelled);  // set before the listener registered
    release(node);
  }
}

std::uint64_t SignalWatcher::registered_so_far() noexcept {
  std::lock_guard lock(mutex_);
  return next_id_;
}

ContextNode* SignalWatcher::take_listener_of(std::size_t signal, std::uint64_t& next,
                                             std::uint64_t end) noexcept {
  std::lock_guard lock(mutex_);
  for (auto entry = listeners_.lower_bound(next); entry != listeners_.end() && entry->first < end;
       ++entry) {
    if (!entry->second.signals[signal]) continue;
    next = entry->first + 1;
    retain(entry->second.node);
    return entry->second.node;
  }
  return nullptr;
}

void listen_until_cancelled(ContextNode& node, const SignalSet& signals) {
  auto* const stop = new SignalListeningStop();
  try {
    stop->id = SignalWatcher::instance().listen(node, signals);
  } catch (...) {
    release(stop);
    throw;
  }
  node.add_callback(*stop);
}

}  // namespace cascade::detail
