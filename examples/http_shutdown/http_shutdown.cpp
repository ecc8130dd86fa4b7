// http_shutdown: the Go program this project grew from, in C++. An HTTP server on 127.0.0.1
// answers /ping with "pong" and stops on /shutdown, on SIGINT or SIGTERM, or when it cannot
// start. One Group coordinates three tasks:
// - the server loop, which binds the port and serves until it is stopped;
// - a watcher, which waits for the group's context to be cancelled (by /shutdown, a signal or a
//   failed start), then stops the server gracefully, giving in-flight requests 3 seconds;
// - a signal listener (notify_signals), which turns SIGINT or SIGTERM into the group's cause.
// Each task blocks, so each is a go_blocking task: none holds a TBB worker.
//
//   http_shutdown PORT        (PORT 0: any free port)
//
// Prints "listening on 127.0.0.1:<port>" once it serves, and ends with one line naming why it
// stopped: "stopped: shutdown requested over HTTP", "stopped: signal received: SIGTERM", or
// "stopped: cannot listen on 127.0.0.1:<port>: <reason>". Exit status 0 after a requested stop, 1
// when it could not serve, 2 for a bad command line.

#include <httplib.h>
#include <sys/socket.h>

#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <cstring>
#include <iostream>
#include <mutex>
#include <stdexcept>
#include <string>

#include <cascade/cascade.hpp>

namespace {

using namespace std::chrono_literals;

constexpr auto kGracePeriod = 3s;
constexpr auto kStopRetry = 50ms;
constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;

// The cause /shutdown gives the group.
class ShutdownRequested : public std::runtime_error {
 public:
  ShutdownRequested() : std::runtime_error("shutdown requested over HTTP") {}
};

// A one-shot event with a bounded wait.
class Event {
 public:
  void set() {
    std::lock_guard lock(mutex_);
    set_ = true;
    changed_.notify_all();
  }
  void wait() {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [this] { return set_; });
  }
  bool wait_for(std::chrono::nanoseconds timeout) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, timeout, [this] { return set_; });
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  bool set_ = false;
};

// Blocks until `ctx` is cancelled.
void wait_until_cancelled(const cascade::Context& ctx) {
  Event cancelled;
  const cascade::CancelCallback wake = ctx.on_cancel([&cancelled] { cancelled.set(); });
  cancelled.wait();
}

int parse_port(int argc, char** argv) {
  if (argc != 2) throw std::invalid_argument("give exactly one argument, the port");
  const std::string text = argv[1];
  std::size_t used = 0;
  int port = -1;
  try {
    port = std::stoi(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != text.size() || port < 0 || port > 65535)
    throw std::invalid_argument("the port must be a number from 0 to 65535, not '" + text + "'");
  return port;
}

class App {
 public:
  explicit App(int port) : port_(port) {
    // SO_REUSEADDR only: cpp-httplib's default adds SO_REUSEPORT, which would let a second server
    // share the port instead of failing to start.
    server_.set_socket_options([](socket_t socket) {
      int yes = 1;
      ::setsockopt(socket, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
    });
    server_.Get("/ping", [](const httplib::Request&, httplib::Response& response) {
      response.set_content("pong\n", "text/plain");
    });
    server_.Get("/shutdown", [this](const httplib::Request&, httplib::Response& response) {
      response.set_content("shutting down\n", "text/plain");
      group_.cancel(cascade::Error::make(ShutdownRequested()));
    });
  }

  // Runs the three tasks; returns why the server stopped, and whether that was a failure.
  cascade::Error run() {
    group_.go_blocking([this](const cascade::Context&) { return serve(); });
    group_.go_blocking([this](const cascade::Context& ctx) { return stop_when_cancelled(ctx); });
    group_.go_blocking([](const cascade::Context& ctx) { return listen_for_signals(ctx); });
    return group_.wait();
  }

  cascade::Error cause() const { return group_.context().cause(); }

 private:
  cascade::Error serve() {
    const cascade::Error failure = bind_and_serve();
    served_.set();
    return failure;
  }

  cascade::Error bind_and_serve() {
    errno = 0;
    const int port = port_ == 0 ? server_.bind_to_any_port(kHost)
                                : (server_.bind_to_port(kHost, port_) ? port_ : -1);
    if (port < 0) {
      const std::string reason = errno != 0 ? std::strerror(errno) : "the address is not available";
      return cascade::Error::make(std::runtime_error("cannot listen on " + std::string(kHost) +
                                                     ":" + std::to_string(port_) + ": " + reason));
    }
    std::cout << "listening on " << kHost << ':' << port << std::endl;
    server_.listen_after_bind();
    return {};
  }

  // stop() does nothing to a server that has not started listening yet, so it is repeated until
  // the server loop has returned, for at most the grace period.
  cascade::Error stop_when_cancelled(const cascade::Context& ctx) {
    wait_until_cancelled(ctx);
    const auto give_up = std::chrono::steady_clock::now() + kGracePeriod;
    do {
      server_.stop();
      if (served_.wait_for(kStopRetry)) return {};
    } while (std::chrono::steady_clock::now() < give_up);
    return cascade::Error::make(std::runtime_error("the server did not stop within 3 s"));
  }

  static cascade::Error listen_for_signals(const cascade::Context& ctx) {
    auto [signalled, stop_listening] = cascade::notify_signals(ctx, {SIGINT, SIGTERM});
    wait_until_cancelled(signalled);
    const cascade::Error why = signalled.cause();
    return why.as<cascade::SignalReceived>() != nullptr ? why : cascade::Error();
  }

  static constexpr const char* kHost = "127.0.0.1";
  const int port_;
  httplib::Server server_;
  Event served_;
  cascade::Group group_{cascade::Context::background()};
};

}  // namespace

int main(int argc, char** argv) {
  int port = 0;
  try {
    port = parse_port(argc, argv);
  } catch (const std::invalid_argument& mistake) {
    std::cerr << "http_shutdown: " << mistake.what() << "\nusage: http_shutdown PORT\n";
    return kExitUsage;
  }
  App app(port);
  const cascade::Error failure = app.run();
  const bool requested = failure.as<cascade::SignalReceived>() != nullptr || !failure;
  std::cout << "stopped: " << (failure ? failure.message() : app.cause().message()) << std::endl;
  return requested ? 0 : kExitFailure;
}
