// Private parts of the jwt/oidc auth method (auth/jwt.h): stored config and roles, the shared
// backend state (key cache, pending OIDC requests), and the path constructors of each file.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "auth/jwt.h"
#include "auth/token_fields.h"
#include "common/json.h"
#include "crypto/jwt.h"
#include "logical/framework/path.h"
#include "logical/request.h"
#include "logical/storage.h"

namespace arca::auth::jwt {

namespace fw = logical::framework;

struct Config {
  std::string oidc_discovery_url, oidc_discovery_ca_pem, oidc_client_id, oidc_client_secret;
  std::string oidc_response_mode;
  std::vector<std::string> oidc_response_types;
  std::string jwks_url, jwks_ca_pem;
  std::vector<std::string> jwt_validation_pubkeys;
  std::vector<std::string> jwt_supported_algs;
  std::string bound_issuer, default_role;
  bool namespace_in_state = true;

  json::object ToJson() const;  // storage form (with the client secret)
  static Config FromJson(const json::object& o);
  bool IsOidcFlow() const { return !oidc_discovery_url.empty() && !oidc_client_id.empty(); }
};

struct Role {
  std::string role_type = "oidc";
  std::vector<std::string> bound_audiences;
  std::string user_claim;
  bool user_claim_json_pointer = false;
  std::string bound_subject;
  json::object bound_claims;
  std::string bound_claims_type = "string";
  std::map<std::string, std::string> claim_mappings;
  std::string groups_claim;
  std::vector<std::string> allowed_redirect_uris;
  std::vector<std::string> oidc_scopes;
  bool verbose_oidc_logging = false;
  int64_t clock_skew_leeway = 60, expiration_leeway = 150, not_before_leeway = 150;
  int64_t max_age = 0;
  TokenFields token;

  json::object ToJson() const;
  static Result<Role> FromJson(const json::object& o);
};

// A pending OIDC authorization request, keyed by its state.
struct OidcRequest {
  std::string role;
  std::string redirect_uri;
  std::string nonce;
  std::string code_verifier;
  std::string client_nonce;
  std::chrono::system_clock::time_point expires;
};

struct State {
  const logical::SystemView* system = nullptr;
  std::shared_ptr<spdlog::logger> logger;  // may be null (tests)
  JwtOptions opts;

  std::chrono::system_clock::time_point Now() const {
    return opts.clock ? opts.clock() : std::chrono::system_clock::now();
  }

  // Fetched documents (JWKS, discovery), keyed by URL; dropped when the config changes.
  struct Cached {
    std::string body;
    std::chrono::system_clock::time_point fetched;
  };
  std::mutex mu;
  std::map<std::string, Cached> fetched;             // guarded by mu
  std::map<std::string, OidcRequest> oidc_requests;  // guarded by mu

  // GET `url` (200 required) with `ca_pem`; served from the cache unless `refresh` and the entry
  // is older than a few seconds, or older than the cache lifetime.
  Result<std::string> Fetch(const std::string& url, const std::string& ca_pem, bool refresh);
  void DropCache();
};

// The OIDC discovery document of `c` (issuer checked).
struct Discovery {
  std::string issuer, authorization_endpoint, token_endpoint, jwks_uri;
};
Result<Discovery> Discover(State& st, const Config& c, bool refresh);

// The keys that verify tokens under `c`: its PEM keys, its JWKS, or its discovery's JWKS.
Result<std::vector<crypto::JwtPublicKey>> ResolveKeys(State& st, const Config& c, bool refresh);

// Signature (refreshing fetched keys once on failure) and claims; `e.algorithms` empty means
// the config's jwt_supported_algs (or all).
Result<json::object> VerifyWithConfig(State& st, const Config& c, std::string_view token,
                                      crypto::JwtExpectations e);

Result<std::optional<Config>> LoadConfig(logical::Storage& s);
Result<std::optional<Role>> LoadRole(logical::Storage& s, const std::string& name);
Result<logical::Storage*> StorageOf(const logical::Request& req);
std::string Lower(std::string s);

// A claim by name, or by JSON pointer when it starts with '/'. nullptr when absent.
const json::value* GetClaim(const json::object& claims, std::string_view name);

// From verified claims and a role: the Auth block of a login (alias, metadata, groups, token
// fields). Errors carry Vault's messages; `prefix` is prepended (the OIDC callback's
// "Vault login failed. ").
Result<logical::Auth> AuthFromClaims(const json::object& claims, const std::string& role_name,
                                     const Role& role, std::string_view prefix);

fw::Path ConfigPath(std::shared_ptr<State> st);
fw::Path RoleListPath();
fw::Path RolePath(std::shared_ptr<State> st);
fw::Path LoginPath(std::shared_ptr<State> st);
fw::Path AuthUrlPath(std::shared_ptr<State> st);
fw::Path CallbackPath(std::shared_ptr<State> st);

inline constexpr char kLoginFailed[] = "Vault login failed.";

}  // namespace arca::auth::jwt
