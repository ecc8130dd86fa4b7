// notify_signals (docs/signals.md): the first listed signal to arrive cancels the context with
// SignalReceived, whichever thread it hits, and every context listening to it; other signals do
// nothing; whatever cancels the context stops its listening, and the disposition a signal had
// before is back once nobody listens; bad input is rejected by name.
//
// Every signal these tests send has a counting handler of the test's own underneath cascade's, so
// a bug never meets a default disposition that would kill the test process.

#include <gtest/gtest.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <chrono>
#include <functional>
#include <initializer_list>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "cascade/cascade.hpp"
#include "support/context_helpers.hpp"

namespace {

using cascade::Context;
using cascade::Error;
using cascade::notify_signals;
using cascade::SignalReceived;
using cascade::testing::Cancellable;
using cascade::testing::cancellable;
using cascade::testing::ErrorKind;
using cascade::testing::Event;
using cascade::testing::kind_of;
using cascade::testing::kPatience;
using cascade::testing::live;
using cascade::testing::root_child;
using cascade::testing::run_on_threads;

using Clock = std::chrono::steady_clock;

// A real-time signal the C library has no name for (SIGRTMIN is not a constant).
int unnamed_signal() { return SIGRTMIN + 8; }

// The signals the tests send; the last one only by watcher_caught_up().
std::vector<int> test_signals() { return {SIGUSR1, SIGUSR2, SIGHUP, unnamed_signal(), SIGWINCH}; }
constexpr int kBarrierSignal = SIGWINCH;

// Arrivals seen by the test's own handlers, per signal number.
std::array<std::atomic<int>, NSIG> arrivals_seen{};

void count_arrival(int signal) {
  arrivals_seen[static_cast<std::size_t>(signal)].fetch_add(1, std::memory_order_relaxed);
}

// A second handler of the test's own, installed over cascade's while it listens.
void count_arrival_too(int signal) { count_arrival(signal); }

struct sigaction disposition_of(int signal) {
  struct sigaction current {};
  EXPECT_EQ(sigaction(signal, nullptr, &current), 0);
  return current;
}

bool has_a_test_handler(int signal) {
  const auto handler = disposition_of(signal).sa_handler;
  return handler == &count_arrival || handler == &count_arrival_too;
}

void install(int signal, void (*handler)(int)) {
  struct sigaction action {};
  action.sa_handler = handler;
  sigemptyset(&action.sa_mask);
  sigaddset(&action.sa_mask, SIGTERM);  // a mask and flags that cascade's own handler lacks
  action.sa_flags = SA_NODEFER;
  ASSERT_EQ(sigaction(signal, &action, nullptr), 0);
}

::testing::AssertionResult same_disposition(const struct sigaction& actual,
                                            const struct sigaction& expected) {
  if (actual.sa_handler != expected.sa_handler)
    return ::testing::AssertionFailure() << "another handler is installed";
  if (actual.sa_flags != expected.sa_flags)
    return ::testing::AssertionFailure()
           << "flags " << actual.sa_flags << ", expected " << expected.sa_flags;
  for (int signal = 1; signal < NSIG; ++signal) {
    if (sigismember(&actual.sa_mask, signal) != sigismember(&expected.sa_mask, signal))
      return ::testing::AssertionFailure() << "the mask differs at signal " << signal;
  }
  return ::testing::AssertionSuccess();
}

// Polls `condition` until it holds or `kPatience` passes; true if it held.
bool eventually(const std::function<bool()>& condition) {
  const auto give_up = Clock::now() + kPatience;
  while (!condition()) {
    if (Clock::now() > give_up) return false;
    std::this_thread::yield();
  }
  return true;
}

// Success when `context` was cancelled by signal `signal`: the cause is a SignalReceived naming
// it, and err() the plain Cancelled of any cancellation with a cause.
::testing::AssertionResult cancelled_by_signal(const Context& context, int signal) {
  if (!context.cancelled()) return ::testing::AssertionFailure() << "the context is live";
  const auto* received = context.cause().as<SignalReceived>();
  if (received == nullptr)
    return ::testing::AssertionFailure() << "cause is \"" << context.cause().message() << '"';
  if (received->signal_number() != signal)
    return ::testing::AssertionFailure() << "signal " << received->signal_number();
  if (kind_of(context.err()) != ErrorKind::kCancelled || context.err().is<SignalReceived>())
    return ::testing::AssertionFailure() << "err() is \"" << context.err().message() << '"';
  return ::testing::AssertionSuccess();
}

// Success when `context` was cancelled otherwise than by a signal, with the plain Cancelled.
::testing::AssertionResult cancelled_plainly(const Context& context) {
  if (!context.cancelled()) return ::testing::AssertionFailure() << "the context is live";
  if (kind_of(context.cause()) != ErrorKind::kCancelled || context.cause().is<SignalReceived>())
    return ::testing::AssertionFailure() << "cause is \"" << context.cause().message() << '"';
  return ::testing::AssertionSuccess();
}

// Success once the watcher has handled every arrival sent before the call: the pipe is read in
// order, so a fresh listener of the barrier signal is cancelled only after those.
::testing::AssertionResult watcher_caught_up() {
  const Cancellable probe = cancellable(notify_signals(Context::background(), {kBarrierSignal}));
  if (raise(kBarrierSignal) != 0) return ::testing::AssertionFailure() << "raise failed";
  if (!probe.context.wait_for(kPatience))
    return ::testing::AssertionFailure() << "the watcher never handled the barrier signal";
  return ::testing::AssertionSuccess();
}

// The message of the std::invalid_argument that notify_signals(background(), signals) throws, or
// "accepted" when it throws none.
std::string rejection(std::initializer_list<int> signals) {
  try {
    const Cancellable accepted = cancellable(notify_signals(Context::background(), signals));
  } catch (const std::invalid_argument& rejected) {
    return rejected.what();
  }
  return "accepted";
}

class NotifySignals : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const int signal : test_signals()) {
      arrivals_seen[static_cast<std::size_t>(signal)].store(0);
      ASSERT_EQ(sigaction(signal, nullptr, &original(signal)), 0);
      install(signal, &count_arrival);
      own(signal) = disposition_of(signal);
    }
  }

  void TearDown() override {
    for (const int signal : test_signals()) {
      // Every listener is cancelled by now, but the last one's stop may still be running on the
      // watcher's thread (after the callback that woke the test), and must not meet the next test.
      EXPECT_TRUE(eventually([signal] { return has_a_test_handler(signal); }))
          << "cascade's handler of signal " << signal << " is still installed";
      sigaction(signal, &original(signal), nullptr);
    }
  }

  static int arrivals(int signal) {
    return arrivals_seen[static_cast<std::size_t>(signal)].load(std::memory_order_relaxed);
  }

  // Success when the test's own handler of `signal` is installed, exactly as SetUp made it.
  ::testing::AssertionResult has_test_disposition(int signal) {
    return same_disposition(disposition_of(signal), own(signal));
  }

  bool gets_test_disposition_back(int signal) {
    return eventually([&] { return bool(has_test_disposition(signal)); });
  }

 private:
  struct sigaction& original(int signal) {
    return original_[static_cast<std::size_t>(signal)];
  }
  struct sigaction& own(int signal) {
    return own_[static_cast<std::size_t>(signal)];
  }

  std::array<struct sigaction, NSIG> original_{};
  std::array<struct sigaction, NSIG> own_{};
};

