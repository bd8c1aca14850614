// `arca audit enable|disable|list`.
#include <algorithm>
#include <ostream>

#include "cli/commands.h"
#include "cli/format.h"
#include "cli/output.h"

namespace arca::cli {
namespace {

std::string NormalizedPath(std::string p) {
  while (!p.empty() && p.front() == '/') p.erase(p.begin());
  if (!p.empty() && p.back() != '/') p.push_back('/');
  return p;
}

}  // namespace

int RunAuditEnable(Ctx& ctx, const std::vector<std::string>& raw_args) {
  std::string path, description;
  bool local = false;
  ctx.flags.String("path", &path, "Where to enable the device (default: its type).");
  ctx.flags.String("description", &description, "Human-friendly description.");
  ctx.flags.Bool("local", &local, "Mark the device as local-only.");
  auto args = ctx.Parse(raw_args);
  if (!args) return args.error();
  if (args->empty()) {
    ctx.err() << "Error enabling audit device: audit type missing. Valid types include 'file', "
                 "'socket' and 'syslog'.\n";
    return 1;
  }
  const std::string& type = (*args)[0];
  json::object options;
  for (size_t i = 1; i < args->size(); ++i) {
    const std::string& kv = (*args)[i];
    size_t eq = kv.find('=');
    if (eq == std::string::npos || eq == 0) {
      ctx.err() << "Failed to parse K=V data: invalid key/value pair \"" << kv << "\"\n";
      return 1;
    }
    options[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  if (path.empty()) path = type;
  path = NormalizedPath(path);
  api::Client* client = ctx.client();
  if (client == nullptr) return 1;
  json::object body{{"type", type}, {"description", description}, {"options", options},
                    {"local", local}};
  auto r = client->Call("PUT", "sys/audit/" + path, &body);
  if (!r) return ServerError(ctx, "Error enabling audit device", r.error());
  ctx.out() << "Success! Enabled the " << type << " audit device at: " << path << "\n";
  return 0;
}

int RunAuditDisable(Ctx& ctx, const std::vector<std::string>& raw_args) {
  auto args = ctx.Parse(raw_args);
  if (!args) return args.error();
  if (!ctx.CheckArgs(*args, 1, 1)) return 1;
  std::string path = NormalizedPath((*args)[0]);
  api::Client* client = ctx.client();
  if (client == nullptr) return 1;
  auto r = client->Call("DELETE", "sys/audit/" + path);
  if (!r) return ServerError(ctx, "Error disabling audit device", r.error());
  ctx.out() << "Success! Disabled audit device (if it was enabled) at: " << path << "\n";
  return 0;
}

int RunAuditList(Ctx& ctx, const std::vector<std::string>& raw_args) {
  bool detailed = false;
  ctx.flags.Bool("detailed", &detailed, "Print each device's options and replication.");
  auto args = ctx.Parse(raw_args);
  if (!args) return args.error();
  if (!ctx.CheckArgs(*args, 0, 0)) return 1;
  api::Client* client = ctx.client();
  if (client == nullptr) return 1;
  auto r = client->Call("GET", "sys/audit");
  if (!r) return ServerError(ctx, "Error listing audits", r.error());
  json::object devices;
  if (const json::value* d = r->if_contains("data"); d && d->is_object()) {
    devices = d->as_object();
  } else {
    for (const auto& kv : *r) {
      if (kv.value().is_object() && kv.key().ends_with("/")) devices[kv.key()] = kv.value();
    }
  }
  if (ctx.format() != "table") return OutputData(ctx, devices);
  if (devices.empty()) {
    ctx.out() << "No audit devices are enabled.\n";
    return 2;
  }
  std::vector<std::string> paths;
  for (const auto& kv : devices) paths.emplace_back(kv.key());
  std::sort(paths.begin(), paths.end());
  std::vector<std::vector<std::string>> rows;
  if (detailed) {
    rows.push_back({"Path", "Type", "Description", "Replication", "Options"});
  } else {
    rows.push_back({"Path", "Type", "Description"});
  }
  for (const auto& p : paths) {
    const json::value& v = devices.at(p);
    if (!v.is_object()) continue;
    const json::object& d = v.as_object();
    if (!detailed) {
      rows.push_back({p, CellText(d, "type"), CellText(d, "description")});
      continue;
    }
    const json::value* local = d.if_contains("local");
    const json::value* opts = d.if_contains("options");
    // Vault's layout: the options as space-separated key=value pairs (sorted here).
    std::vector<std::string> pairs;
    if (opts && opts->is_object()) {
      for (const auto& o : opts->as_object()) {
        pairs.push_back(std::string(o.key()) + "=" +
                        (o.value().is_string() ? std::string(o.value().as_string())
                                               : GoValue(o.value())));
      }
    }
    std::sort(pairs.begin(), pairs.end());
    std::string joined;
    for (const auto& kv : pairs) joined += (joined.empty() ? "" : " ") + kv;
    rows.push_back({p, CellText(d, "type"), CellText(d, "description"),
                    local && local->is_bool() && local->as_bool() ? "local" : "replicated",
                    joined});
  }
  ctx.out() << TableOutput(std::move(rows));
  return 0;
}

}  // namespace arca::cli
