#include "common/log.h"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_color_sinks.h>

#include <mutex>
#include <string>

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

std::mutex g_mu;
Format g_format = Format::kStandard;                    // guarded by g_mu
spdlog::level::level_enum g_configured = spdlog::level::info;  // guarded by g_mu
// Named loggers handed out by GetLogger; guarded by g_mu.
std::map<std::string, std::shared_ptr<spdlog::logger>, std::less<>> g_loggers;

void ApplyFormat(spdlog::logger& logger) {
  if (g_format == Format::kJson) {
    auto f = std::make_unique<spdlog::pattern_formatter>(spdlog::pattern_time_type::utc);
    f->add_flag<JsonEscapedMessage>('*').set_pattern(
        R"({"@timestamp":"%Y-%m-%dT%H:%M:%S.%fZ","@level":"%l","@module":"%n","@message":"%*"})");
    logger.set_formatter(std::move(f));
  } else {
    logger.set_pattern("%Y-%m-%dT%H:%M:%S.%fZ [%l] %n: %v", spdlog::pattern_time_type::utc);
  }
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
  auto logger = std::make_shared<spdlog::logger>(
      "arca", std::make_shared<spdlog::sinks::stderr_color_sink_mt>());
  logger->set_level(lvl);
  ApplyFormat(*logger);
  spdlog::set_default_logger(logger);
  return OkStatus();
}

std::map<std::string, std::string> Levels() {
  std::lock_guard lock(g_mu);
  std::map<std::string, std::string> out;
  auto def = spdlog::default_logger();
  out[def->name()] = std::string(LevelName(def->level()));
  for (const auto& [name, l] : g_loggers) out[name] = std::string(LevelName(l->level()));
  return out;
}

namespace {

// REQUIRES: g_mu held. Applies `lvl` to the logger `name` (empty: all). false = unknown name.
bool ApplyLevel(spdlog::level::level_enum lvl, std::string_view name) {
  auto def = spdlog::default_logger();
  if (name.empty()) {
    def->set_level(lvl);
    for (auto& [n, l] : g_loggers) l->set_level(lvl);
    return true;
  }
  if (name == def->name()) {
    def->set_level(lvl);
    return true;
  }
  auto it = g_loggers.find(name);
  if (it == g_loggers.end()) return false;
  it->second->set_level(lvl);
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
  auto logger = std::make_shared<spdlog::logger>(std::string(name), def->sinks().begin(),
                                                 def->sinks().end());
  logger->set_level(def->level());
  ApplyFormat(*logger);
  g_loggers.emplace(std::string(name), logger);
  return logger;
}

}  // namespace arca::log
