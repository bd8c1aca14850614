// sys/init, sys/seal-status, sys/unseal, sys/health, sys/leader.
#include "common/rfc3339.h"
#include <chrono>
#include <ctime>

#include "core/sys/paths.h"

namespace arca::core::sys {
namespace {

using logical::Operation;
using logical::Request;
using logical::Response;
namespace fw = logical::framework;


}  // namespace

json::object SealStatusJson(const SealStatus& st) {
  json::object d;
  d["type"] = st.type;
  d["initialized"] = st.initialized;
  d["sealed"] = st.sealed;
  d["t"] = st.threshold;
  d["n"] = st.shares;
  d["progress"] = st.progress;
  d["nonce"] = st.nonce;
  d["version"] = ARCA_VERSION;
  d["build_date"] = "";
  d["migration"] = st.migration;
  if (!st.sealed) {
    d["cluster_name"] = st.cluster_name;
    d["cluster_id"] = st.cluster_id;
  }
  d["recovery_seal"] = st.recovery_seal;
  // Vault adds the recovery key type for auto seals only.
  if (st.recovery_seal) d["recovery_seal_type"] = "shamir";
  d["storage_type"] = st.storage_type;
  return d;
}

std::vector<fw::Path> LifecyclePaths(Core& core) {
  std::vector<fw::Path> paths;

  fw::Path init;
  init.pattern = "init";
  init.help_synopsis = "Initializes or returns the initialization status of Arca.";
  init.fields["secret_shares"] = Field(fw::FieldType::kInt, "Number of key shares to split the root key into.");
  init.fields["secret_threshold"] = Field(fw::FieldType::kInt, "Number of key shares required to reconstruct the root key.");
  init.fields["pgp_keys"] = Field(fw::FieldType::kCommaStringSlice, "Base64 OpenPGP public keys, one per key share, to encrypt the shares with.");
  init.fields["root_token_pgp_key"] = Field(fw::FieldType::kString, "Base64 OpenPGP public key to encrypt the root token with.");
  init.fields["recovery_shares"] = Field(fw::FieldType::kInt, "Recovery key shares (auto-unseal only).");
  init.fields["recovery_threshold"] = Field(fw::FieldType::kInt, "Recovery key threshold (auto-unseal only).");
  init.fields["recovery_pgp_keys"] = Field(fw::FieldType::kCommaStringSlice, "Recovery key PGP keys (auto-unseal only).");
  init.fields["stored_shares"] = Field(fw::FieldType::kInt, "Deprecated and ignored (an auto seal stores one key).");
  init.operations[Operation::kRead] = {[&core](Request&, fw::FieldData&) -> Result<Response> {
    ARCA_ASSIGN_OR_RETURN(bool initialized, core.Initialized());
    json::object d;
    d["initialized"] = initialized;
    Response resp;
    // Vault answers the bare object {"initialized": bool}, not the envelope.
    resp.raw = logical::RawBody{200, "application/json", json::serialize(d)};
    return resp;
  }, "Returns the initialization status."};
  init.operations[Operation::kUpdate] = {[&core](Request&, fw::FieldData& d) -> Result<Response> {
    // As Vault: the parameters of the other kind of seal are refused by name.
    std::string seal_type = core.RecoveryKeysSupported()
                                ? std::string(core.seal_access()->Type()) : "shamir";
    std::vector<std::string> wrong;
    if (core.RecoveryKeysSupported()) {
      if (d.GetInt("secret_shares") != 0) wrong.push_back("secret_shares");
      if (d.GetInt("secret_threshold") != 0) wrong.push_back("secret_threshold");
      if (!d.GetStringSlice("pgp_keys").empty()) wrong.push_back("pgp_keys");
    } else {
      if (d.GetInt("recovery_shares") != 0) wrong.push_back("recovery_shares");
      if (d.GetInt("recovery_threshold") != 0) wrong.push_back("recovery_threshold");
      if (!d.GetStringSlice("recovery_pgp_keys").empty()) wrong.push_back("recovery_pgp_keys");
    }
    if (!wrong.empty()) {
      std::string names;
      for (const auto& w : wrong) names += (names.empty() ? "" : ",") + w;
      return InvalidRequest("parameters " + names + " not applicable to seal type " + seal_type);
    }
    InitParams p;
    p.root_token_pgp_key = d.GetString("root_token_pgp_key");
    if (core.RecoveryKeysSupported()) {
      p.recovery_shares = static_cast<int>(d.GetInt("recovery_shares"));
      p.recovery_threshold = static_cast<int>(d.GetInt("recovery_threshold"));
      p.recovery_pgp_keys = d.GetStringSlice("recovery_pgp_keys");
    } else {
      if (!d.Has("secret_shares") || !d.Has("secret_threshold")) {
        return InvalidRequest("secret_shares and secret_threshold are required");
      }
      p.secret_shares = static_cast<int>(d.GetInt("secret_shares"));
      p.secret_threshold = static_cast<int>(d.GetInt("secret_threshold"));
      p.pgp_keys = d.GetStringSlice("pgp_keys");
    }
    ARCA_ASSIGN_OR_RETURN(InitResult r, core.Initialize(p));
    json::object out;
    json::array hex, b64;
    for (auto& k : r.keys_hex) hex.emplace_back(k);
    for (auto& k : r.keys_base64) b64.emplace_back(k);
    out["keys"] = std::move(hex);
    out["keys_base64"] = std::move(b64);
    if (!r.recovery_keys_hex.empty()) {
      json::array rhex, rb64;
      for (auto& k : r.recovery_keys_hex) rhex.emplace_back(k);
      for (auto& k : r.recovery_keys_base64) rb64.emplace_back(k);
      out["recovery_keys"] = std::move(rhex);
      out["recovery_keys_base64"] = std::move(rb64);
    }
    out["root_token"] = r.root_token;
    Response resp;
    // sys/init answers a bare object, not the envelope.
    resp.raw = logical::RawBody{200, "application/json", json::serialize(out)};
    return resp;
  }, "Initializes Arca."};
  paths.push_back(std::move(init));

  fw::Path status;
  status.pattern = "seal-status";
  status.help_synopsis = "Returns the seal status of Arca.";
  status.operations[Operation::kRead] = {[&core](Request&, fw::FieldData&) -> Result<Response> {
    ARCA_ASSIGN_OR_RETURN(SealStatus st, core.GetSealStatus());
    Response resp;
    resp.raw = logical::RawBody{200, "application/json", json::serialize(SealStatusJson(st))};
    return resp;
  }, "Seal status."};
  paths.push_back(std::move(status));

  fw::Path unseal;
  unseal.pattern = "unseal";
  unseal.help_synopsis = "Unseals Arca with one key share.";
  unseal.fields["key"] = Field(fw::FieldType::kString, "One unseal key share (hex or base64).");
  unseal.fields["reset"] = Field(fw::FieldType::kBool, "Discard the progress of the current unseal attempt.");
  unseal.fields["migrate"] = Field(fw::FieldType::kBool, "Seal migration: required on every key while a migration is pending.");
  unseal.operations[Operation::kUpdate] = {[&core](Request&, fw::FieldData& d) -> Result<Response> {
    ARCA_ASSIGN_OR_RETURN(bool initialized, core.Initialized());
    if (!initialized) return InvalidRequest("Vault is not initialized");
    SealStatus st;
    if (d.GetBool("reset")) {
      ARCA_ASSIGN_OR_RETURN(st, core.ResetUnsealProgress());
    } else {
      std::string key = d.GetString("key");
      if (key.empty()) return InvalidRequest("'key' must be specified in request body as JSON, or 'reset' set to true");
      ARCA_ASSIGN_OR_RETURN(st, core.SubmitUnsealKey(key, d.GetBool("migrate")));
    }
    Response resp;
    resp.raw = logical::RawBody{200, "application/json", json::serialize(SealStatusJson(st))};
    return resp;
  }, "Submit an unseal key."};
  paths.push_back(std::move(unseal));

  fw::Path health;
  health.pattern = "health";
  health.help_synopsis = "Returns the health status of Arca.";
  health.fields["standbyok"] = Field(fw::FieldType::kBool, "Answer activecode from a standby.", false);
  health.fields["perfstandbyok"] = Field(fw::FieldType::kBool, "Answer activecode from a performance standby.", false);
  health.fields["activecode"] = Field(fw::FieldType::kInt, "Status code when active.", 200);
  health.fields["standbycode"] = Field(fw::FieldType::kInt, "Status code when standby.", 429);
  health.fields["drsecondarycode"] = Field(fw::FieldType::kInt, "Status code for a DR secondary.", 472);
  health.fields["performancestandbycode"] = Field(fw::FieldType::kInt, "Status code for a performance standby.", 473);
  health.fields["haunhealthycode"] = Field(fw::FieldType::kInt, "Status code when HA is unhealthy.", 474);
  health.fields["removedcode"] = Field(fw::FieldType::kInt, "Status code for a removed node.", 530);
  health.fields["sealedcode"] = Field(fw::FieldType::kInt, "Status code when sealed.", 503);
  health.fields["uninitcode"] = Field(fw::FieldType::kInt, "Status code when not initialized.", 501);
  health.operations[Operation::kRead] = {[&core](Request&, fw::FieldData& d) -> Result<Response> {
    for (const char* f : {"activecode", "standbycode", "drsecondarycode", "performancestandbycode",
                          "haunhealthycode", "removedcode", "sealedcode", "uninitcode"}) {
      int64_t code = d.GetInt(f);
      if (code < 100 || code > 599) {
        return InvalidRequest(std::string("invalid status code for ") + f + ": " + std::to_string(code));
      }
    }
    ARCA_ASSIGN_OR_RETURN(SealStatus st, core.GetSealStatus());
    const bool standby = !st.sealed && core.IsStandby();
    // A standby serving reads itself is Vault's "performance standby" (docs/ha.md).
    const bool perf_standby = standby && core.PerfStandby().serving;
    json::object b;
    b["initialized"] = st.initialized;
    b["sealed"] = st.sealed;
    b["standby"] = standby;
    b["performance_standby"] = perf_standby;
    b["replication_performance_mode"] = "disabled";
    b["replication_dr_mode"] = "disabled";
    b["server_time_utc"] = std::chrono::duration_cast<std::chrono::seconds>(
        std::chrono::system_clock::now().time_since_epoch()).count();
    b["version"] = ARCA_VERSION;
    b["enterprise"] = false;
    b["echo_duration_ms"] = 0;
    b["clock_skew_ms"] = 0;
    b["replication_primary_canary_age_ms"] = 0;
    b["removed_from_cluster"] = false;
    if (!st.sealed) {
      b["cluster_name"] = st.cluster_name;
      b["cluster_id"] = st.cluster_id;
    }
    int code;
    if (!st.initialized) code = static_cast<int>(d.GetInt("uninitcode"));
    else if (st.sealed) code = static_cast<int>(d.GetInt("sealedcode"));
    else if (perf_standby) {
      code = static_cast<int>(d.GetInt(d.GetBool("perfstandbyok") ? "activecode" : "performancestandbycode"));
    } else if (standby && !d.GetBool("standbyok")) code = static_cast<int>(d.GetInt("standbycode"));
    else code = static_cast<int>(d.GetInt("activecode"));
    Response resp;
    resp.raw = logical::RawBody{code, "application/json", json::serialize(b)};
    return resp;
  }, "Health status."};
  paths.push_back(std::move(health));

  fw::Path leader;
  leader.pattern = "leader";
  leader.help_synopsis = "Returns the high availability status and current leader of Arca.";
  leader.operations[Operation::kRead] = {[&core](Request&, fw::FieldData&) -> Result<Response> {
    // As Vault: without HA the answer needs no unsealed core; an HA node must be unsealed to
    // know its leader.
    if (core.HaEnabled() && core.Sealed()) return ::arca::Sealed();
    const Core::HaStatus ha = core.GetHaStatus();
    json::object d;
    d["ha_enabled"] = ha.enabled;
    d["is_self"] = ha.active;
    d["active_time"] =
        ha.active ? FormatRfc3339Nanos(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                           ha.active_since.time_since_epoch())
                                           .count())
                  : std::string("0001-01-01T00:00:00Z");
    d["leader_address"] = ha.leader ? ha.leader->api_addr : "";
    d["leader_cluster_address"] = ha.leader ? ha.leader->cluster_addr : "";
    const Core::PerfStandbyStatus perf =
        ha.standby ? core.PerfStandby() : Core::PerfStandbyStatus{};
    d["performance_standby"] = perf.serving;
    d["performance_standby_last_remote_wal"] = perf.serving ? perf.applied_index : 0;
    d["raft_committed_index"] = 0;
    d["raft_applied_index"] = 0;
    Response resp;
    resp.raw = logical::RawBody{200, "application/json", json::serialize(d)};
    return resp;
  }, "Leader status."};
  paths.push_back(std::move(leader));

