#include "core/trace.hpp"

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "cascade/tracing.hpp"
#include "core/spin_lock.hpp"

namespace cascade::detail {
namespace {

struct Event {
  enum class Kind : std::uint8_t { task, wait, cancel, context };
  Kind kind;
  Trace::Outcome outcome = Trace::Outcome::succeeded;  // task
  bool cascaded = false;                               // cancel
  std::uint64_t start = 0;                             // nanoseconds, Trace::now()
  std::uint64_t end = 0;                               // spans only
  const void* subject = nullptr;                       // the group (task, wait) or the context
  const void* other = nullptr;                         // the task's context, the context's parent
  std::string cause;                                   // cancel
};

// One thread's events. Owned by the registry, so that a thread's events outlive the thread.
struct ThreadBuffer {
  explicit ThreadBuffer(int id) : thread_id(id) {}
  SpinLock lock;  // the owner per record; stop_tracing() to take the events
  std::vector<Event> events;
  std::uint64_t dropped = 0;  // records lost to a failed allocation
  const int thread_id;
};

// Every thread's buffer, and where the trace goes. Never destroyed: tasks may still record while
// static destructors run.
class Registry {
 public:
  static Registry& instance() {
    static auto* const registry = new Registry();
    return *registry;
  }

  std::shared_ptr<ThreadBuffer> new_buffer() {
    std::lock_guard lock(mutex_);
    buffers_.push_back(std::make_shared<ThreadBuffer>(++last_thread_id_));
    return buffers_.back();
  }

  // Under the registry's lock: starts a session for `path` and sets `on`; false when one is on.
  // The flag changes only under the lock, with the session: a start racing with a stop never
  // leaves it set without a session.
  bool begin(const std::string& path, std::atomic<bool>& on) {
    std::lock_guard lock(mutex_);
    if (!path_.empty()) return false;
    for (const auto& buffer : buffers_) {
      std::lock_guard buffer_lock(buffer->lock);
      buffer->events.clear();
      buffer->dropped = 0;
    }
    path_ = path;
    origin_ = Trace::now();
    on.store(true, std::memory_order_relaxed);
    return true;
  }

  // Ends the session: its path, its start, and every buffer's events (with the count dropped).
  struct Taken {
    std::string path;
    std::uint64_t origin = 0;
    std::vector<std::pair<int, std::vector<Event>>> threads;
    std::uint64_t dropped = 0;
  };
  // Clears `on` first, under the registry's lock.
  Taken end(std::atomic<bool>& on) {
    std::lock_guard lock(mutex_);
    on.store(false, std::memory_order_relaxed);
    Taken taken{std::exchange(path_, std::string()), origin_, {}, 0};
    for (const auto& buffer : buffers_) {
      std::lock_guard buffer_lock(buffer->lock);
      taken.threads.emplace_back(buffer->thread_id, std::exchange(buffer->events, {}));
      taken.dropped += std::exchange(buffer->dropped, 0);
    }
    drop_buffers_of_exited_threads();
    return taken;
  }

 private:
  // Under the lock, once their events are taken: a buffer that only the registry still
  // holds belongs to a thread that has let go of it as it exited (BufferHold), after which that
  // thread records nothing more. (Its last record, under the buffer's lock, happens-before the
  // caller's taking that lock.)
  void drop_buffers_of_exited_threads() {
    std::erase_if(buffers_, [](const std::shared_ptr<ThreadBuffer>& buffer) {
      return buffer.use_count() == 1;
    });
  }

