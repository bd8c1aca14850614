// TokenStore: token entries, stored by salted hash (never in clear) in the barrier view
// "sys/token/", with an accessor index. This issue needs only root tokens and lookups; the full
// token store (create, renew, revoke, roles, TTLs) builds on the same storage layout.
//
//   sys/token/salt                  random 32-byte salt (base64)
//   sys/token/id/<hash>             JSON TokenEntry (without the token itself)
//   sys/token/accessor/<hash>       the id hash the accessor belongs to
//
// Thread-safety: safe for concurrent use; entries are cached in memory after first lookup.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/json.h"
#include "common/secure_bytes.h"
#include "common/status.h"
#include "logical/storage.h"

namespace arca::core {

struct TokenEntry {
  std::string id_hash;
  std::string accessor;
  std::vector<std::string> policies;
  std::string path;  // creation path, e.g. "auth/token/root"
  std::map<std::string, std::string> meta;
  std::string display_name;
  int64_t num_uses = 0;
  int64_t creation_time = 0;  // unix seconds
  std::chrono::seconds ttl{0};
  std::chrono::seconds explicit_max_ttl{0};
  // Unix seconds when the token stops working; 0 = never. Set at creation (creation + ttl) and
  // moved by renewal.
  int64_t expire_time = 0;
  bool renewable = true;
  std::chrono::seconds period{0};
  bool orphan = false;
  std::string type = "service";
  std::string entity_id;

  bool IsRoot() const;
  // Whether the token has expired at `now` (unix seconds).
  bool Expired(int64_t now) const;
  json::object ToStorageJson() const;
  static Result<TokenEntry> FromStorageJson(const json::object& o);
};

class TokenStore {
 public:
  // `view` is the barrier view for "sys/token/"; it must outlive the store.
  explicit TokenStore(logical::Storage& view) : view_(view) {}

  // Loads the salt, creating it on first use. Must be called after unseal, before lookups.
  Status Setup();
  // Creates a root token (policies ["root"]); `id` empty = generate. Returns the token.
  Result<std::string> CreateRootToken(std::string id = "");
  // Stores a token described by `entry` (policies, ttl, meta, ...); fills in the id hash,
  // accessor and creation time. `id` empty = generate. Returns the token.
  Result<std::string> CreateToken(TokenEntry entry, std::string id = "");
  // Extends a renewable token's life by `increment` (0 = its original TTL) from now, capped by
  // explicit_max_ttl and `max_ttl` (both counted from creation). Returns the new remaining TTL.
  Result<std::chrono::seconds> Renew(std::string_view token, std::chrono::seconds increment,
                                     std::chrono::seconds max_ttl);
  // Accessors of every stored token, sorted.
  Result<std::vector<std::string>> ListAccessors();
  // Deletes one token (its entry, accessor index and cache entry). Unknown tokens succeed.
  Status Revoke(std::string_view token);
  // Called after a token is revoked (e.g. to destroy its cubbyhole). Set once, before use.
  void SetRevokeHook(std::function<void(const TokenEntry&)> hook) { revoke_hook_ = std::move(hook); }
  // Counts one use of a token with num_uses > 0; the last use revokes it.
  Status UseToken(std::string_view token, const TokenEntry& entry);
  // The entry of `token`, or nullptr when unknown. Entries are immutable once cached.
  Result<std::shared_ptr<const TokenEntry>> Lookup(std::string_view token);
  Result<std::shared_ptr<const TokenEntry>> LookupByAccessor(std::string_view accessor);
  // Forgets cached entries (seal). Revocation (with the full token store) must also drop the
  // token's cache entry.
  void Reset();

  // "hvs." followed by 36 base62 characters (over 192 random bits).
  static std::string GenerateToken();

 private:
  std::string Hash(std::string_view value) const;  // hex HMAC-SHA256 under the salt
  Status Store(const TokenEntry& e);

  logical::Storage& view_;
  // Cached entry with the token it was looked up by, so that a repeated lookup of the same
  // token skips the HMAC: found by a cheap hash of the token, confirmed by a constant-time
  // comparison. The tokens live only in this process's (mlocked) memory and are wiped on Reset.
  struct Cached {
    std::string token;
    std::shared_ptr<const TokenEntry> entry;
  };
  static constexpr size_t kMaxCached = 65536;

  mutable std::shared_mutex mu_;
  SecureBytes salt_;                                        // guarded by mu_
  std::unordered_multimap<size_t, Cached> by_token_;        // guarded by mu_
  std::mutex uses_mu_;  // serialises num_uses accounting
  std::function<void(const TokenEntry&)> revoke_hook_;  // constant after setup
};

}  // namespace arca::core
