// `arca operator members` (sys/ha-status) and `arca operator step-down` (sys/step-down), in
// Vault's layouts.
#include <ostream>

#include "cli/commands.h"
#include "cli/format.h"
#include "cli/output.h"

namespace arca::cli {
namespace {

const json::value kNull;

const json::value& Member(const json::object& o, std::string_view k) {
  const json::value* v = o.if_contains(k);
  return v ? *v : kNull;
}

// "2024-01-02T03:04:05.123456789Z" -> "2024-01-02T03:04:05Z": Go's time.RFC3339 layout (no
// fraction), the zone kept as written. Other text is returned unchanged.
std::string WithoutFraction(std::string_view t) {
  size_t tpos = t.find('T');
  if (tpos == std::string_view::npos || t.size() < tpos + 9) return std::string(t);
  size_t dot = tpos + 9;  // after "Thh:mm:ss"
  if (dot >= t.size() || t[dot] != '.') return std::string(t);
  size_t end = dot + 1;
  while (end < t.size() && t[end] >= '0' && t[end] <= '9') ++end;
  return std::string(t.substr(0, dot)) + std::string(t.substr(end));
}

// Vault's api.HANode, as its CLI marshals it (field order; omitempty where Vault has it).
json::object NodeForJson(const json::object& n) {
  json::object out;
  auto str = [&](std::string_view k) { return json::value(CellText(n, k)); };
  auto num = [&](std::string_view k) {
    const json::value& v = Member(n, k);
    return v.is_number() ? v : json::value(0);
  };
  out["hostname"] = str("hostname");
  out["api_address"] = str("api_address");
  out["cluster_address"] = str("cluster_address");
  const json::value& active = Member(n, "active_node");
  out["active_node"] = active.is_bool() && active.as_bool();
  const json::value& echo = Member(n, "last_echo");
  out["last_echo"] = echo.is_string() ? echo : json::value(nullptr);
  out["echo_duration_ms"] = num("echo_duration_ms");
  out["clock_skew_ms"] = num("clock_skew_ms");
  out["version"] = str("version");
  if (!CellText(n, "upgrade_version").empty()) out["upgrade_version"] = str("upgrade_version");
  if (!CellText(n, "redundancy_zone").empty()) out["redundancy_zone"] = str("redundancy_zone");
  out["replication_primary_canary_age_ms"] = num("replication_primary_canary_age_ms");
  return out;
}

}  // namespace

int RunOperatorMembers(Ctx& ctx, const std::vector<std::string>& raw_args) {
  auto args = ctx.Parse(raw_args);
  if (!args) return args.error();
  if (!ctx.CheckArgs(*args, 0, 0)) return 1;
  api::Client* client = ctx.client();
  if (client == nullptr) return 1;
  auto r = client->Call("GET", "sys/ha-status");
  if (!r) {
    ctx.err() << r.error().message() << "\n";  // Vault prints the API error alone
    return 2;
  }
  // Vault answers {"nodes": [...]} at the top level; an enveloped answer is read from data.
  const json::value* nodes = r->if_contains("nodes");
  if (nodes == nullptr || !nodes->is_array()) {
    if (const json::object* data = GetObject(*r, "data")) nodes = data->if_contains("nodes");
  }
  std::vector<json::object> list;
  if (nodes != nullptr && nodes->is_array()) {
    for (const auto& n : nodes->as_array()) {
      if (n.is_object()) list.push_back(n.as_object());
    }
  }
  if (ctx.format() != "table") {
    // Vault's api.HAStatusResponse has no JSON tag on Nodes: its CLI prints "Nodes".
    json::value array = nullptr;
    if (nodes != nullptr && nodes->is_array()) {
      json::array a;
      for (const auto& n : list) a.push_back(NodeForJson(n));
      array = std::move(a);
    }
    json::object out{{"Nodes", std::move(array)}};
    ctx.out() << (ctx.format() == "yaml" ? ToYaml(out) : GoJsonIndent(out));
    return 0;
  }
  std::vector<std::vector<std::string>> rows{{"Host Name", "API Address", "Cluster Address",
                                              "Active Node", "Version", "Upgrade Version",
                                              "Redundancy Zone", "Last Echo"}};
  for (const auto& n : list) {
    const json::value& active = Member(n, "active_node");
    const json::value& echo = Member(n, "last_echo");
    rows.push_back({CellText(n, "hostname"), CellText(n, "api_address"),
                    CellText(n, "cluster_address"),
                    active.is_bool() && active.as_bool() ? "true" : "false",
                    CellText(n, "version"), CellText(n, "upgrade_version"),
                    CellText(n, "redundancy_zone"),
                    echo.is_string() ? WithoutFraction(echo.as_string()) : ""});
  }
  ctx.out() << TableOutput(std::move(rows));
  return 0;
}

int RunOperatorStepDown(Ctx& ctx, const std::vector<std::string>& raw_args) {
  auto args = ctx.Parse(raw_args);
  if (!args) return args.error();
  if (!ctx.CheckArgs(*args, 0, 0)) return 1;
  api::Client* client = ctx.client();
  if (client == nullptr) return 1;
  auto r = client->Call("PUT", "sys/step-down");
  if (!r) return ServerError(ctx, "Error stepping down", r.error());
  ctx.out() << "Success! Stepped down: " << client->config().address << "\n";
  return 0;
}

}  // namespace arca::cli
