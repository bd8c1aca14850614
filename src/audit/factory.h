// Audit device construction: validates the options of a device type and builds its Sink.
//
// Options are strings, as in Vault's API (`options` is map[string]string); JSON numbers and
// bools given to the API are turned into their text by the caller. Accepted options:
//   all types: format ("json"), hmac_accessor (true), log_raw (false), prefix ("": no control
//              characters), elide_list_responses (false), skip_test (false),
//              write_timeout ("2s"; "200ms" ok)
//   file:      file_path (required; also "path"), mode ("0600"; "0000" = leave as is; no
//              execute, setuid, setgid or sticky bit), rotate_bytes (0), rotate_interval ("0"),
//              rotate_max_files (10)
//   syslog:    facility ("AUTH"), tag ("arca")
//   socket:    address (required), socket_type ("tcp" | "udp" | "unix")
// Unknown types and options, and malformed values, are InvalidRequest errors naming them.
//
// file_path is "stdout", "discard" or a file whose directory exists. Refused (InvalidRequest):
// control characters; a path ending in '/', "." or ".."; an existing path that is not a regular
// file (a directory, a device, a FIFO, a socket; symlinks are followed, and a dangling one is
// refused) or is executable, setuid or setgid; a file that, after resolving symlinks (realpath of its directory, and of the file
// when it exists), lies in one of FilePolicy::forbidden_dirs.
//
// Thread-safety: pure functions.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

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

// Limits on where `file` devices may write, set by the server from its configuration.
struct FilePolicy {
  // The server's storage, configuration and plugin directories: no audit file may be inside
  // them (compared after realpath; a directory that does not exist is compared as written).
  std::vector<std::string> forbidden_dirs;
};

enum class BuildMode {
  kEnable,   // sys/audit: the file is opened / the socket connected now, unless skip_test
  kRestore,  // unseal: the file is opened now, unless skip_test; sockets connect lazily
};

struct BuiltDevice {
  DeviceConfig config;
  std::unique_ptr<Sink> sink;
};

// Validates `options` for `type` and builds the sink, testing it as `mode` says (a failed test
// is an InvalidRequest error). A sink that was not tested opens lazily on its first write.
Result<BuiltDevice> BuildDevice(std::string_view type, const OptionMap& options, BuildMode mode,
                                const SinkHooks& hooks = {}, const FilePolicy& policy = {});

// "200ms", "2s", "1m", "3" (seconds) -> milliseconds; InvalidRequest otherwise.
Result<std::chrono::milliseconds> ParseTimeout(std::string_view text);

}  // namespace arca::audit
