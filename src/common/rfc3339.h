// RFC 3339 timestamps in UTC with nanoseconds, as Go's time.RFC3339Nano writes them for Vault
// (but always with nine fraction digits): "2026-11-22T21:34:47.123456789Z".
#pragma once

#include <cstdint>
#include <string>

namespace arca {

// `unix_ns`: nanoseconds since the Unix epoch (may be negative).
std::string FormatRfc3339Nanos(int64_t unix_ns);

}  // namespace arca