TEST(SignalReceived, NamesTheSignal) {
  const SignalReceived received(SIGTERM);
  EXPECT_EQ(received.signal_number(), SIGTERM);
  EXPECT_STREQ(received.what(), "signal received: SIGTERM");
}

TEST(SignalReceived, GivesTheNumberOfAnUnnamedSignal) {
  const SignalReceived received(42);
  EXPECT_EQ(received.signal_number(), 42);
  EXPECT_STREQ(received.what(), "signal received: signal 42");
}

TEST(SignalReceived, IsACancelled) {
  const Error error = Error::make(SignalReceived(SIGINT));
  EXPECT_EQ(kind_of(error), ErrorKind::kCancelled);
  EXPECT_EQ(error.message(), "signal received: SIGINT");
}

TEST_F(NotifySignals, IsALiveChildOfItsParent) {
  const Cancellable parent = root_child();
  const Cancellable context = cancellable(notify_signals(parent.context, {SIGUSR1}));
  EXPECT_TRUE(live(context.context));
  EXPECT_EQ(parent.context.child_count(), 1U);
  EXPECT_FALSE(has_test_disposition(SIGUSR1)) << "cascade's handler is not installed";
}

TEST_F(NotifySignals, RaisedSignalCancelsWithSignalReceived) {
  const Cancellable context = cancellable(notify_signals(Context::background(), {SIGUSR1}));
  ASSERT_EQ(raise(SIGUSR1), 0);
  ASSERT_TRUE(context.context.wait_for(kPatience));
  EXPECT_TRUE(cancelled_by_signal(context.context, SIGUSR1));
  EXPECT_EQ(context.context.cause().message(), "signal received: SIGUSR1");
  EXPECT_EQ(arrivals(SIGUSR1), 0) << "the test's handler saw a signal cascade listened to";
}

