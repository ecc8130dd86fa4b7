#pragma once

#include <signal.h>

#include <array>
#include <bitset>
#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <thread>

#include "cascade/error.hpp"
#include "core/context_node.hpp"

namespace cascade::detail {

// A set of signal numbers: bit n stands for signal n.
using SignalSet = std::bitset<NSIG>;

// SignalWatcher cancels the contexts made by notify_signals when their signals arrive. One for
// the whole process, never destroyed: contexts may stop listening while static destructors run.
//
// An arrival travels in two steps. cascade's handler, installed while at least one context
// listens to the signal, only writes the signal number to a pipe (non-blocking, close-on-exec),
// which is async-signal-safe whichever thread the signal hits. The watcher's thread, started by
// the first listen() with every signal blocked, reads the pipe and cancels each context that was
// listening to that signal when it read the arrival, with that signal number's SignalReceived
// cause (one Error per number, made by its first listen()).
//
// Thread-safety: all members may be called from any thread. The registry's mutex is never held
// while a context is cancelled or released, so a cancellation may stop listening.
class SignalWatcher {
 public:
  static SignalWatcher& instance();

  // Registers `node` as a listener of `signals` (not empty), holding a reference to it until
  // stop_listening(id), and installs cascade's handler (SA_RESTART) for each signal that had no
  // listener, saving its disposition. Throws std::system_error when the pipe, the thread or a
  // handler cannot be set up, std::bad_alloc when out of memory; then nothing is registered.
  std::uint64_t listen(ContextNode& node, const SignalSet& signals);
  // Forgets listener `id`, releasing its reference. Each signal left without listeners gets its
  // saved disposition back, unless a handler installed meanwhile replaced cascade's.
  void stop_listening(std::uint64_t id) noexcept;

  SignalWatcher(const SignalWatcher&) = delete;
  SignalWatcher& operator=(const SignalWatcher&) = delete;

 private:
  struct Listener {
    explicit Listener(ContextNode& listening) noexcept : node(&listening) {}

    ContextNode* node;    // a counted reference once listen() succeeded
    SignalSet signals{};  // the signals counted for it in listener_counts_
  };

  SignalWatcher() = default;
  void start_thread();
  void open_pipe();
  void add_signal(Listener& listener, std::size_t signal);
  void remove_signals(const Listener& listener) noexcept;
  void watch() noexcept;
  void deliver(std::size_t signal) noexcept;
  std::uint64_t registered_so_far() noexcept;
  // The first listener of `signal` with an id in [next, end), retained, with `next` moved past
  // it; null when there is none.
  ContextNode* take_listener_of(std::size_t signal, std::uint64_t& next,
                                std::uint64_t end) noexcept;

  std::mutex mutex_;
  std::map<std::uint64_t, Listener> listeners_;  // by id, which grows with each listen()
  std::uint64_t next_id_ = 0;
  // Indexed by signal number.
  std::array<std::size_t, NSIG> listener_counts_{};
  std::array<struct sigaction, NSIG> saved_actions_{};  // valid while the count is not 0
  std::array<Error, NSIG> causes_;  // set by a number's first listen(), never changed after
  int read_end_ = -1;
  std::thread thread_;
};

// Makes `node` listen to `signals` (not empty) until it is cancelled, by a signal or otherwise:
// its cancellation stops the listening. Throws like SignalWatcher::listen.
void listen_until_cancelled(ContextNode& node, const SignalSet& signals);

}  // namespace cascade::detail
