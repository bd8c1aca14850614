// audit::SyslogSink: the `syslog` device's writer, through syslog(3) at priority INFO of the
// configured facility, with the configured tag (ident). syslog(3) has one ident per process, so
// writes of all syslog devices are serialized and openlog() is called again when the tag
// differs from the last one used.
//
// Thread-safety: none itself (one Device writer thread); the process-wide syslog state is
// guarded by a global mutex.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "audit/device.h"

namespace arca::audit {

// "AUTH", "AUTHPRIV", "DAEMON", "USER", "LOCAL0".."LOCAL7", ... (case-insensitive) -> LOG_*;
// InvalidRequest for an unknown name.
Result<int> ParseSyslogFacility(std::string_view name);

struct SyslogSinkOptions {
  int facility = 0;  // a LOG_* facility (ParseSyslogFacility)
  std::string tag = "arca";
  // Test hook: replaces syslog(3). Gets the full priority (facility | LOG_INFO) and the line
  // without its trailing newline.
  std::function<void(int priority, std::string_view tag, std::string_view message)> write;
};

class SyslogSink : public Sink {
 public:
  explicit SyslogSink(SyslogSinkOptions options);
  Status Write(std::string_view line) override;
  Status Reopen() override { return OkStatus(); }
  void Close() override;

 private:
  SyslogSinkOptions options_;
};

}  // namespace arca::audit
