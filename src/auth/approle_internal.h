// AppRole internals shared by its path files: the state of one mount, the stored role and
// secret ID entries and their storage helpers. Internal to auth/.
#pragma once

#include <array>
#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "auth/approle.h"
#include "auth/token_fields.h"
#include "common/json.h"
#include "logical/framework/framework_backend.h"
#include "logical/storage.h"

namespace arca::auth::approle {

namespace fw = logical::framework;

struct Role {
  std::string name;
  std::string role_id;
  bool bind_secret_id = true;
  std::vector<std::string> secret_id_bound_cidrs;
  int64_t secret_id_num_uses = 0;
  std::chrono::seconds secret_id_ttl{0};
  bool local_secret_ids = false;
  TokenFields token;

  json::object ToJson() const;
  static Result<Role> FromJson(const json::object& o);
  void AddToResponse(json::object& data) const;  // Vault's role read shape
};

struct SecretId {
  std::string accessor;
  std::vector<std::string> cidr_list;
  std::vector<std::string> token_bound_cidrs;
  std::map<std::string, std::string> metadata;
  int64_t num_uses = 0;  // remaining, 0 = unlimited
  int64_t ttl = 0;       // seconds, 0 = never expires
  int64_t creation_time = 0;
  int64_t expiration_time = 0;  // unix seconds, 0 = never
  int64_t last_updated_time = 0;

  json::object ToJson() const;
  static Result<SecretId> FromJson(const json::object& o);
  json::object LookupResponse() const;  // Vault's secret-id lookup shape
  bool Expired(int64_t now) const { return expiration_time > 0 && expiration_time <= now; }
};

class State {
 public:
  explicit State(ApproleOptions o) : opts_(std::move(o)) {}

  int64_t Now() const;
  // HMAC-SHA256 (hex) of `value` under the mount's salt, created at first use.
  Result<std::string> Hmac(logical::Storage& s, std::string_view value);
  // The stripe serializing updates of one secret ID (by its HMAC).
  std::mutex& StripeFor(std::string_view secret_hmac);
  // Serializes role writes (role_id index changes).
  std::mutex& RoleMutex() { return role_mu_; }

 private:
  ApproleOptions opts_;
  std::mutex salt_mu_;
  std::string salt_;  // guarded by salt_mu_; empty until loaded
  std::array<std::mutex, 64> stripes_;
  std::mutex role_mu_;
};

Result<logical::Storage*> StorageOf(const logical::Request& req);
std::string Lower(std::string s);
std::string FormatTime(int64_t unix_seconds);  // RFC 3339, UTC
std::unexpected<Error> EmptyNotFound();        // 404 {"errors": []}

Result<std::optional<Role>> LoadRole(logical::Storage& s, const std::string& name);
Status SaveRole(logical::Storage& s, const Role& role);
// The role whose role_id is `role_id`, if any.
Result<std::optional<Role>> RoleByRoleId(State& st, logical::Storage& s, std::string_view role_id);
// Deletes the role, its role_id index entry and all its secret IDs.
Status DeleteRole(State& st, logical::Storage& s, const Role& role);

std::string SecretKey(const std::string& role, const std::string& hmac);
std::string AccessorKey(const std::string& accessor_hmac);
// Loads a secret ID entry by its HMAC; nullopt if absent.
Result<std::optional<SecretId>> LoadSecretId(logical::Storage& s, const std::string& role,
                                             const std::string& hmac);
// Deletes the entry and its accessor index.
Status DeleteSecretId(State& st, logical::Storage& s, const std::string& role,
                      const std::string& hmac, const SecretId& e);

// Paths (approle_role.cc, approle_secret_id.cc).
std::vector<fw::Path> RolePaths(std::shared_ptr<State> st);
std::vector<fw::Path> SecretIdPaths(std::shared_ptr<State> st);
fw::Path LoginPath(std::shared_ptr<State> st);
fw::Path TidyPath(std::shared_ptr<State> st);

}  // namespace arca::auth::approle