TEST_F(NotifySignals, AnyListedSignalCancels) {
  const Cancellable context =
      cancellable(notify_signals(Context::background(), {SIGUSR1, SIGUSR2, SIGHUP}));
  ASSERT_EQ(raise(SIGUSR2), 0);
  ASSERT_TRUE(context.context.wait_for(kPatience));
  EXPECT_TRUE(cancelled_by_signal(context.context, SIGUSR2));
}

TEST_F(NotifySignals, UnnamedSignalCancelsWithItsNumber) {
  const int signal = unnamed_signal();
  const Cancellable context = cancellable(notify_signals(Context::background(), {signal}));
  ASSERT_EQ(raise(signal), 0);
  ASSERT_TRUE(context.context.wait_for(kPatience));
  EXPECT_TRUE(cancelled_by_signal(context.context, signal));
  EXPECT_EQ(context.context.cause().message(), "signal received: signal " + std::to_string(signal));
}

TEST_F(NotifySignals, SignalSentToAnotherThreadCancels) {
  const Cancellable context = cancellable(notify_signals(Context::background(), {SIGUSR2}));
  Event go_home;
  std::thread other([&go_home] { go_home.wait_for(kPatience); });
  ASSERT_EQ(pthread_kill(other.native_handle(), SIGUSR2), 0);
  const bool cancelled = context.context.wait_for(kPatience);
  go_home.set();
  other.join();
  ASSERT_TRUE(cancelled);
  EXPECT_TRUE(cancelled_by_signal(context.context, SIGUSR2));
}

TEST_F(NotifySignals, SignalSentToTheProcessCancels) {
  const Cancellable context = cancellable(notify_signals(Context::background(), {SIGHUP}));
  ASSERT_EQ(kill(getpid(), SIGHUP), 0);
  ASSERT_TRUE(context.context.wait_for(kPatience));
  EXPECT_TRUE(cancelled_by_signal(context.context, SIGHUP));
}

TEST_F(NotifySignals, OneArrivalCancelsEveryListener) {
  const Cancellable first = cancellable(notify_signals(Context::background(), {SIGUSR1}));
  const Cancellable second = cancellable(notify_signals(Context::background(), {SIGUSR2, SIGUSR1}));
  ASSERT_EQ(raise(SIGUSR1), 0);
  ASSERT_TRUE(first.context.wait_for(kPatience));
  ASSERT_TRUE(second.context.wait_for(kPatience));
  EXPECT_TRUE(cancelled_by_signal(first.context, SIGUSR1));
  EXPECT_TRUE(cancelled_by_signal(second.context, SIGUSR1));
}

TEST_F(NotifySignals, ArrivalSparesListenersRegisteredWhileItIsDelivered) {
  const Cancellable first = cancellable(notify_signals(Context::background(), {SIGUSR1}));
  std::optional<Cancellable> later;
  Event registered;
  // Runs on the watcher's thread, in the middle of delivering the arrival.
  const cascade::CancelCallback register_another = first.context.on_cancel([&later, &registered] {
    later = cancellable(notify_signals(Context::background(), {SIGUSR1}));
    registered.set();
  });
  ASSERT_EQ(raise(SIGUSR1), 0);
  ASSERT_TRUE(registered.wait_for(kPatience));
  ASSERT_TRUE(watcher_caught_up());
  EXPECT_TRUE(live(later->context));
  ASSERT_EQ(raise(SIGUSR1), 0);
  ASSERT_TRUE(later->context.wait_for(kPatience));
  EXPECT_TRUE(cancelled_by_signal(later->context, SIGUSR1));
}

