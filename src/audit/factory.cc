#include "audit/factory.h"

#include <sys/stat.h>

#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <set>

#include "audit/file_sink.h"
#include "audit/socket_sink.h"
#include "audit/syslog_sink.h"
#include "common/duration.h"

namespace arca::audit {
namespace {

const std::set<std::string, std::less<>> kCommonOptions = {
    "format",    "hmac_accessor", "log_raw", "prefix", "elide_list_responses",
    "skip_test", "write_timeout"};
const std::set<std::string, std::less<>> kFileOptions = {
    "file_path", "path", "mode", "rotate_bytes", "rotate_interval", "rotate_max_files"};
const std::set<std::string, std::less<>> kSyslogOptions = {"facility", "tag"};
const std::set<std::string, std::less<>> kSocketOptions = {"address", "socket_type"};

std::string Get(const OptionMap& o, std::string_view key, std::string_view def = "") {
  auto it = o.find(std::string(key));
  return it == o.end() ? std::string(def) : it->second;
}

Result<bool> GetBool(const OptionMap& o, std::string_view key, bool def) {
  auto it = o.find(std::string(key));
  if (it == o.end() || it->second.empty()) return def;
  const std::string& v = it->second;
  if (v == "true" || v == "1" || v == "t" || v == "True" || v == "TRUE") return true;
  if (v == "false" || v == "0" || v == "f" || v == "False" || v == "FALSE") return false;
  return InvalidRequest("invalid value for option \"" + std::string(key) + "\": \"" + v +
                        "\" is not a bool");
}

Result<int64_t> GetInt(const OptionMap& o, std::string_view key, int64_t def, int base = 10) {
  auto it = o.find(std::string(key));
  if (it == o.end() || it->second.empty()) return def;
  const std::string& v = it->second;
  int64_t out = 0;
  auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), out, base);
  if (ec != std::errc() || p != v.data() + v.size() || out < 0) {
    return InvalidRequest("invalid value for option \"" + std::string(key) + "\": \"" + v +
                          "\" is not a non-negative " + (base == 8 ? "octal " : "") + "integer");
  }
  return out;
}

bool HasControlChar(std::string_view s) {
  for (unsigned char c : s) {
    if (c < 0x20 || c == 0x7f) return true;
  }
  return false;
}

// realpath(3); nullopt when it fails (errno set).
std::optional<std::string> RealPath(const std::string& path) {
  char* r = ::realpath(path.c_str(), nullptr);
  if (r == nullptr) return std::nullopt;
  std::string out(r);
  std::free(r);
  return out;
}

// `path` equals `dir` or is below it; both absolute and free of "." / ".." / "//".
bool Within(std::string_view path, std::string_view dir) {
  while (dir.size() > 1 && dir.back() == '/') dir.remove_suffix(1);
  if (!path.starts_with(dir)) return false;
  return path.size() == dir.size() || path[dir.size()] == '/';
}

Status BadPath(const std::string& path, std::string_view why) {
  return InvalidRequest("invalid value for option \"file_path\": \"" + path +
                        "\": " + std::string(why));
}

// `real` (a resolved path) is not in one of the policy's forbidden directories; `path` is the
// file_path as given, for the message.
Status CheckNotForbidden(const std::string& path, const std::string& real,
                         const FilePolicy& policy) {
  for (const std::string& forbidden : policy.forbidden_dirs) {
    if (forbidden.empty()) continue;
    std::string d = RealPath(forbidden).value_or(forbidden);
    if (d == "/") continue;  // a configuration file at the root does not forbid everything
    if (Within(real, d)) {
      return BadPath(path, "inside " + d +
                               ", a directory of the server's storage, configuration or "
                               "plugins; audit files may not be written there");
    }
  }
  return OkStatus();
}

