#include "cascade/error_list.hpp"

#include <algorithm>
#include <string>
#include <utility>

namespace cascade {
namespace {

std::size_t count_real_failures(const std::vector<ErrorList::Entry>& entries) noexcept {
  return static_cast<std::size_t>(
      std::count_if(entries.begin(), entries.end(),
                    [](const ErrorList::Entry& entry) { return !entry.caused_by_cancellation; }));
}

// "3 tasks failed (1 only because of cancellation); first: <message>".
std::string summarise(const std::vector<ErrorList::Entry>& entries) {
  if (entries.empty())
    throw std::invalid_argument("cascade::ErrorList: the list of failures is empty");
  const auto success = std::find_if(entries.begin(), entries.end(),
                                    [](const ErrorList::Entry& entry) { return !entry.error; });
  if (success != entries.end())
    throw std::invalid_argument("cascade::ErrorList: entry " +
                                std::to_string(success - entries.begin()) +
                                " is a success (an empty Error), not a failure");
  const std::size_t consequences = entries.size() - count_real_failures(entries);
  const auto first_real =
      std::find_if(entries.begin(), entries.end(),
                   [](const ErrorList::Entry& entry) { return !entry.caused_by_cancellation; });
  const ErrorList::Entry& first = first_real != entries.end() ? *first_real : entries.front();
  std::string text =
      std::to_string(entries.size()) + (entries.size() == 1 ? " task failed" : " tasks failed");
  if (consequences > 0)
    text += " (" + std::to_string(consequences) + " only because of cancellation)";
  return text + "; first: " + first.error.message();
}

}  // namespace

ErrorList::ErrorList(std::vector<Entry> entries)
    : std::runtime_error(summarise(entries)),
      entries_(std::make_shared<const std::vector<Entry>>(std::move(entries))) {}

std::size_t ErrorList::real_failures() const noexcept { return count_real_failures(*entries_); }

}  // namespace cascade