TEST_F(NotifySignals, SignalCancelsTheListenersBelowTheContextToo) {
  const Cancellable context = cancellable(notify_signals(Context::background(), {SIGUSR1}));
  const Cancellable child = cascade::testing::child_of(context.context);
  ASSERT_EQ(raise(SIGUSR1), 0);
  ASSERT_TRUE(child.context.wait_for(kPatience));
  EXPECT_TRUE(cancelled_by_signal(child.context, SIGUSR1));
}

TEST_F(NotifySignals, UnlistedSignalDoesNothing) {
  const Cancellable context = cancellable(notify_signals(Context::background(), {SIGUSR1}));
  ASSERT_EQ(raise(SIGUSR2), 0);
  EXPECT_EQ(arrivals(SIGUSR2), 1) << "the test's own handler of SIGUSR2 was replaced";
  ASSERT_TRUE(watcher_caught_up());
  EXPECT_TRUE(live(context.context));
}

TEST_F(NotifySignals, SignalCancelsOnlyItsOwnListeners) {
  const Cancellable usr1 = cancellable(notify_signals(Context::background(), {SIGUSR1}));
  const Cancellable usr2 = cancellable(notify_signals(Context::background(), {SIGUSR2}));
  ASSERT_EQ(raise(SIGUSR2), 0);
  ASSERT_TRUE(usr2.context.wait_for(kPatience));
  ASSERT_TRUE(watcher_caught_up());
  EXPECT_TRUE(live(usr1.context));
}

TEST_F(NotifySignals, SignalStopsTheListeningAndRestoresTheHandler) {
  const Cancellable context = cancellable(notify_signals(Context::background(), {SIGUSR1, SIGHUP}));
  ASSERT_EQ(raise(SIGUSR1), 0);
  ASSERT_TRUE(context.context.wait_for(kPatience));
  // The listening stops in a callback of the cancellation, which may run after wait_for's.
  EXPECT_TRUE(gets_test_disposition_back(SIGUSR1));
  EXPECT_TRUE(gets_test_disposition_back(SIGHUP));
  ASSERT_EQ(raise(SIGUSR1), 0);
  EXPECT_EQ(arrivals(SIGUSR1), 1);
}

TEST_F(NotifySignals, CancellerStopsTheListeningAndRestoresTheHandler) {
  const Cancellable context = cancellable(notify_signals(Context::background(), {SIGUSR1}));
  context.cancel();
  EXPECT_TRUE(cancelled_plainly(context.context));
  // The Canceller returns after the callbacks of the cancellation, the listening's stop included.
  EXPECT_TRUE(has_test_disposition(SIGUSR1));
  ASSERT_EQ(raise(SIGUSR1), 0);
  EXPECT_EQ(arrivals(SIGUSR1), 1);
  ASSERT_TRUE(watcher_caught_up());
  EXPECT_TRUE(cancelled_plainly(context.context));
}

TEST_F(NotifySignals, DestroyedCancellerStopsTheListening) {
  Context context;
  {
    Cancellable made = cancellable(notify_signals(Context::background(), {SIGUSR2}));
    context = made.context;
  }
  EXPECT_TRUE(cancelled_plainly(context));
  EXPECT_TRUE(has_test_disposition(SIGUSR2));
  ASSERT_EQ(raise(SIGUSR2), 0);
  EXPECT_EQ(arrivals(SIGUSR2), 1);
}

TEST_F(NotifySignals, ParentCancellationStopsTheListeningAndRestoresTheHandlers) {
  const Cancellable parent = root_child();
  const Cancellable context = cancellable(notify_signals(parent.context, {SIGUSR1, SIGUSR2}));
  parent.cancel();
  EXPECT_TRUE(cancelled_plainly(context.context));
  EXPECT_TRUE(has_test_disposition(SIGUSR1));
  EXPECT_TRUE(has_test_disposition(SIGUSR2));
  ASSERT_EQ(raise(SIGUSR1), 0);
  EXPECT_EQ(arrivals(SIGUSR1), 1);
  ASSERT_TRUE(watcher_caught_up());
  EXPECT_TRUE(cancelled_plainly(context.context));
}

TEST_F(NotifySignals, ChildOfACancelledParentNeverListens) {
  const Cancellable parent = root_child();
  parent.cancel();
  const Cancellable context = cancellable(notify_signals(parent.context, {SIGUSR1}));
  EXPECT_TRUE(cancelled_plainly(context.context));
  EXPECT_TRUE(has_test_disposition(SIGUSR1));
}