  std::mutex mutex_;
  std::vector<std::shared_ptr<ThreadBuffer>> buffers_;
  int last_thread_id_ = 0;
  std::string path_;  // empty: no session
  std::uint64_t origin_ = 0;
};

// Set when this thread lets go of its buffer, as it exits. Trivially destructible, so that code run
// by later thread_local destructors (which may still cancel contexts) reads it safely.
constinit thread_local bool buffer_let_go = false;

// This thread's hold on its buffer, which the registry frees once the thread has let go.
struct BufferHold {
  std::shared_ptr<ThreadBuffer> buffer = Registry::instance().new_buffer();
  BufferHold() = default;
  BufferHold(const BufferHold&) = delete;
  BufferHold& operator=(const BufferHold&) = delete;
  ~BufferHold() { buffer_let_go = true; }
};

// This thread's buffer; null once the thread, exiting, has let go of it.
ThreadBuffer* this_thread_buffer() {
  if (buffer_let_go) return nullptr;
  thread_local const BufferHold hold;
  return hold.buffer.get();
}

// Appends to this thread's buffer; a record that cannot be allocated is counted, not thrown. One
// made while the thread exits, after it let go of its buffer, is dropped.
void record(Event&& event) noexcept {
  try {
    ThreadBuffer* buffer = this_thread_buffer();
    if (buffer == nullptr) return;
    std::lock_guard lock(buffer->lock);
    try {
      buffer->events.push_back(std::move(event));
    } catch (const std::bad_alloc&) {
      ++buffer->dropped;
    }
  } catch (const std::bad_alloc&) {  // the thread's buffer itself could not be made
  }
}

// JSON text of a string, quoted, with the escapes JSON requires.
std::string json_string(const std::string& text) {
  std::string out = "\"";
  for (const char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char escaped[8];
          std::snprintf(escaped, sizeof escaped, "\\u%04x", static_cast<unsigned>(c));
          out += escaped;
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

// A node's name in the trace: its address as a JSON string, or null.
std::string address(const void* pointer) {
  if (pointer == nullptr) return "null";
  char text[32];
  std::snprintf(text, sizeof text, "\"%p\"", pointer);
  return text;
}

// Microseconds since the session's start, the unit of the trace-event format.
std::string microseconds(std::uint64_t nanoseconds, std::uint64_t origin) {
  const std::uint64_t since = nanoseconds > origin ? nanoseconds - origin : 0;
  char text[32];
  std::snprintf(text, sizeof text, "%llu.%03llu", static_cast<unsigned long long>(since / 1000),
                static_cast<unsigned long long>(since % 1000));
  return text;
}

const char* outcome_name(Trace::Outcome outcome) {
  switch (outcome) {
    case Trace::Outcome::succeeded:
      return "succeeded";
    case Trace::Outcome::failed:
      return "failed";
    case Trace::Outcome::skipped:
      return "skipped";
  }
  return "unknown";
}

// One event as a JSON object of the trace-event format.
std::string json_event(const Event& event, int thread, std::uint64_t origin) {
  const std::string where = "\"pid\":1,\"tid\":" + std::to_string(thread) +
                            ",\"ts\":" + microseconds(event.start, origin);
  switch (event.kind) {
    case Event::Kind::task:
      return "{\"name\":\"task\",\"cat\":\"task\",\"ph\":\"X\"," + where +
             ",\"dur\":" + microseconds(event.end, event.start) +
             ",\"args\":{\"group\":" + address(event.subject) +
             ",\"context\":" + address(event.other) + ",\"outcome\":\"" +
             outcome_name(event.outcome) + "\"}}";
    case Event::Kind::wait:
      return "{\"name\":\"wait\",\"cat\":\"group\",\"ph\":\"X\"," + where +
             ",\"dur\":" + microseconds(event.end, event.start) +
             ",\"args\":{\"group\":" + address(event.subject) + "}}";
    case Event::Kind::cancel:
      return "{\"name\":\"cancel\",\"cat\":\"context\",\"ph\":\"i\",\"s\":\"t\"," + where +
             ",\"args\":{\"context\":" + address(event.subject) +
             ",\"cause\":" + json_string(event.cause) +
             ",\"cascaded\":" + (event.cascaded ? "true" : "false") + "}}";
    case Event::Kind::context:
      return "{\"name\":\"context\",\"cat\":\"context\",\"ph\":\"i\",\"s\":\"t\"," + where +
             ",\"args\":{\"context\":" + address(event.subject) +
             ",\"parent\":" + address(event.other) + "}}";
  }
  return "{}";
}

// Writes the trace file; returns the number of events written.
std::size_t write_trace(const Registry::Taken& taken) {
  std::ofstream out(taken.path, std::ios::trunc);
  if (!out)
    throw std::system_error(errno, std::generic_category(),
                            "cascade::stop_tracing: cannot write the trace file " + taken.path);
  out << "{\"displayTimeUnit\":\"ns\",\"otherData\":{\"dropped_events\":" << taken.dropped
      << "},\"traceEvents\":[\n";
  std::size_t written = 0;
  const char* separator = "";
  for (const auto& [thread, events] : taken.threads) {
    if (events.empty()) continue;
    out << separator << "{\"name\":\"thread_name\",\"ph\":\"M\",\"pid\":1,\"tid\":" << thread
        << ",\"args\":{\"name\":\"thread " << thread << "\"}}";
    separator = ",\n";
    for (const Event& event : events) {
      out << separator << json_event(event, thread, taken.origin);
      ++written;
    }
  }
  out << "\n]}\n";
  out.flush();
  if (!out)
    throw std::system_error(errno, std::generic_category(),
                            "cascade::stop_tracing: cannot write the trace file " + taken.path);
  return written;
}

}  // namespace

// Starts and stops sessions: the registry flips Trace's flag with its session.
class TraceSession {
 public:
  static void start(const std::string& path) {
    if (path.empty())
      throw std::invalid_argument("cascade::start_tracing: the trace file's path is empty");
    if (!Registry::instance().begin(path, Trace::enabled_))
      throw std::logic_error(
          "cascade::start_tracing: tracing is already on; call stop_tracing() first");
  }
  static std::size_t stop() {
    Registry::Taken taken = Registry::instance().end(Trace::enabled_);
    if (taken.path.empty()) return 0;
    return write_trace(taken);
  }
};

std::uint64_t Trace::now() noexcept {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                        std::chrono::steady_clock::now().time_since_epoch())
                                        .count());
}

void Trace::task(const void* group, const void* context, std::uint64_t start, Outcome outcome) {
  const std::uint64_t end = now();
  // A skip is placed when it happened, after the cancel that caused it (Trace::cancel's `when`).
  record(Event{.kind = Event::Kind::task,
               .outcome = outcome,
               .start = outcome == Outcome::skipped ? end : start,
               .end = end,
               .subject = group,
               .other = context,
               .cause = {}});
}

void Trace::wait(const void* group, std::uint64_t start) {
  record(Event{.kind = Event::Kind::wait,
               .start = start,
               .end = now(),
               .subject = group,
               .other = nullptr,
               .cause = {}});
}

void Trace::cancel(const void* context, std::uint64_t when, const Error& cause, bool cascaded) {
  try {
    record(Event{.kind = Event::Kind::cancel,
                 .cascaded = cascaded,
                 .start = when,
                 .subject = context,
                 .cause = cause.message()});
  } catch (...) {  // the cause's message could not be made: the event is dropped
  }
}

void Trace::context(const void* context, const void* parent) {
  record(Event{.kind = Event::Kind::context,
               .start = now(),
               .end = 0,
               .subject = context,
               .other = parent,
               .cause = {}});
}

namespace {

// CASCADE_TRACE=path: a session from the library's load to the process's normal exit.
[[maybe_unused]] const bool environment_session = [] {
  const char* path = std::getenv("CASCADE_TRACE");
  if (path == nullptr || *path == '\0') return false;
  TraceSession::start(path);
  std::atexit([] {
    try {
      TraceSession::stop();
    } catch (const std::exception& error) {
      std::fprintf(stderr, "cascade: CASCADE_TRACE: %s\n", error.what());
    }
  });
  return true;
}();

}  // namespace
}  // namespace cascade::detail

namespace cascade {

void start_tracing(const std::string& path) { detail::TraceSession::start(path); }
std::size_t stop_tracing() { return detail::TraceSession::stop(); }
bool tracing_on() noexcept { return detail::Trace::on(); }

}  // namespace cascade
