#include "common/log.h"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>

#include <algorithm>
#include <atomic>
#include <deque>
#include <mutex>
#include <string>
#include <vector>

namespace arca::log {
namespace {

// Writes the message as a JSON string body (escaped, without quotes).
class JsonEscapedMessage : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm&,
              spdlog::memory_buf_t& dest) override {
    for (char c : std::string_view(msg.payload.data(), msg.payload.size())) {
      switch (c) {
        case '"': dest.append(std::string_view("\\\"")); break;
        case '\\': dest.append(std::string_view("\\\\")); break;
        case '\n': dest.append(std::string_view("\\n")); break;
        case '\r': dest.append(std::string_view("\\r")); break;
        case '\t': dest.append(std::string_view("\\t")); break;
        default:
          if (static_cast<unsigned char>(c) < 0x20) {
            char buf[8];
            std::snprintf(buf, sizeof(buf), "\\u%04x", c);
            dest.append(std::string_view(buf));
          } else {
            dest.push_back(c);
          }
      }
    }
  }
  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<JsonEscapedMessage>();
  }
};

std::unique_ptr<spdlog::formatter> MakeFormatter(Format format) {
  auto f = std::make_unique<spdlog::pattern_formatter>(spdlog::pattern_time_type::utc);
  if (format == Format::kJson) {
    f->add_flag<JsonEscapedMessage>('*').set_pattern(
        R"({"@timestamp":"%Y-%m-%dT%H:%M:%S.%fZ","@level":"%l","@module":"%n","@message":"%*"})");
  } else {
    f->set_pattern("%Y-%m-%dT%H:%M:%S.%fZ [%l] %n: %v");
  }
  return f;
}

// One logger's way to the shared stderr sink, with that logger's configured level (the
// logger's own level may be lower while a subscriber wants more detail).
class ForwardSink final : public spdlog::sinks::sink {
 public:
  explicit ForwardSink(std::shared_ptr<spdlog::sinks::sink> target) : target_(std::move(target)) {}
  void log(const spdlog::details::log_msg& msg) override { target_->log(msg); }
  void flush() override { target_->flush(); }
  void set_pattern(const std::string& pattern) override { target_->set_pattern(pattern); }
  void set_formatter(std::unique_ptr<spdlog::formatter> f) override {
    target_->set_formatter(std::move(f));
  }

 private:
  std::shared_ptr<spdlog::sinks::sink> target_;
};

}  // namespace

struct Subscription::State {
  spdlog::level::level_enum level;
  Format format;
  size_t max_lines;
  // Guarded by the fan-out's mutex.
  std::deque<std::string> lines;
  uint64_t dropped = 0;
  std::function<void()> wake;
};

namespace {

// Copies every line to the subscribers. Thread-safe; the loggers call log() concurrently.
class FanOutSink final : public spdlog::sinks::sink {
 public:
  FanOutSink() {
    formatters_[0] = MakeFormatter(Format::kStandard);
    formatters_[1] = MakeFormatter(Format::kJson);
  }
  void log(const spdlog::details::log_msg& msg) override {
    if (count_.load(std::memory_order_acquire) == 0) return;
    std::lock_guard lock(mu_);
    std::string text[2];
    bool formatted[2] = {false, false};
    for (auto& sub : subs_) {
      if (msg.level < sub->level) continue;
      if (sub->lines.size() >= sub->max_lines) {
        ++sub->dropped;
        continue;
      }
      const int f = sub->format == Format::kJson ? 1 : 0;
      if (!formatted[f]) {
        spdlog::memory_buf_t buf;
        formatters_[f]->format(msg, buf);  // ends in the end-of-line
        text[f].assign(buf.data(), buf.size());
        formatted[f] = true;
      }
      const bool was_empty = sub->lines.empty();
      sub->lines.push_back(text[f]);
      if (was_empty && sub->wake) sub->wake();
    }
  }
  void flush() override {}
  void set_pattern(const std::string&) override {}  // subscribers choose their own format
  void set_formatter(std::unique_ptr<spdlog::formatter>) override {}

  // The most detailed level any subscriber wants (off when none).
  spdlog::level::level_enum Add(std::shared_ptr<Subscription::State> s) {
    std::lock_guard lock(mu_);
    subs_.push_back(std::move(s));
    count_.store(subs_.size(), std::memory_order_release);
    return FloorLocked();
  }
  spdlog::level::level_enum Remove(const Subscription::State* s) {
    std::lock_guard lock(mu_);
    std::erase_if(subs_, [s](const auto& p) { return p.get() == s; });
    count_.store(subs_.size(), std::memory_order_release);
    return FloorLocked();
  }
  size_t count() const { return count_.load(std::memory_order_acquire); }
  std::mutex& mu() { return mu_; }

