// Identity tokens (Vault's identity/oidc/*, OIDC provider side): the paths the identity/ mount
// adds for them, and their background work (key rotation, expiry of retired public keys).
//
//   oidc/config                          issuer (default: api_addr)
//   oidc/key/:name, LIST oidc/key        named signing keys (algorithm, rotation_period,
//                                        verification_ttl, allowed_client_ids)
//   oidc/key/:name/rotate                rotate now (optional verification_ttl override)
//   oidc/role/:name, LIST oidc/role      key, template, ttl, client_id
//   oidc/token/:name                     a signed JWT for the calling token's entity
//   oidc/introspect                      {active} for a token (and client_id)
//   oidc/.well-known/openid-configuration, oidc/.well-known/keys   unauthenticated
//
// Storage (the identity mount's view, through the barrier; docs/formats/identity-tokens.md):
// "oidc_tokens/config", "oidc_tokens/named_keys/<name>" (private keys inside, never returned),
// "oidc_tokens/public_keys/<kid>", "oidc_tokens/roles/<name>".
//
// Thread-safety: the handlers may run concurrently; writes to keys and roles are serialised by
// one mutex of the OidcContext.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/policy/template.h"
#include "logical/framework/path.h"
#include "logical/storage.h"

namespace arca::core::identity {

struct OidcContext {
  // This cluster's API address ("https://host:8200"), the default issuer.
  std::function<std::string()> api_addr;
  // An entity's identity data (null: no such entity).
  policy::IdentityResolver identity;
  // Unset: system_clock::now.
  std::function<std::chrono::system_clock::time_point()> clock;

  std::chrono::system_clock::time_point Now() const {
    return clock ? clock() : std::chrono::system_clock::now();
  }
  std::mutex mu;  // serialises changes of keys and roles (and rotation)
};

// The unauthenticated paths, relative to the identity mount (SpecialPaths::unauthenticated).
inline constexpr const char* kOidcUnauthenticatedPaths[] = {"oidc/.well-known/*"};

std::vector<logical::framework::Path> OidcPaths(std::shared_ptr<OidcContext> ctx);

// Rotates the keys whose next_rotation has passed and deletes retired public keys whose
// verification_ttl has passed. Run from the identity backend's Periodic (active node only).
void OidcPeriodic(OidcContext& ctx, logical::Storage& storage);

}  // namespace arca::core::identity
