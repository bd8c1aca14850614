// Vault-style durations: "30s", "1h30m", "768h", "1.5h", "500ms", "7d", or a plain number of
// seconds ("3600" or the JSON number 3600). Results are whole seconds (fractions truncated).
#pragma once

#include <chrono>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

#include "common/json.h"
#include "common/status.h"

namespace arca {

using Seconds = std::chrono::seconds;

// The longest duration accepted (Go's time.Duration limit, about 292 years): a longer one is an
// error rather than a value that overflows, or wraps to "no expiry", once converted.
inline constexpr Seconds kMaxDuration{std::numeric_limits<int64_t>::max() / 1'000'000'000};

// Parses a duration string. The empty string is zero. Negative durations, unknown units,
// malformed numbers and durations over kMaxDuration are InvalidRequest errors.
Result<Seconds> ParseDuration(std::string_view text);

// A JSON number of seconds (integer or floating point; a fraction is truncated) as a duration.
// InvalidRequest ("invalid duration 1e+300: too large ...") for a negative, non-finite or
// over-kMaxDuration number, or a value that is not a number.
Result<Seconds> DurationFromNumber(const json::value& v);

// Go's time.Duration.String() for whole seconds: "0s", "45s", "1m30s", "768h0m0s".
std::string FormatGoDuration(Seconds d);

// Short human form used by the CLI: "768h", "1h30m", "45s", "0s".
std::string FormatShortDuration(Seconds d);

}  // namespace arca
