#include "stress/recording.hpp"

namespace cascade::stress {
namespace {

const char* source_name(Source source) {
  switch (source) {
    case Source::task:
      return "task";
    case Source::group_cancel:
      return "cancel of group";
    case Source::parent_cancel:
      return "cancel of the parent of group";
  }
  return "?";
}

class StressCategory : public std::error_category {
 public:
  const char* name() const noexcept override { return "stress"; }
  std::string message(int value) const override {
    return "error code of task " + std::to_string(value - 1);
  }
};

}  // namespace

StressFailure::StressFailure(Source source, int index)
    : std::runtime_error(std::string("stress failure: ") + source_name(source) + ' ' +
                         std::to_string(index)),
      source_(source),
      index_(index) {}

const std::error_category& stress_category() noexcept {
  static const StressCategory category;
  return category;
}

bool holds_thrown_payload(const Error& error, Outcome outcome, int task) {
  switch (outcome) {
    case Outcome::throw_std: {
      const auto* failure = error.as<StressFailure>();
      return failure != nullptr && failure->source() == Source::task && failure->index() == task;
    }
    case Outcome::throw_int: {
      const int* value = error.as<int>();
      return value != nullptr && *value == task;
    }
    case Outcome::throw_custom: {
      const auto* failure = error.as<NonStdFailure>();
      return failure != nullptr && failure->task == task;
    }
    case Outcome::return_error_code: {
      const auto* failure = error.as<std::system_error>();
      return failure != nullptr && failure->code() == std::error_code(task + 1, stress_category());
    }
    case Outcome::succeed:
    case Outcome::return_error:
      return false;
  }
  return false;
}

}  // namespace cascade::stress
