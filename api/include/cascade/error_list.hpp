#pragma once

#include <cstddef>
#include <memory>
#include <stdexcept>
#include <vector>

#include "cascade/error.hpp"

namespace cascade {

// ErrorList is the failure of a group whose policy collects failures (collect_all, and
// first_success or quorum when they fail): every task failure, in completion order. An entry
// marked caused_by_cancellation is a failure that is only a consequence of a cancellation (the
// task's outcome is TaskOutcome::cancelled). what() summarises, e.g. "3 tasks failed (1 only
// because of cancellation); first: <message of the first failure not caused by cancellation, or
// else of the first one>". Copies share the entries (copying never throws); the entries never
// change; safe to read from any thread.
class ErrorList : public std::runtime_error {
 public:
  // One task's failure.
  struct Entry {
    Error error;                          // the failure, as the task produced it
    bool caused_by_cancellation = false;  // the task's outcome is TaskOutcome::cancelled
  };

  // Precondition: at least one entry, each holding a failure (std::invalid_argument otherwise).
  explicit ErrorList(std::vector<Entry> entries);

  // The number of entries (at least 1).
  std::size_t size() const noexcept { return entries_->size(); }
  // Entries in completion order. Precondition for operator[]: index < size().
  const Entry& operator[](std::size_t index) const noexcept { return (*entries_)[index]; }
  const Entry* begin() const noexcept { return entries_->data(); }
  const Entry* end() const noexcept { return entries_->data() + entries_->size(); }
  // Entries not marked caused_by_cancellation.
  std::size_t real_failures() const noexcept;

 private:
  std::shared_ptr<const std::vector<Entry>> entries_;
};

}  // namespace cascade
