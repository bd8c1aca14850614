// sys/monitor: the server's log lines, streamed (chunked) until the client goes away, the
// server stops or the core is sealed. Each stream is a log subscription (common/log.h) with a
// bounded queue: a client that reads too slowly loses lines; logging never waits for it.
#include <cctype>

#include "common/log.h"
#include "common/metrics.h"
#include "core/sys/paths.h"

namespace arca::core::sys {
namespace {

using logical::Operation;
using logical::Request;
using logical::Response;
namespace fw = logical::framework;

constexpr size_t kQueuedLines = 512;  // per stream, as Vault's monitor buffer

metrics::Counter& DroppedLines() {
  static metrics::Counter& c = metrics::Registry::Global().GetCounter(
      "monitor.dropped_lines", "Log lines sys/monitor streams dropped because the client was slow.");
  return c;
}

class MonitorSource final : public logical::StreamSource {
 public:
  MonitorSource(Core& core, std::unique_ptr<log::Subscription> sub)
      : core_(core), sub_(std::move(sub)) {}
  ~MonitorSource() override { DroppedLines().Add(sub_->dropped()); }

  std::string content_type() const override { return "text/plain; charset=utf-8"; }
  bool Read(std::string& out) override {
    sub_->Drain(out);
    if (core_.Sealed()) {  // as Vault: the session ends when the core is sealed
      out += "core received sealed state change, ending monitor session\n";
      return false;
    }
    return true;
  }
  void SetWaker(std::function<void()> wake) override { sub_->SetWaker(std::move(wake)); }

 private:
  Core& core_;
  std::unique_ptr<log::Subscription> sub_;
};

}  // namespace

std::vector<fw::Path> MonitorPaths(Core& core) {
  metrics::Registry::Global().SetGauge(
      "monitor.subscribers", "Open sys/monitor streams.", [] {
        return std::vector<metrics::GaugeSample>{
            {{}, static_cast<double>(log::SubscriberCount())}};
      });
  (void)DroppedLines();

  fw::Path p;
  p.pattern = "monitor";
  p.help_synopsis = "Stream the server's log lines.";
  p.help_description =
      "Streams log lines at log_level and above, in log_format, until the client disconnects. "
      "Lines are dropped when the client reads more slowly than the server logs.";
  p.fields["log_level"] = Field(fw::FieldType::kString,
                                "Log level to stream at: trace, debug, info, warn or error.");
  p.fields["log_format"] = Field(fw::FieldType::kString,
                                 "Format of the lines: standard or json.", "standard");
  p.operations[Operation::kRead] = {[&core](Request& req, fw::FieldData& d) -> Result<Response> {
    std::string level = d.GetString("log_level");
    if (level.empty()) level = "info";
    // Not case sensitive (hclog's LevelFromString lower-cases).
    for (char& c : level) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    auto lvl = log::ParseLevel(level);
    if (!lvl) return InvalidRequest("unknown log level");
    std::string format = d.GetString("log_format");
    for (char& c : format) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (format != "standard" && format != "json") return InvalidRequest("unknown log format");
    if (req.wrap_ttl.count() > 0) return InvalidRequest("sys/monitor cannot be response-wrapped");
    // As Vault: JSON lines when asked for, or when the server itself logs JSON.
    const log::Format f = format == "json" || log::CurrentFormat() == log::Format::kJson
                              ? log::Format::kJson
                              : log::Format::kStandard;
    Response resp;
    resp.stream = std::make_shared<MonitorSource>(core, log::Subscribe(*lvl, f, kQueuedLines));
    return resp;
  }, "Stream the log."};
  std::vector<fw::Path> out;
  out.push_back(std::move(p));
  return out;
}

}  // namespace arca::core::sys
