// Error: the value that carries a task's failure, and the cancellation causes Cancelled and
// DeadlineExceeded.

#include <gtest/gtest.h>

#include <exception>
#include <optional>
#include <stdexcept>
#include <string>
#include <type_traits>

#include "cascade/cascade.hpp"
#include "support/context_helpers.hpp"

namespace {

using cascade::Cancelled;
using cascade::DeadlineExceeded;
using cascade::Error;
using cascade::testing::TestFailure;

// A std::exception subclass with state of its own, to check that nothing slices it.
class DerivedFailure : public TestFailure {
 public:
  DerivedFailure(const std::string& text, int code) : TestFailure(text), code_(code) {}
  int code() const noexcept { return code_; }

 private:
  int code_;
};

// A thrown type that is not a std::exception.
struct PlainFailure {
  int value;
};

std::exception_ptr capture(const auto& exception_object) {
  try {
    throw exception_object;
  } catch (...) {
    return std::current_exception();
  }
}

// The address of the object that rethrowing `error` throws, caught as E.
template <class E>
const E* address_thrown_by(const Error& error) {
  try {
    error.rethrow();
  } catch (const E& caught) {
    return &caught;
  }
}

TEST(Error, DefaultIsSuccess) {
  const Error error;
  EXPECT_FALSE(error);
  EXPECT_EQ(error.exception(), nullptr);
  EXPECT_EQ(error.message(), "success");
}

TEST(Error, FromNullExceptionIsSuccess) {
  const Error error = Error::from_exception(nullptr);
  EXPECT_FALSE(error);
  EXPECT_EQ(error, Error());
}

TEST(Error, FromExceptionIsFailureHoldingThatException) {
  const std::exception_ptr thrown = capture(std::runtime_error("disk full"));
  const Error error = Error::from_exception(thrown);
  EXPECT_TRUE(error);
  EXPECT_EQ(error.exception(), thrown);
  EXPECT_EQ(error.message(), "disk full");
}

TEST(Error, MakeKeepsTheDynamicType) {
  const Error error = Error::make(DerivedFailure("bad input", 7));
  ASSERT_TRUE(error);
  const DerivedFailure* derived = error.as<DerivedFailure>();
  ASSERT_NE(derived, nullptr);
  EXPECT_EQ(derived->code(), 7);
  EXPECT_STREQ(derived->what(), "bad input");
}

TEST(Error, AsFindsBaseClassesOfTheStoredException) {
  const Error error = Error::make(DerivedFailure("bad input", 7));
  const DerivedFailure* derived = error.as<DerivedFailure>();
  ASSERT_NE(derived, nullptr);
  EXPECT_EQ(error.as<TestFailure>(), derived);
  EXPECT_EQ(error.as<std::runtime_error>(), derived);
  EXPECT_EQ(error.as<std::exception>(), derived);
  EXPECT_TRUE(error.is<std::exception>());
}

TEST(Error, AsReturnsNullForUnrelatedTypesAndForSuccess) {
  const Error failure = Error::make(std::runtime_error("boom"));
  EXPECT_EQ(failure.as<std::logic_error>(), nullptr);
  EXPECT_FALSE(failure.is<TestFailure>());
  EXPECT_FALSE(failure.is<int>());
  EXPECT_FALSE(Error().is<std::exception>());
  EXPECT_EQ(Error().as<std::runtime_error>(), nullptr);
}

TEST(Error, AsPointerStaysValidWhileACopyLives) {
  std::optional<Error> original = Error::make(DerivedFailure("kept", 3));
  const Error copy = *original;
  const DerivedFailure* derived = original->as<DerivedFailure>();
  original.reset();
  ASSERT_NE(derived, nullptr);
  EXPECT_EQ(derived->code(), 3);
  EXPECT_EQ(copy.as<DerivedFailure>(), derived);
}

TEST(Error, MessageOfAStdExceptionIsWhat) {
  EXPECT_EQ(Error::make(std::logic_error("broken invariant")).message(), "broken invariant");
  EXPECT_EQ(Error::make(DerivedFailure("derived text", 1)).message(), "derived text");
}

TEST(Error, ThrowOfAnIntIsAFailureWithAReadableMessage) {
  const Error error = Error::from_exception(capture(42));
  ASSERT_TRUE(error);
  const std::string message = error.message();
  EXPECT_NE(message, "success");
  EXPECT_NE(message.find("int"), std::string::npos) << message;
  ASSERT_TRUE(error.is<int>());
  EXPECT_EQ(*error.as<int>(), 42);
}

TEST(Error, MessageOfANonStdThrowNamesTheType) {
  const Error error = Error::make(PlainFailure{5});
  const std::string message = error.message();
  EXPECT_NE(message.find("PlainFailure"), std::string::npos) << message;
  ASSERT_TRUE(error.is<PlainFailure>());
  EXPECT_EQ(error.as<PlainFailure>()->value, 5);
  EXPECT_FALSE(error.is<std::exception>());
}

TEST(Error, RethrowThrowsTheStoredObjectItself) {
  const Error error = Error::make(DerivedFailure("identity", 9));
  const DerivedFailure* stored = error.as<DerivedFailure>();
  EXPECT_EQ(address_thrown_by<DerivedFailure>(error), stored);
  EXPECT_EQ(address_thrown_by<std::exception>(error), stored);
}

TEST(Error, RethrowKeepsTheIdentityOfACapturedException) {
  const std::exception_ptr thrown = capture(std::runtime_error("captured"));
  const Error error = Error::from_exception(thrown);
  try {
    error.rethrow();
  } catch (...) {
    EXPECT_EQ(std::current_exception(), thrown);
  }
}

TEST(Error, RethrowOfANonStdThrowKeepsItsType) {
  const Error error = Error::from_exception(capture(42));
  EXPECT_THROW(error.rethrow(), int);
}

TEST(Error, RethrowOnSuccessThrowsLogicError) {
  const Error success;
  EXPECT_THROW(success.rethrow(), std::logic_error);
}

TEST(Error, ThrowIfErrorDoesNothingOnSuccess) {
  const Error success;
  EXPECT_NO_THROW(success.throw_if_error());
}

TEST(Error, ThrowIfErrorRethrowsAFailure) {
  const Error error = Error::make(DerivedFailure("thrown", 2));
  EXPECT_THROW(error.throw_if_error(), DerivedFailure);
  try {
    error.throw_if_error();
  } catch (const DerivedFailure& caught) {
    EXPECT_EQ(&caught, error.as<DerivedFailure>());
  }
}

TEST(Error, CopiesAreEqual) {
  const Error original = Error::make(std::runtime_error("same"));
  // NOLINTNEXTLINE(performance-unnecessary-copy-initialization): the copy is what is tested
  const Error copy = original;
  Error assigned;
  assigned = original;
  EXPECT_EQ(copy, original);
  EXPECT_EQ(assigned, original);
}

TEST(Error, EqualLookingFailuresAreNotEqual) {
  const Error first = Error::make(std::runtime_error("same text"));
  const Error second = Error::make(std::runtime_error("same text"));
  EXPECT_NE(first, second);
  EXPECT_EQ(first.message(), second.message());
}

TEST(Error, SuccessEqualsSuccessOnly) {
  EXPECT_EQ(Error(), Error());
  EXPECT_EQ(Error(), Error::from_exception(nullptr));
  EXPECT_NE(Error(), Error::make(std::runtime_error("failure")));
}

TEST(Error, ErrorsFromTheSameExceptionPointerAreEqual) {
  const std::exception_ptr thrown = capture(std::runtime_error("shared"));
  EXPECT_EQ(Error::from_exception(thrown), Error::from_exception(thrown));
}

TEST(Error, MovedErrorKeepsTheFailure) {
  Error source = Error::make(std::runtime_error("moved"));
  const Error copy = source;
  const Error target = std::move(source);
  EXPECT_EQ(target, copy);
}

TEST(Cancelled, WhatSaysContextCancelled) { EXPECT_STREQ(Cancelled().what(), "context cancelled"); }

TEST(Cancelled, DetailIsAppendedToTheText) {
  EXPECT_STREQ(Cancelled("group finished").what(), "context cancelled: group finished");
}

TEST(Cancelled, IsARuntimeError) {
  const Error error = Error::make(Cancelled());
  EXPECT_TRUE(error.is<std::runtime_error>());
  EXPECT_FALSE(error.is<DeadlineExceeded>());
  EXPECT_EQ(error.message(), "context cancelled");
}

TEST(DeadlineExceeded, WhatSaysContextDeadlineExceeded) {
  EXPECT_STREQ(DeadlineExceeded().what(), "context deadline exceeded");
}

TEST(DeadlineExceeded, IsACancelled) {
  static_assert(std::is_base_of_v<Cancelled, DeadlineExceeded>);
  const Error error = Error::make(DeadlineExceeded());
  EXPECT_TRUE(error.is<Cancelled>());
  EXPECT_TRUE(error.is<DeadlineExceeded>());
  EXPECT_EQ(error.message(), "context deadline exceeded");
  EXPECT_THROW(error.rethrow(), Cancelled);
}

}  // namespace
