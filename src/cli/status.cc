// `arca status` and the seal-status table it shares with `operator unseal`.
#include <ostream>

#include "build_info.h"
#include "cli/commands.h"
#include "cli/format.h"
#include "cli/output.h"

namespace arca::cli {
namespace {

const json::value kNull;

const json::value& Field(const json::object& o, std::string_view k) {
  const json::value* v = o.if_contains(k);
  return v ? *v : kNull;
}
bool Flag(const json::object& o, std::string_view k) {
  const json::value& v = Field(o, k);
  return v.is_bool() && v.as_bool();
}
std::string Int(const json::object& o, std::string_view k) {
  const json::value& v = Field(o, k);
  return v.is_number() ? GoValue(v) : "0";
}

}  // namespace

int OutputSealStatus(Ctx& ctx, api::Client& client, const json::object& st) {
  bool sealed = Flag(st, "sealed");
  json::object leader;
  bool ha_enabled = false;
  auto resp = client.Request("GET", "sys/leader");
  if (!resp) {
    ctx.err() << "Error checking leader status: " << resp.error().message() << "\n";
    return 1;
  }
  if (resp->status < 400 && resp->json.is_object()) {
    leader = resp->json.as_object();
    ha_enabled = Flag(leader, "ha_enabled");
  } else if (resp->status == 503 && resp->body.find("Vault is sealed") != std::string::npos) {
    // As Vault's status command: sys/leader refuses only on a sealed HA node (without HA it
    // answers sealed or not), so this answer means HA is enabled.
    ha_enabled = true;
  } else if (resp->status != 404 && resp->status != 503 && resp->status != 400) {
    ctx.err() << "Error checking leader status: " << api::FormatResponseError(*resp) << "\n";
    return 1;
  }

  if (ctx.format() != "table") {
    // Vault's SealStatusOutput: the seal status, then the sys/leader fields at the top level
    // (is_self, the addresses and the counters only when set; active_time always, a zero time
    // when unknown, as Go marshals a time.Time).
    json::object out = st;
    out["ha_enabled"] = ha_enabled;
    if (Flag(leader, "is_self")) out["is_self"] = true;
    const json::value& active_time = Field(leader, "active_time");
    out["active_time"] = active_time.is_string() && !active_time.as_string().empty()
                             ? active_time
                             : json::value("0001-01-01T00:00:00Z");
    for (std::string_view k : {"leader_address", "leader_cluster_address"}) {
      if (!CellText(leader, k).empty()) out[k] = CellText(leader, k);
    }
    if (Flag(leader, "performance_standby")) out["performance_standby"] = true;
    for (std::string_view k : {"performance_standby_last_remote_wal", "last_wal",
                               "raft_committed_index", "raft_applied_index"}) {
      if (Int(leader, k) != "0") out[k] = Field(leader, k);
    }
    ctx.out() << (ctx.format() == "yaml" ? ToYaml(out) : GoJsonIndent(out));
    return 0;
  }

  bool recovery = Flag(st, "recovery_seal");
  std::vector<std::vector<std::string>> rows = {{"Key", "Value"}};
  rows.push_back({"Seal Type", CellText(st, "type")});
  if (recovery) rows.push_back({"Recovery Seal Type", CellText(st, "recovery_seal_type")});
  rows.push_back({"Initialized", Flag(st, "initialized") ? "true" : "false"});
  rows.push_back({"Sealed", sealed ? "true" : "false"});
  rows.push_back({recovery ? "Total Recovery Shares" : "Total Shares", Int(st, "n")});
  rows.push_back({"Threshold", Int(st, "t")});
  if (sealed) {
    rows.push_back({"Unseal Progress", Int(st, "progress") + "/" + Int(st, "t")});
    rows.push_back({"Unseal Nonce", CellText(st, "nonce")});
  }
  if (Flag(st, "migration")) rows.push_back({"Seal Migration in Progress", "true"});
  rows.push_back({"Version", CellText(st, "version")});
  std::string build_date = CellText(st, "build_date");
  if (build_date.empty()) build_date = CellText(st, "commit_date");
  rows.push_back({"Build Date", build_date});
  rows.push_back({"Storage Type", CellText(st, "storage_type")});
  if (!CellText(st, "cluster_name").empty() && !CellText(st, "cluster_id").empty()) {
    rows.push_back({"Cluster Name", CellText(st, "cluster_name")});
    rows.push_back({"Cluster ID", CellText(st, "cluster_id")});
  }
  rows.push_back({"HA Enabled", ha_enabled ? "true" : "false"});
  if (ha_enabled && !sealed) {
    rows.push_back({"HA Cluster", CellText(leader, "leader_cluster_address")});
    bool is_self = Flag(leader, "is_self");
    rows.push_back({"HA Mode", is_self ? "active" : "standby"});
    std::string active = CellText(leader, "active_time");
    if (is_self && !active.empty() && !active.starts_with("0001-01-01")) {
      rows.push_back({"Active Since", active});
    }
    if (!is_self) {
      std::string addr = CellText(leader, "leader_address");
      rows.push_back({"Active Node Address", addr.empty() ? "<none>" : addr});
    }
    // A standby serving reads itself (docs/ha.md "Standby reads"), in Vault's rows.
    if (Flag(leader, "performance_standby")) {
      rows.push_back({"Performance Standby Node", "true"});
      rows.push_back({"Performance Standby Last Remote WAL",
                      Int(leader, "performance_standby_last_remote_wal")});
    }
  }
  // Vault prints these whenever they are set, HA or not.
  if (Int(leader, "raft_committed_index") != "0") {
    rows.push_back({"Raft Committed Index", Int(leader, "raft_committed_index")});
  }
  if (Int(leader, "raft_applied_index") != "0") {
    rows.push_back({"Raft Applied Index", Int(leader, "raft_applied_index")});
  }
  if (Int(leader, "last_wal") != "0") rows.push_back({"Last WAL", Int(leader, "last_wal")});
  ctx.out() << TableOutput(std::move(rows));
  return 0;
}

int RunStatus(Ctx& ctx, const std::vector<std::string>& raw_args) {
  auto args = ctx.Parse(raw_args);
  if (!args) return args.error();
  if (!ctx.CheckArgs(*args, 0, 0)) return 1;
  api::Client* client = ctx.client();
  if (client == nullptr) return 1;
  auto st = client->Call("GET", "sys/seal-status");
  if (!st) {
    ctx.err() << "Error checking seal status: " << st.error().message() << "\n";
    return 1;
  }
  int code = OutputSealStatus(ctx, *client, *st);
  if (Flag(*st, "sealed")) return 2;
  return code;
}

int RunVersion(Ctx& ctx, const std::vector<std::string>& raw_args) {
  auto args = ctx.Parse(raw_args);
  if (!args) return args.error();
  // Vault's layout: "Vault v1.15.0 (<commit>), built <date>".
  ctx.out() << "Arca v" << ARCA_VERSION << " (" << ARCA_GIT_COMMIT << "), built " << ARCA_BUILD_DATE
            << "\n";
  return 0;
}

}  // namespace arca::cli
