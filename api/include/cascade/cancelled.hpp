#pragma once

#include <stdexcept>
#include <string>

namespace cascade {

// Cancelled is the error of a cancelled context (Go's context.Canceled) and the default cause of
// a cancellation. what() is "context cancelled", or "context cancelled: <detail>" when a detail
// says why (for example "group finished: wait() returned").
class Cancelled : public std::runtime_error {
 public:
  // what() "context cancelled", or "context cancelled: <detail>".
  Cancelled();
  explicit Cancelled(const std::string& detail);

 protected:
  // For subclasses that supply their whole what() text.
  struct WholeText {};
  // A Cancelled whose what() is `text`, unchanged.
  Cancelled(WholeText, const std::string& text);
};

// DeadlineExceeded is the error of a context whose deadline passed (Go's
// context.DeadlineExceeded); what() is "context deadline exceeded". It is a Cancelled, so code
// that handles cancellation handles deadlines too.
class DeadlineExceeded : public Cancelled {
 public:
  DeadlineExceeded();
};

}  // namespace cascade
