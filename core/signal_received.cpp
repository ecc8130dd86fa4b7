#include "cascade/signal_received.hpp"

#include <cstring>
#include <string>

#include "core/signal_names.hpp"

namespace cascade {
namespace detail {

std::string signal_name(int signal_number) {
  const char* const abbreviation = ::sigabbrev_np(signal_number);
  if (abbreviation == nullptr) return "signal " + std::to_string(signal_number);
  return std::string("SIG") + abbreviation;
}

}  // namespace detail

SignalReceived::SignalReceived(int signal_number)
    : Cancelled(WholeText{}, "signal received: " + detail::signal_name(signal_number)),
      signal_number_(signal_number) {}

}  // namespace cascade
