// Persistence of identity-token state (private to src/core/identity/oidc*.cc): the config,
// named keys with their key ring, public keys and roles in the identity mount's storage, key
// rotation, expiry of retired keys and the JWKS. docs/formats/identity-tokens.md.
//
// Thread-safety: plain functions over a Storage; callers that change keys or roles hold
// OidcContext::mu.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "common/json.h"
#include "common/secure_bytes.h"
#include "common/status.h"
#include "logical/storage.h"

namespace arca::core::identity::oidc {

using TimePoint = std::chrono::system_clock::time_point;

inline constexpr std::string_view kConfigKey = "oidc_tokens/config";
inline constexpr std::string_view kNamedKeysPrefix = "oidc_tokens/named_keys/";
inline constexpr std::string_view kPublicKeysPrefix = "oidc_tokens/public_keys/";
inline constexpr std::string_view kRolesPrefix = "oidc_tokens/roles/";
inline constexpr std::string_view kDefaultKeyName = "default";

struct PrivateKey {
  std::string kid;
  SecureBytes der;  // empty: none
  bool empty() const { return kid.empty(); }
};

struct NamedKey {
  std::string name;
  std::string algorithm = "RS256";
  int64_t rotation_period = 86400;   // seconds
  int64_t verification_ttl = 86400;  // seconds
  std::vector<std::string> allowed_client_ids;
  int64_t next_rotation = 0;  // unix seconds
  struct RingEntry {
    std::string kid;
    int64_t expire_at = 0;  // unix seconds; 0 = not retired
  };
  std::vector<RingEntry> key_ring;  // every published key of this named key
  PrivateKey signing;               // signs new tokens
  PrivateKey next;                  // published ahead, signs after the next rotation
};

struct Role {
  std::string name;
  std::string key;
  std::string templ;
  int64_t ttl = 86400;
  std::string client_id;
};

Result<std::optional<NamedKey>> LoadKey(logical::Storage& s, std::string_view name);
Status SaveKey(logical::Storage& s, const NamedKey& key, std::vector<logical::WriteOp> extra = {});
Result<std::optional<Role>> LoadRole(logical::Storage& s, std::string_view name);
Status SaveRole(logical::Storage& s, const Role& role);
Result<std::vector<Role>> AllRoles(logical::Storage& s);

// Generates a key for `key.algorithm` and its public entry (appended to `ops`), adds it to the
// ring and returns it.
Result<PrivateKey> GenerateKey(NamedKey& key, std::vector<logical::WriteOp>& ops);

// Vault's rotation: the signing key is retired (expires after `verification_ttl`, or the key's
// own when negative), the next key signs, a new next key is made. Saved in one batch.
Status Rotate(logical::Storage& s, NamedKey& key, int64_t verification_ttl, TimePoint now);

// Drops retired keys whose time has passed from every ring and deletes public keys no ring
// holds any more.
Status ExpireKeys(logical::Storage& s, TimePoint now);

// The published keys: every unexpired ring key of every named key a role uses, as
// {"jwk": {...}, "der": <SPKI DER>}; and the soonest time the set changes (rotation or expiry).
struct PublicKey {
  json::object jwk;
  std::string der;
  std::string alg;
};
Result<std::vector<PublicKey>> PublishedKeys(logical::Storage& s, TimePoint now,
                                             TimePoint* next_change = nullptr);

struct Config {
  std::string issuer;  // as configured ("" = api_addr)
};
Result<Config> LoadConfig(logical::Storage& s);

int64_t UnixSeconds(TimePoint t);

}  // namespace arca::core::identity::oidc