 private:
  spdlog::level::level_enum FloorLocked() const {
    auto floor = spdlog::level::off;
    for (const auto& sub : subs_) floor = std::min(floor, sub->level);
    return floor;
  }

  std::mutex mu_;
  std::atomic<size_t> count_{0};
  std::vector<std::shared_ptr<Subscription::State>> subs_;  // guarded by mu_
  std::unique_ptr<spdlog::formatter> formatters_[2];        // used under mu_
};

// Never destroyed: loggers may log during static destruction.
const std::shared_ptr<FanOutSink>& FanOutPtr() {
  static const auto* sink = new std::shared_ptr<FanOutSink>(std::make_shared<FanOutSink>());
  return *sink;
}
FanOutSink& FanOut() { return *FanOutPtr(); }

std::mutex g_mu;
Format g_format = Format::kStandard;                    // guarded by g_mu
spdlog::level::level_enum g_configured = spdlog::level::info;  // guarded by g_mu
// The most detailed level a subscriber wants (off: none); guarded by g_mu.
spdlog::level::level_enum g_floor = spdlog::level::off;
// The stderr sink every logger writes to through its ForwardSink; guarded by g_mu.
std::shared_ptr<spdlog::sinks::sink> g_stderr;
// Named loggers handed out by GetLogger; guarded by g_mu.
std::map<std::string, std::shared_ptr<spdlog::logger>, std::less<>> g_loggers;

// The configured level of `logger` (its ForwardSink's level).
spdlog::level::level_enum ConfiguredLevel(const spdlog::logger& logger) {
  return logger.sinks().empty() ? logger.level() : logger.sinks().front()->level();
}

// REQUIRES: g_mu held. Sets the configured level of `logger`; its own level also lets the
// subscribers' floor through.
void SetLoggerLevel(spdlog::logger& logger, spdlog::level::level_enum lvl) {
  if (!logger.sinks().empty()) logger.sinks().front()->set_level(lvl);
  logger.set_level(std::min(lvl, g_floor));
}

// REQUIRES: g_mu held. A logger named `name` writing to stderr (at `lvl`) and the fan-out.
std::shared_ptr<spdlog::logger> MakeLogger(std::string name, spdlog::level::level_enum lvl) {
  std::vector<spdlog::sink_ptr> sinks{std::make_shared<ForwardSink>(g_stderr), FanOutPtr()};
  auto logger = std::make_shared<spdlog::logger>(std::move(name), sinks.begin(), sinks.end());
  logger->set_formatter(MakeFormatter(g_format));
  SetLoggerLevel(*logger, lvl);
  return logger;
}

// REQUIRES: g_mu held. Applies a new floor to every logger.
void ApplyFloor(spdlog::level::level_enum floor) {
  g_floor = floor;
  auto def = spdlog::default_logger();
  SetLoggerLevel(*def, ConfiguredLevel(*def));
  for (auto& [n, l] : g_loggers) SetLoggerLevel(*l, ConfiguredLevel(*l));
}

}  // namespace

Result<spdlog::level::level_enum> ParseLevel(std::string_view level) {
  if (level == "trace") return spdlog::level::trace;
  if (level == "debug") return spdlog::level::debug;
  if (level == "info") return spdlog::level::info;
  if (level == "warn" || level == "warning") return spdlog::level::warn;
  if (level == "error" || level == "err") return spdlog::level::err;
  return InvalidRequest("unknown log level \"" + std::string(level) +
                        "\": must be trace, debug, info, warn or error");
}

std::string_view LevelName(spdlog::level::level_enum level) {
  switch (level) {
    case spdlog::level::trace: return "trace";
    case spdlog::level::debug: return "debug";
    case spdlog::level::info: return "info";
    case spdlog::level::warn: return "warn";
    case spdlog::level::err: return "error";
    case spdlog::level::critical: return "critical";
    default: return "off";
  }
}

