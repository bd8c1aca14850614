#include "audit/factory.h"

#include <charconv>
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

Result<std::unique_ptr<Sink>> BuildFile(const OptionMap& o, const DeviceConfig& c, bool test,
                                        const SinkHooks& hooks) {
  FileSinkOptions f;
  f.path = Get(o, "file_path", Get(o, "path"));
  if (f.path.empty()) return InvalidRequest("file_path is required");
  ARCA_ASSIGN_OR_RETURN(int64_t mode, GetInt(o, "mode", 0600, 8));
  if (mode > 07777) return InvalidRequest("invalid value for option \"mode\": out of range");
  f.mode = static_cast<int>(mode);
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
  if (test && !c.skip_test) ARCA_RETURN_IF_ERROR(sink->Open());
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

Result<BuiltDevice> BuildDevice(std::string_view type, const OptionMap& options, bool test,
                                const SinkHooks& hooks) {
  BuiltDevice b;
  Result<std::unique_ptr<Sink>> sink = nullptr;
  if (type == "file") {
    ARCA_RETURN_IF_ERROR(CheckKnown(type, options, kFileOptions));
    ARCA_ASSIGN_OR_RETURN(b.config, ParseCommon(options));
    sink = BuildFile(options, b.config, test, hooks);
  } else if (type == "syslog") {
    ARCA_RETURN_IF_ERROR(CheckKnown(type, options, kSyslogOptions));
    ARCA_ASSIGN_OR_RETURN(b.config, ParseCommon(options));
    sink = BuildSyslog(options, hooks);
  } else if (type == "socket") {
    ARCA_RETURN_IF_ERROR(CheckKnown(type, options, kSocketOptions));
    ARCA_ASSIGN_OR_RETURN(b.config, ParseCommon(options));
    sink = BuildSocket(options, b.config, test);
  } else {
    return InvalidRequest("unknown audit device type \"" + std::string(type) +
                          "\": must be file, syslog or socket");
  }
  if (!sink) return std::unexpected(sink.error());
  b.sink = std::move(*sink);
  return b;
}

}  // namespace arca::audit