  // sys/ha-status: the nodes of the HA cluster as the active node knows them (itself and the
  // standbys that echoed lately). A standby forwards it to the active node.
  fw::Path ha_status;
  ha_status.pattern = "ha-status";
  ha_status.help_synopsis = "Returns the nodes of the HA cluster.";
  ha_status.operations[Operation::kRead] = {[&core](Request&, fw::FieldData&) -> Result<Response> {
    json::array nodes;
    for (const Core::HaNode& n : core.HaNodes()) {
      json::object o;
      o["hostname"] = n.hostname;
      o["api_address"] = n.api_address;
      o["cluster_address"] = n.cluster_address;
      o["active_node"] = n.active;
      o["last_echo"] =
          n.active ? json::value(nullptr)
                   : json::value(FormatRfc3339Nanos(
                         std::chrono::duration_cast<std::chrono::nanoseconds>(
                             n.last_echo.time_since_epoch())
                             .count()));
      o["version"] = n.version;
      o["upgrade_version"] = n.version;
      o["redundancy_zone"] = "";
      o["node_id"] = n.node_id;
      nodes.push_back(std::move(o));
    }
    Response resp;
    resp.data["nodes"] = std::move(nodes);
    resp.data_at_top_level = true;  // Vault copies it to the top level too (Go clients read it there)
    return resp;
  }, "List the HA nodes."};
  paths.push_back(std::move(ha_status));
  return paths;
}

}  // namespace arca::core::sys
