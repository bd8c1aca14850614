// Logging through spdlog. Modules log with spdlog's free functions (spdlog::info(...)) or a
// named logger from GetLogger("core"). Secrets and tokens never go into a log line.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include <spdlog/spdlog.h>

#include "common/status.h"

namespace arca::log {

enum class Format { kStandard, kJson };

// Configures the default logger: level "trace"|"debug"|"info"|"warn"|"error"|"off" (Vault's
// names; "warning" and "err" are accepted too), format "standard"|"json". Writes to stderr.
Status Init(std::string_view level, std::string_view format);

// The format given to Init.
Format CurrentFormat();

// The logger tagged with `name`, sharing the default sink; created at the first call with the
// default logger's level, the same one afterwards (until the next Init).
std::shared_ptr<spdlog::logger> GetLogger(std::string_view name);

// Runtime levels (sys/loggers). The default logger is named "arca". Thread-safe.
// Vault's level names: trace, debug, info, warn, error ("warning" and "err" accepted too).
Result<spdlog::level::level_enum> ParseLevel(std::string_view level);
std::string_view LevelName(spdlog::level::level_enum level);
// name -> level name of every logger.
std::map<std::string, std::string> Levels();
// Sets the level of one logger (name given) or of all of them and of loggers created later
// (name empty). Errors: InvalidRequest for an unknown level or logger name; nothing changes.
Status SetLevel(std::string_view level, std::string_view name = "");
// Back to the level given to Init: one logger or (name empty) all. InvalidRequest for an
// unknown name.
Status ResetLevel(std::string_view name = "");

// ---- Log streaming (sys/monitor) ----
//
// Every logger also writes to a fan-out sink that copies each line to the current
// subscribers. A subscriber asks for a level of its own, which may be more detailed than the
// loggers' levels (Vault's monitor works that way): while it exists, the loggers let lines at
// its level through, and only the fan-out sees the ones below their configured level (the
// stderr output and Levels() are unchanged).
//
// Each subscriber has a bounded queue: when it is full, new lines are dropped (and counted)
// for that subscriber; logging never waits for a subscriber.
class Subscription;

// A new subscriber to the lines at `level` and above, in `format` (whatever the server's
// format), queueing at most `max_lines`. Thread-safe.
std::unique_ptr<Subscription> Subscribe(spdlog::level::level_enum level, Format format,
                                        size_t max_lines = 512);

class Subscription {
 public:
  Subscription(const Subscription&) = delete;
  Subscription& operator=(const Subscription&) = delete;
  // Unsubscribes. Once it returns, the waker is not running and is never called again.
  ~Subscription();

  // Appends the queued lines (each ending in '\n') to `out` and empties the queue.
  void Drain(std::string& out);
  // Lines dropped so far because the queue was full.
  uint64_t dropped() const;
  // `wake` is called when a line is queued into an empty queue (so: after each Drain, at most
  // once until the next one), on the thread that logged, with the fan-out's lock held: it must
  // be quick, thread-safe and must not log. Called at once when lines are already waiting.
  void SetWaker(std::function<void()> wake);

  struct State;  // private to log.cc

 private:
  friend std::unique_ptr<Subscription> Subscribe(spdlog::level::level_enum, Format, size_t);
  explicit Subscription(std::shared_ptr<State> state) : state_(std::move(state)) {}
  std::shared_ptr<State> state_;
};

// Subscribers now (for the vault.monitor.subscribers gauge and tests).
size_t SubscriberCount();

}  // namespace arca::log
