// The jwt and oidc auth methods (types "jwt" and "oidc": one implementation), following Vault's
// API (docs/auth/jwt.md):
//
//   GET/POST      config               {jwks_url, jwks_ca_pem, jwt_validation_pubkeys,
//                                       oidc_discovery_url, oidc_discovery_ca_pem,
//                                       oidc_client_id, oidc_client_secret (never read back),
//                                       oidc_response_mode, oidc_response_types, bound_issuer,
//                                       jwt_supported_algs, default_role, provider_config,
//                                       namespace_in_state}
//   LIST          role                 {"keys": [names]}
//   POST/GET/DEL  role/:name           {role_type, bound_audiences, user_claim, bound_subject,
//                                       bound_claims, bound_claims_type, claim_mappings,
//                                       groups_claim, allowed_redirect_uris, oidc_scopes,
//                                       verbose_oidc_logging, clock_skew_leeway,
//                                       expiration_leeway, not_before_leeway, max_age, token_*}
//   POST          login                {role, jwt}                  (unauthenticated)
//   POST          oidc/auth_url        {role, redirect_uri, client_nonce} -> {auth_url}
//   GET           oidc/callback        {state, code, client_nonce}  (unauthenticated)
//
// JWTs are verified by crypto/jwt.h with the configured keys: PEM public keys, a JWKS URL or the
// jwks_uri of an OIDC discovery document (fetched through the HttpFetcher, cached, fetched again
// when a signature does not verify). The OIDC authorization-code flow uses PKCE (S256) and a
// nonce; pending requests live in memory for 10 minutes (a restart or failover drops them, as in
// Vault). A login returns the user claim as the entity alias, claim_mappings as alias metadata
// and the groups claim as external group names (Auth::group_aliases).
//
// Storage: config -> {... oidc_client_secret}; role/<name> -> role. docs/formats/jwt-auth.md.
// Thread-safety: the backend is safe for concurrent requests.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "common/http_fetch.h"
#include "common/status.h"
#include "logical/backend.h"

namespace arca::auth {

struct JwtOptions {
  std::string type = "jwt";  // "jwt" or "oidc": the mount type reported by the backend
  HttpFetcher http;          // for JWKS, discovery and token endpoint requests
  std::function<std::chrono::system_clock::time_point()> clock;  // default: system clock
};

Result<std::unique_ptr<logical::Backend>> NewJwtBackend(const logical::BackendConfig& config,
                                                        JwtOptions options);

}  // namespace arca::auth
