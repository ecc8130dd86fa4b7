#pragma once

#include <exception>
#include <string>
#include <utility>

namespace cascade {

// Error is the outcome of a task or of a wait: empty means success (Go's nil error), otherwise it
// holds the exception object that describes the failure.
//
// Guarantees: an Error never slices or copies the stored exception object; copies of an Error
// share it, so `==` compares identity (the same failure), like comparing Go error values.
// Thread-safety: an Error is a value; distinct Error objects may be used from any threads, and
// copies of one Error may be read concurrently (the stored object is never modified by cascade).
class [[nodiscard]] Error {
 public:
  // Success.
  Error() noexcept = default;

  // A failure holding `e`; a null `e` gives success.
  static Error from_exception(std::exception_ptr e) noexcept { return Error(std::move(e)); }

  // A failure holding a copy of `exception_object` (any type, std::exception or not).
  template <class E>
  static Error make(E&& exception_object) {
    return Error(std::make_exception_ptr(std::forward<E>(exception_object)));
  }

  // True when this holds a failure.
  explicit operator bool() const noexcept { return static_cast<bool>(exception_); }

  // The stored exception, or null for success.
  std::exception_ptr exception() const noexcept { return exception_; }

  // what() of a std::exception; for any other type a text that names the type, such as
  // "non-std exception of type int"; "success" for an empty Error.
  std::string message() const;

  // Like Go's errors.As: the stored exception as an E (an exact match or a base class), or null
  // when this is success or holds another type. The pointer stays valid while any copy of this
  // Error lives. Costs a rethrow (about a microsecond): not for hot loops.
  template <class E>
  const E* as() const noexcept;

  // as<E>() != nullptr.
  template <class E>
  bool is() const noexcept {
    return as<E>() != nullptr;
  }

  // Throws the stored exception object itself (its dynamic type is kept).
  // Precondition: *this holds a failure; on success it throws std::logic_error saying so.
  [[noreturn]] void rethrow() const;

  // rethrow() when this holds a failure, else nothing.
  void throw_if_error() const {
    if (exception_) rethrow();
  }

  // Identity: both success, or both hold the same exception object.
  friend bool operator==(const Error& a, const Error& b) noexcept {
    return a.exception_ == b.exception_;
  }

 private:
  explicit Error(std::exception_ptr e) noexcept : exception_(std::move(e)) {}

  std::exception_ptr exception_;
};

template <class E>
const E* Error::as() const noexcept {
  if (!exception_) return nullptr;
  try {
    std::rethrow_exception(exception_);
  } catch (const E& matched) {
    return &matched;  // the exception_ptr owns the object, so the address outlives the handler
  } catch (...) {
    return nullptr;
  }
}

}  // namespace cascade
