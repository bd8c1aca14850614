// Private to src/auth/kubernetes/: the stored configuration and roles, the backend's shared
// state, the TokenReview client and the path constructors.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "auth/kubernetes/kubernetes.h"
#include "auth/token_fields.h"
#include "common/json.h"
#include "common/secure_bytes.h"
#include "logical/framework/framework_backend.h"
#include "logical/storage.h"

namespace arca::auth::kubernetes {

namespace fw = logical::framework;

inline constexpr char kConfigKey[] = "config";
inline constexpr char kRolePrefix[] = "role/";
inline constexpr char kAliasSourceUid[] = "serviceaccount_uid";
inline constexpr char kAliasSourceName[] = "serviceaccount_name";

// The stored configuration ("config"), keyed by the API's parameter names.
struct Config {
  std::string kubernetes_host;
  std::string kubernetes_ca_cert;
  std::string token_reviewer_jwt;  // a credential: never returned, never logged
  std::vector<std::string> pem_keys;
  std::string issuer;
  bool disable_iss_validation = true;
  bool disable_local_ca_jwt = false;

  Config() = default;
  Config(const Config&) = default;
  Config& operator=(const Config&) = default;
  ~Config() { SecureWipe(token_reviewer_jwt); }

  json::object ToJson() const;
  static Result<Config> FromJson(const json::object& o);  // Internal for a corrupt entry
};

struct Role {
  std::vector<std::string> bound_service_account_names;
  std::vector<std::string> bound_service_account_namespaces;
  std::string audience;
  std::string alias_name_source = kAliasSourceUid;
  TokenFields token;

  json::object ToJson() const;
  static Result<Role> FromJson(const json::object& o);
};

struct State {
  KubernetesOptions opts;
  const logical::SystemView* system = nullptr;  // the mount's; outlives the backend
  std::shared_ptr<spdlog::logger> logger;       // may be null

  std::chrono::system_clock::time_point Now() const {
    return opts.clock ? opts.clock() : std::chrono::system_clock::now();
  }
};

Result<logical::Storage*> StorageOf(const logical::Request& req);
Result<std::optional<Config>> LoadConfig(logical::Storage& s);
Result<std::optional<Role>> LoadRole(logical::Storage& s, const std::string& name);

// The base URL of the API server from kubernetes_host: a http(s) URL as given (without a
// trailing '/'), or "https://" + a bare host or host:port. InvalidRequest for anything else.
Result<std::string> ApiBaseUrl(const std::string& kubernetes_host);

// What a TokenReview said about a token.
struct ReviewedAccount {
  std::string namespace_name;
  std::string name;
  std::string uid;
};

// Sends a TokenReview for `jwt` to `base_url` with `bearer` as the Authorization token, asking
// for `audiences` (none: the API server's own), with TLS verified against `ca_pem` (empty: system
// roots). The account when the review says authenticated, for a service account, and (when
// audiences were asked for) for one of them. Otherwise PermissionDenied whose message says why
// (fit for a log line: it never contains a token).
Result<ReviewedAccount> ReviewToken(const HttpFetcher& fetch, const std::string& base_url,
                                    const std::string& ca_pem, const std::string& bearer,
                                    const std::string& jwt,
                                    const std::vector<std::string>& audiences,
                                    std::chrono::milliseconds timeout);

fw::Path ConfigPath(std::shared_ptr<State> st);
fw::Path RoleListPath();
fw::Path RolePath(std::shared_ptr<State> st);
fw::Path LoginPath(std::shared_ptr<State> st);

}  // namespace arca::auth::kubernetes
