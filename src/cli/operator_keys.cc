// `arca operator key-status` and `arca operator rotate`.
#include <cstdio>
#include <ostream>

#include "cli/commands.h"
#include "cli/format.h"
#include "cli/output.h"

namespace arca::cli {
namespace {

// "2024-03-05T10:20:30.123Z" -> Go's RFC822 in UTC: "05 Mar 24 10:20 UTC". Other shapes are
// returned unchanged.
std::string Rfc822(const std::string& rfc3339) {
  int y, mo, d, h, mi;
  char sep;
  if (std::sscanf(rfc3339.c_str(), "%4d-%2d-%2d%c%2d:%2d", &y, &mo, &d, &sep, &h, &mi) != 6 ||
      mo < 1 || mo > 12 || (sep != 'T' && sep != 't' && sep != ' ') ||
      !(rfc3339.ends_with('Z') || rfc3339.ends_with("+00:00"))) {
    return rfc3339;
  }
  static const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                  "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  char buf[40];
  std::snprintf(buf, sizeof buf, "%02d %s %02d %02d:%02d UTC", d, kMonths[mo - 1], y % 100, h, mi);
  return buf;
}

// Prints the key status; returns the exit code.
int PrintKeyStatus(Ctx& ctx, const json::object& resp) {
  const json::object* src = &resp;
  if (const json::value* d = resp.if_contains("data"); d && d->is_object()) src = &d->as_object();
  auto field = [&](std::string_view k) -> json::value {
    const json::value* v = src->if_contains(k);
    return v ? *v : json::value();
  };
  if (ctx.format() != "table") {
    json::object out{{"term", field("term")},
                     {"install_time", field("install_time")},
                     {"encryptions", field("encryptions")}};
    ctx.out() << (ctx.format() == "yaml" ? ToYaml(out) : GoJsonIndent(out));
    return 0;
  }
  json::value install = field("install_time");
  ctx.out() << Columnize({
      {"Key Term", GoValue(field("term"))},
      {"Install Time", install.is_string() ? Rfc822(std::string(install.as_string())) : ""},
      {"Encryption Count", field("encryptions").is_null() ? "" : GoValue(field("encryptions"))},
  });
  return 0;
}

}  // namespace

int RunOperatorKeyStatus(Ctx& ctx, const std::vector<std::string>& raw_args) {
  auto args = ctx.Parse(raw_args);
  if (!args) return args.error();
  if (!ctx.CheckArgs(*args, 0, 0)) return 1;
  api::Client* client = ctx.client();
  if (client == nullptr) return 1;
  auto r = client->Call("GET", "sys/key-status");
  if (!r) return ServerError(ctx, "Error reading key status", r.error());
  return PrintKeyStatus(ctx, *r);
}

int RunOperatorRotate(Ctx& ctx, const std::vector<std::string>& raw_args) {
  auto args = ctx.Parse(raw_args);
  if (!args) return args.error();
  if (!ctx.CheckArgs(*args, 0, 0)) return 1;
  api::Client* client = ctx.client();
  if (client == nullptr) return 1;
  auto rotated = client->Call("PUT", "sys/rotate");
  if (!rotated) return ServerError(ctx, "Error rotating key", rotated.error());
  auto r = client->Call("GET", "sys/key-status");
  if (!r) return ServerError(ctx, "Error reading key status", r.error());
  if (ctx.format() == "table") ctx.out() << "Success! Rotated key\n\n";
  return PrintKeyStatus(ctx, *r);
}

}  // namespace arca::cli