Status Init(std::string_view level, std::string_view format) {
  spdlog::level::level_enum lvl;
  if (level.empty()) {
    lvl = spdlog::level::info;
  } else if (level == "off") {
    lvl = spdlog::level::off;
  } else {
    auto parsed = ParseLevel(level);
    if (!parsed) return InvalidRequest("unknown log level \"" + std::string(level) + "\"");
    lvl = *parsed;
  }
  Format fmt;
  if (format == "standard" || format.empty()) fmt = Format::kStandard;
  else if (format == "json") fmt = Format::kJson;
  else return InvalidRequest("unknown log format \"" + std::string(format) + "\"");

  std::lock_guard lock(g_mu);
  g_format = fmt;
  g_configured = lvl;
  g_loggers.clear();
  g_stderr = std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
  spdlog::set_default_logger(MakeLogger("arca", lvl));
  return OkStatus();
}

Format CurrentFormat() {
  std::lock_guard lock(g_mu);
  return g_format;
}

std::map<std::string, std::string> Levels() {
  std::lock_guard lock(g_mu);
  std::map<std::string, std::string> out;
  auto def = spdlog::default_logger();
  out[def->name()] = std::string(LevelName(ConfiguredLevel(*def)));
  for (const auto& [name, l] : g_loggers) out[name] = std::string(LevelName(ConfiguredLevel(*l)));
  return out;
}

namespace {

// REQUIRES: g_mu held. Applies `lvl` to the logger `name` (empty: all). false = unknown name.
bool ApplyLevel(spdlog::level::level_enum lvl, std::string_view name) {
  auto def = spdlog::default_logger();
  if (name.empty()) {
    SetLoggerLevel(*def, lvl);
    for (auto& [n, l] : g_loggers) SetLoggerLevel(*l, lvl);
    return true;
  }
  if (name == def->name()) {
    SetLoggerLevel(*def, lvl);
    return true;
  }
  auto it = g_loggers.find(name);
  if (it == g_loggers.end()) return false;
  SetLoggerLevel(*it->second, lvl);
  return true;
}

}  // namespace

Status SetLevel(std::string_view level, std::string_view name) {
  ARCA_ASSIGN_OR_RETURN(auto lvl, ParseLevel(level));
  std::lock_guard lock(g_mu);
  if (!ApplyLevel(lvl, name)) return InvalidRequest("logger \"" + std::string(name) + "\" not found");
  return OkStatus();
}

Status ResetLevel(std::string_view name) {
  std::lock_guard lock(g_mu);
  if (!ApplyLevel(g_configured, name)) {
    return InvalidRequest("logger \"" + std::string(name) + "\" not found");
  }
  return OkStatus();
}

std::shared_ptr<spdlog::logger> GetLogger(std::string_view name) {
  std::lock_guard lock(g_mu);
  if (auto it = g_loggers.find(name); it != g_loggers.end()) return it->second;
  auto def = spdlog::default_logger();
  if (!g_stderr) {  // Init never ran (unit tests): start from spdlog's own default logger
    g_stderr = std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
    auto lvl = def->level();
    def = MakeLogger(def->name(), lvl);
    spdlog::set_default_logger(def);
  }
  auto logger = MakeLogger(std::string(name), ConfiguredLevel(*def));
  g_loggers.emplace(std::string(name), logger);
  return logger;
}

// ---- Subscriptions ----

std::unique_ptr<Subscription> Subscribe(spdlog::level::level_enum level, Format format,
                                        size_t max_lines) {
  auto state = std::make_shared<Subscription::State>();
  state->level = level;
  state->format = format;
  state->max_lines = std::max<size_t>(max_lines, 1);
  std::lock_guard lock(g_mu);
  if (!g_stderr) {  // Init never ran: route the default logger through the fan-out too
    g_stderr = std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
    auto def = spdlog::default_logger();
    spdlog::set_default_logger(MakeLogger(def->name(), def->level()));
  }
  ApplyFloor(FanOut().Add(state));
  return std::unique_ptr<Subscription>(new Subscription(std::move(state)));
}

Subscription::~Subscription() {
  std::lock_guard lock(g_mu);
  ApplyFloor(FanOut().Remove(state_.get()));
}

void Subscription::Drain(std::string& out) {
  std::lock_guard lock(FanOut().mu());
  for (auto& line : state_->lines) out += line;
  state_->lines.clear();
}

uint64_t Subscription::dropped() const {
  std::lock_guard lock(FanOut().mu());
  return state_->dropped;
}

void Subscription::SetWaker(std::function<void()> wake) {
  std::lock_guard lock(FanOut().mu());
  state_->wake = std::move(wake);
  if (state_->wake && !state_->lines.empty()) state_->wake();
}

size_t SubscriberCount() { return FanOut().count(); }

}  // namespace arca::log
