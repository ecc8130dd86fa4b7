#include "cascade/notify_signals.hpp"

#include <signal.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <stdexcept>
#include <string>

#include "cascade/derived_contexts.hpp"
#include "core/context_access.hpp"
#include "core/signal_names.hpp"
#include "core/signal_watcher.hpp"

namespace cascade {
namespace {

// Raised by the instruction that faults, on its own thread: the handler returns to the same
// instruction, so a context cannot meaningfully react to them.
constexpr std::array kSynchronousFaults{SIGSEGV, SIGBUS, SIGFPE, SIGILL};

[[noreturn]] void reject(const std::string& mistake) {
  throw std::invalid_argument("cascade::notify_signals: " + mistake);
}

void check_listenable(int signal) {
  if (signal <= 0 || signal >= NSIG)
    reject("signal " + std::to_string(signal) + " is not a valid signal number");
  if (signal == SIGKILL || signal == SIGSTOP)
    reject(detail::signal_name(signal) + " cannot be caught");
  if (std::find(kSynchronousFaults.begin(), kSynchronousFaults.end(), signal) !=
      kSynchronousFaults.end())
    reject(detail::signal_name(signal) + " is a synchronous fault, which a context cannot handle");
  struct sigaction current {};
  if (::sigaction(signal, nullptr, &current) != 0)  // glibc's own, such as 32 and 33 (NPTL)
    reject("signal " + std::to_string(signal) + " is reserved by the C library");
}

detail::SignalSet checked_signals(std::initializer_list<int> signals) {
  if (signals.size() == 0) reject("the list of signals is empty");
  detail::SignalSet checked;
  for (const int signal : signals) {
    check_listenable(signal);
    checked.set(static_cast<std::size_t>(signal));
  }
  return checked;
}

}  // namespace

std::pair<Context, Canceller> notify_signals(const Context& parent,
                                             std::initializer_list<int> signals) {
  const detail::SignalSet listened = checked_signals(signals);
  std::pair<Context, Canceller> made = with_cancel(parent);
  if (!made.first.cancelled())  // a child born cancelled never listens
    detail::listen_until_cancelled(detail::ContextAccess::node(made.first), listened);
  return made;
}

}  // namespace cascade
