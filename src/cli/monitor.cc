// arca monitor: prints the server's log stream (sys/monitor) until the server ends it or the
// user interrupts the command.
#include <algorithm>
#include <array>

#include "cli/commands.h"

namespace arca::cli {

int RunMonitor(Ctx& ctx, const std::vector<std::string>& raw_args) {
  std::string level = "info", format = "standard";
  ctx.flags.String("log-level", &level,
                   "Log level to stream: trace, debug, info, warn or error (default info).");
  ctx.flags.String("log-format", &format, "Format of the lines: standard or json.");
  auto args = ctx.Parse(raw_args);
  if (!args) return args.error();
  if (!args->empty()) {
    ctx.err() << "Too many arguments (expected 0, got " << args->size() << ")\n";
    return 1;
  }
  for (auto* s : {&level, &format}) {
    for (char& c : *s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  static constexpr std::array<std::string_view, 5> kLevels = {"trace", "debug", "info", "warn",
                                                              "error"};
  if (std::find(kLevels.begin(), kLevels.end(), level) == kLevels.end()) {
    ctx.err() << level
              << " is an unknown log level. Valid log levels are: [trace debug info warn error]\n";
    return 1;
  }
  if (format != "standard" && format != "json") {
    ctx.err() << format << " is an unknown log format. Valid log formats are: [standard json]\n";
    return 1;
  }
  api::Client* client = ctx.client();
  if (client == nullptr) return 2;
  auto r = client->Stream("sys/monitor", {{"log_format", format}, {"log_level", level}},
                          [&](std::string_view data) {
                            ctx.out() << data;
                            ctx.out().flush();
                            return static_cast<bool>(ctx.out());
                          });
  if (!r) {
    ctx.err() << "Error starting monitor: " << r.error().message() << "\n";
    return 1;
  }
  if (r->status >= 400) {
    ctx.err() << "Error starting monitor: " << api::FormatResponseError(*r) << "\n";
    return 1;
  }
  return 0;
}

}  // namespace arca::cli
