#include "cascade/error.hpp"

#include <cxxabi.h>

#include <cstdlib>
#include <memory>
#include <stdexcept>
#include <typeinfo>

namespace cascade {
namespace {

// The readable name of the exception being handled, e.g. "int", or "unknown type".
std::string current_exception_type_name() {
  const std::type_info* type = abi::__cxa_current_exception_type();
  if (type == nullptr) return "unknown type";
  int status = 0;
  std::unique_ptr<char, decltype(&std::free)> demangled(
      abi::__cxa_demangle(type->name(), nullptr, nullptr, &status), &std::free);
  return status == 0 && demangled ? demangled.get() : type->name();
}

}  // namespace

std::string Error::message() const {
  if (!exception_) return "success";
  try {
    std::rethrow_exception(exception_);
  } catch (const std::exception& e) {
    return e.what();
  } catch (...) {
    return "non-std exception of type " + current_exception_type_name();
  }
}

void Error::rethrow() const {
  if (!exception_) throw std::logic_error("cascade::Error::rethrow() called on a success Error");
  std::rethrow_exception(exception_);
}

}  // namespace cascade
