// Audit device construction: validates the options of a device type and builds its Sink.
//
// Options are strings, as in Vault's API (`options` is map[string]string); JSON numbers and
// bools given to the API are turned into their text by the caller. Accepted options:
//   all types: format ("json"), hmac_accessor (true), log_raw (false), prefix (""),
//              elide_list_responses (false), skip_test (false), write_timeout ("2s"; "200ms" ok)
//   file:      file_path (required; also "path"), mode ("0600"; "0000" = leave as is),
//              rotate_bytes (0), rotate_interval ("0"), rotate_max_files (10)
//   syslog:    facility ("AUTH"), tag ("arca")
//   socket:    address (required), socket_type ("tcp" | "udp" | "unix")
// Unknown types and options, and malformed values, are InvalidRequest errors naming them.
//
// Thread-safety: pure functions.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "audit/device.h"
#include "audit/format.h"
#include "common/status.h"

namespace arca::audit {

using OptionMap = std::map<std::string, std::string>;

struct DeviceConfig {
  FormatOptions format;
  bool skip_test = false;
  std::chrono::milliseconds write_timeout{2000};
};

// Test hooks passed through to the sinks.
struct SinkHooks {
  std::function<std::chrono::system_clock::time_point()> file_clock;
  std::function<void(int, std::string_view, std::string_view)> syslog_write;
};

struct BuiltDevice {
  DeviceConfig config;
  std::unique_ptr<Sink> sink;
};

// Validates `options` for `type` and builds the sink. When `test` (enable through the API) and
// not skip_test, the file is opened / the socket connected now, and failure is an
// InvalidRequest error; otherwise (unseal) the sink opens lazily on its first write.
Result<BuiltDevice> BuildDevice(std::string_view type, const OptionMap& options, bool test,
                                const SinkHooks& hooks = {});

// "200ms", "2s", "1m", "3" (seconds) -> milliseconds; InvalidRequest otherwise.
Result<std::chrono::milliseconds> ParseTimeout(std::string_view text);

}  // namespace arca::audit