// The checks of file_path that factory.h lists.
Status CheckFilePath(const std::string& path, const FilePolicy& policy) {
  if (path == "stdout" || path == "discard") return OkStatus();
  if (HasControlChar(path)) {
    return InvalidRequest(
        "invalid value for option \"file_path\": control characters are not allowed");
  }
  size_t slash = path.rfind('/');
  std::string dir = slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
  std::string base = slash == std::string::npos ? path : path.substr(slash + 1);
  if (base.empty() || base == "." || base == "..") return BadPath(path, "not a file name");
  std::optional<std::string> real_dir = RealPath(dir);
  if (!real_dir) {
    return BadPath(path, "its directory cannot be resolved: " + std::string(std::strerror(errno)));
  }
  std::string full = (*real_dir == "/" ? "" : *real_dir) + "/" + base;
  struct stat lst {};
  if (::lstat(full.c_str(), &lst) == 0) {
    struct stat st {};
    if (::stat(full.c_str(), &st) != 0) return BadPath(path, "a symlink that leads nowhere");
    if (!S_ISREG(st.st_mode)) return BadPath(path, "exists and is not a regular file");
    // Appending JSON lines to a script or program would let request data run as code.
    if ((st.st_mode & (S_ISUID | S_ISGID | S_IXUSR | S_IXGRP | S_IXOTH)) != 0) {
      return BadPath(path, "exists and is executable (or setuid/setgid)");
    }
    std::optional<std::string> target = RealPath(full);
    if (!target) return BadPath(path, std::strerror(errno));
    full = *target;
  } else if (errno != ENOENT) {
    return BadPath(path, std::strerror(errno));
  }
  return CheckNotForbidden(path, full, policy);
}

Result<DeviceConfig> ParseCommon(const OptionMap& o) {
  DeviceConfig c;
  std::string format = Get(o, "format", "json");
  if (format != "json") {
    return InvalidRequest("unsupported audit format \"" + format + "\": only json is supported");
  }
  ARCA_ASSIGN_OR_RETURN(c.format.hmac_accessor, GetBool(o, "hmac_accessor", true));
  ARCA_ASSIGN_OR_RETURN(c.format.log_raw, GetBool(o, "log_raw", false));
  ARCA_ASSIGN_OR_RETURN(c.format.elide_list_responses, GetBool(o, "elide_list_responses", false));
  ARCA_ASSIGN_OR_RETURN(c.skip_test, GetBool(o, "skip_test", false));
  c.format.prefix = Get(o, "prefix");
  if (HasControlChar(c.format.prefix)) {
    return InvalidRequest(
        "invalid value for option \"prefix\": control characters (such as a newline) are not "
        "allowed");
  }
  if (std::string t = Get(o, "write_timeout"); !t.empty()) {
    ARCA_ASSIGN_OR_RETURN(c.write_timeout, ParseTimeout(t));
    if (c.write_timeout.count() == 0) return InvalidRequest("write_timeout must be positive");
  }
  return c;
}

Status CheckKnown(std::string_view type, const OptionMap& o,
                  const std::set<std::string, std::less<>>& specific) {
  for (const auto& [k, v] : o) {
    if (!kCommonOptions.contains(k) && !specific.contains(k)) {
      return InvalidRequest("unknown option \"" + k + "\" for audit device type \"" +
                            std::string(type) + "\"");
    }
  }
  return OkStatus();
}

// Both build modes open the file now (unless skip_test): a file device that cannot write is
// refused at enable and stops the unseal.
Result<std::unique_ptr<Sink>> BuildFile(const OptionMap& o, const DeviceConfig& c,
                                        const SinkHooks& hooks, const FilePolicy& policy) {
  FileSinkOptions f;
  f.path = Get(o, "file_path", Get(o, "path"));
  if (f.path.empty()) return InvalidRequest("file_path is required");
  ARCA_ASSIGN_OR_RETURN(int64_t mode, GetInt(o, "mode", 0600, 8));
  if (mode > 07777) return InvalidRequest("invalid value for option \"mode\": out of range");
  if ((mode & (S_ISUID | S_ISGID | S_ISVTX | S_IXUSR | S_IXGRP | S_IXOTH)) != 0) {
    return InvalidRequest("invalid value for option \"mode\": \"" + Get(o, "mode") +
                          "\": audit files may not be executable, setuid, setgid or sticky");
  }
  ARCA_RETURN_IF_ERROR(CheckFilePath(f.path, policy));
  f.mode = static_cast<int>(mode);
  f.regular_only = true;
  if (!policy.forbidden_dirs.empty()) {
    f.check_opened = [path = f.path, policy](const std::string& real) {
      return CheckNotForbidden(path, real, policy);
    };
  }
  ARCA_ASSIGN_OR_RETURN(f.rotate_bytes, GetInt(o, "rotate_bytes", 0));
  if (std::string i = Get(o, "rotate_interval"); !i.empty()) {
    auto d = ParseDuration(i);
    if (!d) return InvalidRequest("invalid value for option \"rotate_interval\": " + i);
    f.rotate_interval = *d;
  }
  ARCA_ASSIGN_OR_RETURN(int64_t max_files, GetInt(o, "rotate_max_files", 10));
  if (max_files < 1 || max_files > 1000) {
    return InvalidRequest("rotate_max_files must be between 1 and 1000");
  }
  f.rotate_max_files = static_cast<int>(max_files);
  f.now = hooks.file_clock;
  auto sink = std::make_unique<FileSink>(std::move(f));
  if (!c.skip_test) ARCA_RETURN_IF_ERROR(sink->Open());
  return std::unique_ptr<Sink>(std::move(sink));
}

