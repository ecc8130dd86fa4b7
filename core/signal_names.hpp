#pragma once

#include <string>

namespace cascade::detail {

// "SIGTERM" for a signal the C library names (sigabbrev_np), else "signal 42".
std::string signal_name(int signal_number);

}  // namespace cascade::detail
