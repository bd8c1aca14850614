// Logging through spdlog. Modules log with spdlog's free functions (spdlog::info(...)) or a
// named logger from GetLogger("core"). Secrets and tokens never go into a log line.
#pragma once

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

}  // namespace arca::log