Result<std::unique_ptr<Sink>> BuildSyslog(const OptionMap& o, const SinkHooks& hooks) {
  SyslogSinkOptions s;
  ARCA_ASSIGN_OR_RETURN(s.facility, ParseSyslogFacility(Get(o, "facility", "AUTH")));
  s.tag = Get(o, "tag", "arca");
  if (s.tag.empty()) s.tag = "arca";
  s.write = hooks.syslog_write;
  return std::unique_ptr<Sink>(std::make_unique<SyslogSink>(std::move(s)));
}

Result<std::unique_ptr<Sink>> BuildSocket(const OptionMap& o, const DeviceConfig& c, bool test) {
  SocketSinkOptions s;
  s.address = Get(o, "address");
  if (s.address.empty()) return InvalidRequest("address is required");
  ARCA_ASSIGN_OR_RETURN(s.type, ParseSocketType(Get(o, "socket_type", "tcp")));
  s.write_timeout = c.write_timeout;
  auto sink = std::make_unique<SocketSink>(std::move(s));
  if (test && !c.skip_test) ARCA_RETURN_IF_ERROR(sink->Connect());
  return std::unique_ptr<Sink>(std::move(sink));
}

}  // namespace

Result<std::chrono::milliseconds> ParseTimeout(std::string_view text) {
  if (text.size() > 2 && text.ends_with("ms")) {
    int64_t ms = 0;
    auto [p, ec] = std::from_chars(text.data(), text.data() + text.size() - 2, ms);
    if (ec == std::errc() && p == text.data() + text.size() - 2 && ms >= 0) {
      return std::chrono::milliseconds(ms);
    }
  } else if (auto d = ParseDuration(text)) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(*d);
  }
  return InvalidRequest("invalid duration \"" + std::string(text) + "\"");
}

Result<BuiltDevice> BuildDevice(std::string_view type, const OptionMap& options, BuildMode mode,
                                const SinkHooks& hooks, const FilePolicy& policy) {
  BuiltDevice b;
  Result<std::unique_ptr<Sink>> sink = nullptr;
  if (type == "file") {
    ARCA_RETURN_IF_ERROR(CheckKnown(type, options, kFileOptions));
    ARCA_ASSIGN_OR_RETURN(b.config, ParseCommon(options));
    sink = BuildFile(options, b.config, hooks, policy);
  } else if (type == "syslog") {
    ARCA_RETURN_IF_ERROR(CheckKnown(type, options, kSyslogOptions));
    ARCA_ASSIGN_OR_RETURN(b.config, ParseCommon(options));
    sink = BuildSyslog(options, hooks);
  } else if (type == "socket") {
    ARCA_RETURN_IF_ERROR(CheckKnown(type, options, kSocketOptions));
    ARCA_ASSIGN_OR_RETURN(b.config, ParseCommon(options));
    sink = BuildSocket(options, b.config, mode == BuildMode::kEnable);
  } else {
    return InvalidRequest("unknown audit device type \"" + std::string(type) +
                          "\": must be file, syslog or socket");
  }
  if (!sink) return std::unexpected(sink.error());
  b.sink = std::move(*sink);
  return b;
}

}  // namespace arca::audit
