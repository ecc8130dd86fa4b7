// cookbook: a pipeline (docs/cookbook.md), after Go's errgroup pipeline example: one stage
// produces numbers, a bounded number of workers square them, and the caller sums the squares.
// The stages talk through bounded channels; the first failure anywhere cancels every stage, and a
// stage blocked on a full or empty channel wakes up because cancellation closes the channels.
// Exits 1, naming the check, when an outcome differs from the page's.

#include <cascade/cascade.hpp>

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <iostream>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>

// A bounded, closable queue, the part of a Go channel a pipeline needs. Thread-safe.
template <class T>
class Channel {
 public:
  explicit Channel(std::size_t capacity) : capacity_(capacity) {}

  // Blocks while the channel is full; false, and nothing sent, once it is closed.
  bool send(T value) {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return closed_ || items_.size() < capacity_; });
    if (closed_) return false;
    items_.push_back(std::move(value));
    changed_.notify_all();
    return true;
  }

  // Blocks while the channel is empty and open; nullopt once it is closed and drained.
  std::optional<T> receive() {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return closed_ || !items_.empty(); });
    if (items_.empty()) return std::nullopt;
    T value = std::move(items_.front());
    items_.pop_front();
    changed_.notify_all();
    return value;
  }

  void close() {
    std::lock_guard lock(mutex_);
    closed_ = true;
    changed_.notify_all();
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<T> items_;
  std::size_t capacity_;
  bool closed_ = false;
};

// Sums the squares of 1..count with `workers` squaring stages. A number equal to `poison` makes
// its worker fail, which cancels the pipeline.
long long sum_of_squares(int count, int workers, int poison) {
  Channel<int> numbers(16);
  Channel<long long> squares(16);
  cascade::Group pipeline(cascade::Context::background());
  // Cancellation (a failure, or the caller's context) closes both channels, so no stage stays
  // blocked on them; the callback is deregistered before the channels are destroyed.
  cascade::CancelCallback close_on_cancel = pipeline.context().on_cancel([&] {
    numbers.close();
    squares.close();
  });

  // Stage 1: the producer. It blocks on a full channel, so it is a blocking task.
  pipeline.go_blocking([&] {
    for (int i = 1; i <= count && numbers.send(i); ++i) {
    }
    numbers.close();
  });

  // Stage 2: `workers` squaring tasks (the bound on parallelism), in a group of their own; the
  // first failure among them cancels the others, and then the whole pipeline.
  cascade::Group squarers(pipeline.context());
  for (int w = 0; w < workers; ++w) {
    squarers.go_blocking([&](const cascade::Context& ctx) -> cascade::Error {
      while (std::optional<int> n = numbers.receive()) {
        if (ctx.cancelled()) return ctx.cause();  // a sibling failed: stop
        if (*n == poison) throw std::runtime_error("cannot square " + std::to_string(*n));
        if (!squares.send(static_cast<long long>(*n) * *n)) break;
      }
      return {};
    });
  }
  pipeline.go_blocking([&] {
    const cascade::Error failure = squarers.wait();
    squares.close();
    failure.throw_if_error();  // a worker's failure fails the pipeline, and cancels it
  });

  // Stage 3: the caller sums what comes out.
  long long sum = 0;
  while (std::optional<long long> square = squares.receive()) sum += *square;
  pipeline.wait().throw_if_error();
  return sum;
}

int main() {
  bool ok = true;
  auto check = [&ok](bool passed, const char* what) {
    if (!passed) std::cerr << "pipeline: " << what << " did not behave as documented\n";
    ok = ok && passed;
  };
  const long long sum = sum_of_squares(1000, 4, -1);
  std::cout << "sum of squares of 1..1000: " << sum << '\n';
  check(sum == 1000LL * 1001 * 2001 / 6, "a pipeline that succeeds");
  try {
    sum_of_squares(1000, 4, 500);
    check(false, "a failing stage");
  } catch (const std::runtime_error& failure) {
    std::cout << "failed: " << failure.what() << '\n';
    check(std::string(failure.what()) == "cannot square 500", "a failing stage");
  }
  return ok ? 0 : 1;
}
