// Logging through spdlog. Modules log with spdlog's free functions (spdlog::info(...)) or a
// named logger from GetLogger("core"). Secrets and tokens never go into a log line.
#pragma once

#include <memory>
#include <string_view>

#include <spdlog/spdlog.h>

#include "common/status.h"

namespace arca::log {

enum class Format { kStandard, kJson };

// Configures the default logger: level "trace"|"debug"|"info"|"warn"|"error"|"off" (Vault's
// names; "warning" and "err" are accepted too), format "standard"|"json". Writes to stderr.
Status Init(std::string_view level, std::string_view format);

// A logger that shares the default sink and level, tagged with `name`.
std::shared_ptr<spdlog::logger> GetLogger(std::string_view name);

}  // namespace arca::log
