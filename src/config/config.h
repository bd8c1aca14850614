// The server configuration file (Vault's format: HCL or JSON, one file or a directory).
//
// Key policy, stricter than Vault's:
//   * a key neither Arca nor Vault knows (a typo such as `storag` or `adress`) is an error that
//     names the key and its file:line:column;
//   * a Vault key Arca does not implement is accepted with a warning in Config::warnings naming
//     it and its file:line, but only when ignoring it is safe; unknown storage or seal types,
//     TLS settings Arca does not implement, client-address trust settings and redaction settings
//     are errors instead. Nothing is ignored silently.
// Type errors (`disable_mlock = [1]`, `max_request_size = "abc"`) name the value's file:line:col.
// All errors are InvalidRequest. Thread-safety: pure functions; Config is a plain value.
#pragma once

#include <cstdint>
#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/duration.h"
#include "common/json.h"
#include "common/status.h"
#include "hcl/node.h"

namespace arca::config {

// Known storage types: inmem, file (LMDB on disk), lmdb, etcd, postgresql.
struct StorageConfig {
  std::string type;
  // Every key of the stanza, numbers and bools stringified ("8", "true").
  std::map<std::string, std::string> options;
  int line = 0;  // line of the stanza in its file
};

struct ListenerConfig {
  std::string type = "tcp";
  std::string address = "127.0.0.1:8200";
  // HA: where this listener's cluster listener binds (host:port); empty = the same host with
  // the port + 1 (Vault's default). Only the first listener's is used.
  std::string cluster_address;
  bool tls_disable = false;  // TLS is on unless tls_disable = true ("1"/"true" strings too)
  std::string tls_cert_file, tls_key_file, tls_client_ca_file;  // required when TLS is on
  std::string tls_min_version = "tls12";                        // tls10|tls11|tls12|tls13
  bool tls_require_and_verify_client_cert = false, tls_disable_client_certs = false;
  // Bytes. Vault's rules: 0 (or absent) means the 32 MiB default; a negative value turns the
  // limit off, stored as UINT64_MAX.
  uint64_t max_request_size = 33554432;
  Seconds max_request_duration{90}, http_read_timeout{30}, http_idle_timeout{300};
  std::vector<std::string> x_forwarded_for_authorized_addrs;  // CIDRs or addresses, validated
  bool unauthenticated_metrics_access = false;  // telemetry { unauthenticated_metrics_access }
  int line = 0;                                 // line of the stanza in its file
};

struct TelemetryConfig {
  Seconds prometheus_retention_time{86400};
  bool disable_hostname = false;
  std::string metrics_prefix = "vault";  // names in sys/metrics: vault_core_..., vault.core...
};

// Known seal types: shamir, static, transit, pkcs11, awskms (only parsed here).
struct SealConfig {
  std::string type;
  std::map<std::string, std::string> options;  // without `disabled`
  // `disabled = "true"`: the seal a seal migration moves away from.
  bool disabled = false;
};

struct Config {
  std::optional<StorageConfig> storage, ha_storage;  // `backend`/`ha_backend`: deprecated aliases
  std::vector<ListenerConfig> listeners;             // empty is fine (dev mode adds one)
  std::optional<SealConfig> seal;                    // absent = shamir
  // A seal stanza with disabled = "true" (seal migration away from it). A file may hold one
  // enabled and one disabled seal stanza, no more.
  std::optional<SealConfig> disabled_seal;
  std::string api_addr, cluster_addr, cluster_name;
  bool disable_mlock = false;
  // false: the server makes itself non-dumpable (prctl PR_SET_DUMPABLE 0: no core dump, no
  // ptrace attach or /proc/<pid>/mem read by other processes of the same user).
  bool disable_core_dump_protection = false;
  // Not used by Arca (no external plugins; the key is accepted with a warning), but no file
  // audit device may write into it.
  std::string plugin_directory;
  bool ui = false;
  bool raw_storage_endpoint = false;
  bool disable_cache = false;
  // HA: standbys serve requests that only read storage (OpenBao's `disable_standby_reads`
  // turns it off), while they heard from the active node within `standby_read_max_staleness`
  // (Arca's key; "250ms", "1s", "2m"; default 1s). docs/ha.md.
  bool disable_standby_reads = false;
  std::chrono::milliseconds standby_read_max_staleness{1000};
  int64_t cache_size = 131072;
  std::string log_level = "info";       // trace|debug|info|warn|error
  std::string log_format = "standard";  // standard|json
  std::string pid_file;
  Seconds default_lease_ttl{768 * 3600}, max_lease_ttl{768 * 3600};
  TelemetryConfig telemetry;
  // Accepted-but-ignored Vault keys: "file:line: <key> ...".
  std::vector<std::string> warnings;
};

// Parses one document (HCL, or JSON when it starts with `{`). `filename` appears in messages.
// A config without storage is not an error here (the server checks that at start).
Result<Config> Parse(std::string_view text, std::string_view filename);

// Loads a file (`.json` files must hold a JSON object; anything else is parsed as HCL, which also
// accepts JSON), or a directory whose `*.hcl` and `*.json` files are merged in name order:
// scalars of later files win, listeners are appended, a later storage / ha_storage / seal stanza
// replaces an earlier one, telemetry keys merge. A directory without such files is an error.
Result<Config> LoadPath(const std::string& path);
// Several paths (repeated `-config` flags), merged in order by the same rules.
Result<Config> LoadPaths(const std::vector<std::string>& paths);

// Applies one parsed document on top of `config` by the merge rules above (Parse and LoadPath
// are built on it). On error, `config` may be partly updated.
Status ApplyDocument(const hcl::Node& root, Config* config);

// Checks that need the merged result: default_lease_ttl <= max_lease_ttl.
Status Validate(const Config& config);

// The configuration as sys/config/state/sanitized shows it (Vault's key names): no storage or
// seal options (they may hold credentials), listener settings without secrets.
json::object SanitizedJson(const Config& c);

}  // namespace arca::config
