#include "audit/syslog_sink.h"

#include <syslog.h>

#include <algorithm>
#include <cctype>
#include <mutex>

namespace arca::audit {
namespace {

std::mutex g_syslog_mu;
// The ident passed to openlog(); must stay alive while it is the current one.
std::string* g_ident = nullptr;  // guarded by g_syslog_mu

struct FacilityName {
  std::string_view name;
  int value;
};
constexpr FacilityName kFacilities[] = {
    {"KERN", LOG_KERN},     {"USER", LOG_USER},         {"MAIL", LOG_MAIL},
    {"DAEMON", LOG_DAEMON}, {"AUTH", LOG_AUTH},         {"SYSLOG", LOG_SYSLOG},
    {"LPR", LOG_LPR},       {"NEWS", LOG_NEWS},         {"UUCP", LOG_UUCP},
    {"CRON", LOG_CRON},     {"AUTHPRIV", LOG_AUTHPRIV}, {"FTP", LOG_FTP},
    {"LOCAL0", LOG_LOCAL0}, {"LOCAL1", LOG_LOCAL1},     {"LOCAL2", LOG_LOCAL2},
    {"LOCAL3", LOG_LOCAL3}, {"LOCAL4", LOG_LOCAL4},     {"LOCAL5", LOG_LOCAL5},
    {"LOCAL6", LOG_LOCAL6}, {"LOCAL7", LOG_LOCAL7},
};

}  // namespace

Result<int> ParseSyslogFacility(std::string_view name) {
  std::string upper(name);
  std::transform(upper.begin(), upper.end(), upper.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  for (const auto& f : kFacilities) {
    if (f.name == upper) return f.value;
  }
  return InvalidRequest("unknown syslog facility \"" + std::string(name) + "\"");
}

SyslogSink::SyslogSink(SyslogSinkOptions options) : options_(std::move(options)) {}

Status SyslogSink::Write(std::string_view line) {
  if (!line.empty() && line.back() == '\n') line.remove_suffix(1);
  int priority = options_.facility | LOG_INFO;
  if (options_.write) {
    options_.write(priority, options_.tag, line);
    return OkStatus();
  }
  std::lock_guard lock(g_syslog_mu);
  if (g_ident == nullptr || *g_ident != options_.tag) {
    static std::string ident;  // outlives every device
    ident = options_.tag;
    ::openlog(ident.c_str(), LOG_PID | LOG_NDELAY, options_.facility);
    g_ident = &ident;
  }
  ::syslog(priority, "%.*s", static_cast<int>(line.size()), line.data());
  return OkStatus();
}

void SyslogSink::Close() {}

}  // namespace arca::audit
