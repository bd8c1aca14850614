// Vault-style durations: "30s", "1h30m", "768h", "1.5h", "500ms", "7d", or a plain number of
// seconds ("3600" or the JSON number 3600). Results are whole seconds (fractions truncated).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"

namespace arca {

using Seconds = std::chrono::seconds;

// Parses a duration string. The empty string is zero. Negative durations and unknown units are
// InvalidRequest errors.
Result<Seconds> ParseDuration(std::string_view text);

// Go's time.Duration.String() for whole seconds: "0s", "45s", "1m30s", "768h0m0s".
std::string FormatGoDuration(Seconds d);

// Short human form used by the CLI: "768h", "1h30m", "45s", "0s".
std::string FormatShortDuration(Seconds d);

}  // namespace arca
