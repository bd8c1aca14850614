// Mount table entries: which backend is mounted where, with its configuration.
//
// Two tables are persisted through the barrier: "core/mounts" (secrets engines, system, ...) and
// "core/auth" (auth methods; paths relative to "auth/"). Format: docs/formats/mount-table.md.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/json.h"
#include "common/status.h"
#include "logical/lockout.h"

namespace arca::core {

inline constexpr std::string_view kMountTablePath = "core/mounts";
inline constexpr std::string_view kAuthTablePath = "core/auth";

struct MountConfig {
  std::chrono::seconds default_lease_ttl{0};  // 0 = system default
  std::chrono::seconds max_lease_ttl{0};
  bool force_no_cache = false;
  std::string listing_visibility;  // "", "unauth", "hidden"
  std::vector<std::string> audit_non_hmac_request_keys;
  std::vector<std::string> audit_non_hmac_response_keys;
  std::vector<std::string> passthrough_request_headers;
  std::vector<std::string> allowed_response_headers;
  std::string token_type;  // auth mounts: default-service, default-batch, service, batch
  // Arca: LIST and SCAN results on this mount keep only the keys the caller's policies allow
  // (tune key "list_filter_by_acl").
  bool list_filter_by_acl = false;
  // Auth mounts: Vault's tune key "user_lockout_config" (unset = the method's own settings).
  std::optional<logical::LockoutConfig> user_lockout;
};

struct MountEntry {
  bool is_auth = false;     // which table it lives in
  std::string path;         // "secret/"; for auth mounts relative to "auth/": "userpass/"
  std::string type;
  std::string description;
  std::string uuid;
  std::string accessor;
  MountConfig config;
  std::map<std::string, std::string> options;
  bool local = false;
  bool seal_wrap = false;
  bool external_entropy_access = false;
  std::string plugin_version;

  // The path the router matches ("secret/", "auth/userpass/").
  std::string RouterPath() const { return is_auth ? "auth/" + path : path; }
  // Storage prefix of the mount's view ("logical/<uuid>/", "auth/<uuid>/", "sys/").
  std::string StoragePrefix() const;

  json::object ToStorageJson() const;
  static Result<MountEntry> FromStorageJson(const json::object& o, bool is_auth);
  // The shape of one entry in GET sys/mounts and sys/auth.
  json::object ToApiJson() const;
};

Result<std::vector<MountEntry>> ParseMountTable(std::string_view text, bool is_auth);
std::string SerializeMountTable(const std::vector<MountEntry>& entries);

// "kv_1a2b3c4d"
std::string NewAccessor(std::string_view type);

}  // namespace arca::core
