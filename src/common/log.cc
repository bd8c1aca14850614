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
Format g_format = Format::kStandard;

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

Status Init(std::string_view level, std::string_view format) {
  spdlog::level::level_enum lvl;
  if (level == "trace") lvl = spdlog::level::trace;
  else if (level == "debug") lvl = spdlog::level::debug;
  else if (level == "info" || level.empty()) lvl = spdlog::level::info;
  else if (level == "warn" || level == "warning") lvl = spdlog::level::warn;
  else if (level == "error" || level == "err") lvl = spdlog::level::err;
  else if (level == "off") lvl = spdlog::level::off;
  else return InvalidRequest("unknown log level \"" + std::string(level) + "\"");
  Format fmt;
  if (format == "standard" || format.empty()) fmt = Format::kStandard;
  else if (format == "json") fmt = Format::kJson;
  else return InvalidRequest("unknown log format \"" + std::string(format) + "\"");

  std::lock_guard lock(g_mu);
  g_format = fmt;
  auto logger = std::make_shared<spdlog::logger>(
      "arca", std::make_shared<spdlog::sinks::stderr_color_sink_mt>());
  logger->set_level(lvl);
  ApplyFormat(*logger);
  spdlog::set_default_logger(logger);
  return OkStatus();
}

std::shared_ptr<spdlog::logger> GetLogger(std::string_view name) {
  std::lock_guard lock(g_mu);
  auto def = spdlog::default_logger();
  auto logger = std::make_shared<spdlog::logger>(std::string(name), def->sinks().begin(),
                                                 def->sinks().end());
  logger->set_level(def->level());
  ApplyFormat(*logger);
  return logger;
}

}  // namespace arca::log