TEST_F(NotifySignals, HandlerStaysWhileAnotherListenerRemains) {
  const Cancellable first = cancellable(notify_signals(Context::background(), {SIGUSR1}));
  const Cancellable second = cancellable(notify_signals(Context::background(), {SIGUSR1}));
  first.cancel();
  EXPECT_FALSE(has_test_disposition(SIGUSR1)) << "restored while a listener remains";
  ASSERT_EQ(raise(SIGUSR1), 0);
  ASSERT_TRUE(second.context.wait_for(kPatience));
  EXPECT_TRUE(cancelled_by_signal(second.context, SIGUSR1));
  EXPECT_TRUE(cancelled_plainly(first.context));
  EXPECT_TRUE(gets_test_disposition_back(SIGUSR1));
  EXPECT_EQ(arrivals(SIGUSR1), 0);
}

TEST_F(NotifySignals, HandlerInstalledMeanwhileIsKept) {
  const Cancellable context = cancellable(notify_signals(Context::background(), {SIGUSR1}));
  install(SIGUSR1, &count_arrival_too);
  context.cancel();
  EXPECT_EQ(disposition_of(SIGUSR1).sa_handler, &count_arrival_too);
}

TEST_F(NotifySignals, ListenersComingAndGoingOnManyThreadsKeepTheCount) {
  constexpr int kRounds = 200;
  const Cancellable lasting = cancellable(notify_signals(Context::background(), {SIGUSR1}));
  run_on_threads(4, [](std::size_t) {
    for (int round = 0; round < kRounds; ++round) {
      const Cancellable passing =
          cancellable(notify_signals(Context::background(), {SIGUSR1, SIGUSR2}));
    }
  });
  EXPECT_TRUE(has_test_disposition(SIGUSR2));
  EXPECT_TRUE(live(lasting.context));
  ASSERT_EQ(raise(SIGUSR1), 0);
  ASSERT_TRUE(lasting.context.wait_for(kPatience));
  EXPECT_TRUE(cancelled_by_signal(lasting.context, SIGUSR1));
  EXPECT_TRUE(gets_test_disposition_back(SIGUSR1));
}

TEST_F(NotifySignals, RejectsAnEmptyList) {
  EXPECT_EQ(rejection({}), "cascade::notify_signals: the list of signals is empty");
}

TEST_F(NotifySignals, RejectsNumbersThatAreNotSignals) {
  for (const int number : {0, -1, NSIG, NSIG + 100}) {
    EXPECT_EQ(rejection({number}), "cascade::notify_signals: signal " + std::to_string(number) +
                                       " is not a valid signal number");
  }
}

TEST_F(NotifySignals, RejectsSignalsReservedByTheCLibrary) {
  for (int number = 32; number < SIGRTMIN; ++number) {  // glibc's own, for its threads
    EXPECT_EQ(rejection({number}), "cascade::notify_signals: signal " + std::to_string(number) +
                                       " is reserved by the C library");
  }
}

TEST_F(NotifySignals, RejectsSignalsThatCannotBeCaught) {
  EXPECT_EQ(rejection({SIGKILL}), "cascade::notify_signals: SIGKILL cannot be caught");
  EXPECT_EQ(rejection({SIGSTOP}), "cascade::notify_signals: SIGSTOP cannot be caught");
}

TEST_F(NotifySignals, RejectsSynchronousFaults) {
  const std::vector<std::pair<int, std::string>> faults = {
      {SIGSEGV, "SIGSEGV"}, {SIGBUS, "SIGBUS"}, {SIGFPE, "SIGFPE"}, {SIGILL, "SIGILL"}};
  for (const auto& [fault, name] : faults) {
    EXPECT_EQ(rejection({fault}), "cascade::notify_signals: " + name +
                                      " is a synchronous fault, which a context cannot handle");
  }
}

TEST_F(NotifySignals, RejectedListInstallsNothing) {
  EXPECT_NE(rejection({SIGUSR1, SIGKILL}), "accepted");
  EXPECT_NE(rejection({SIGUSR2, 0}), "accepted");
  EXPECT_TRUE(has_test_disposition(SIGUSR1));
  EXPECT_TRUE(has_test_disposition(SIGUSR2));
}

}  // namespace
