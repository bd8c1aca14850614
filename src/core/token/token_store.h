// TokenStore: token entries, stored by salted hash (never in clear) in the barrier view
// "sys/token/", with an accessor index, a parent/child index and token roles.
//
//   sys/token/salt                          random 32-byte salt (base64)
//   sys/token/batch_key                     random 32-byte AES-256-GCM key for batch tokens
//   sys/token/id/<hash>                     JSON TokenEntry (without the token itself)
//   sys/token/accessor/<hash>               the id hash the accessor belongs to
//   sys/token/parent/<parent_hash>/<hash>   "" : child index (service tokens only)
//   sys/token/roles/<name>                  JSON TokenRole (token_role.h)
//
// Service tokens ("hvs.") live in storage. Batch tokens ("hvb.") are not stored: the entry is
// sealed inside the token (token_batch.h); a non-orphan batch token stops working when its
// parent is gone. Revoking a token revokes its whole subtree (children first, iteratively);
// the revoke hook runs once for every service token revoked.
//
// Thread-safety: safe for concurrent use. Lookups run in parallel (service entries are cached
// in memory after the first lookup); mutations (create, renew, use counting, revoke, tidy) are
// serialised by one mutex so that a child is never created under a parent being revoked and a
// renewal never resurrects a revoked entry.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/json.h"
#include "common/secure_bytes.h"
#include "common/status.h"
#include "core/token/token_entry.h"
#include "core/token/token_role.h"
#include "logical/storage.h"

namespace arca::core {

class TokenStore {
 public:
  // `view` is the barrier view for "sys/token/"; it must outlive the store. `now` is the clock
  // of creation and expiry times, in unix seconds (injectable for tests).
  explicit TokenStore(logical::Storage& view, std::function<int64_t()> now = UnixNow)
      : view_(view), roles_(view), now_(std::move(now)) {}

  // The store's clock, in unix seconds.
  int64_t Now() const { return now_(); }

  // Loads the salt and the batch token key, creating them on first use. Must be called after
  // unseal, before lookups.
  Status Setup();
  // Creates a root token (policies ["root"], orphan, no TTL); `id` empty = generate.
  Result<std::string> CreateRootToken(std::string id = "");
  // Creates a token described by `entry` (policies, ttl, meta, parent, type, ...) and returns
  // it. Service tokens: fills in id hash, accessor, creation and expire time, stores the entry
  // and, when entry.parent is set, the child index; `id` empty = generate, else it must not
  // contain '.' and must be unused. Batch tokens: sealed into an "hvb." token; `id` must be
  // empty. `orphan` is set from whether `parent` is empty. Errors: InvalidRequest (duplicate or
  // malformed id, parent no longer valid), Sealed.
  Result<std::string> CreateToken(TokenEntry entry, std::string id = "");

  struct Renewed {
    std::shared_ptr<const TokenEntry> entry;  // the updated entry
    std::chrono::seconds ttl{0};              // remaining TTL from now
  };
  // Extends a renewable service token's life. Periodic tokens: reset to the period (increment
  // and max_ttl ignored), capped by explicit_max_ttl. Others: `increment` (0 = the original
  // TTL) from now, capped by explicit_max_ttl and `max_ttl` (both counted from creation).
  // Errors: InvalidRequest (unknown/expired token, batch token, not renewable, no TTL).
  Result<Renewed> RenewByHash(std::string_view id_hash, std::chrono::seconds increment,
                              std::chrono::seconds max_ttl);
  // As RenewByHash for a token; returns the new remaining TTL.
  Result<std::chrono::seconds> Renew(std::string_view token, std::chrono::seconds increment,
                                     std::chrono::seconds max_ttl);

  // Whether a service token with this id hash is stored and not expired.
  Result<bool> ExistsByHash(std::string_view id_hash) { return Alive(id_hash); }
  // Accessors of every stored token, sorted.
  Result<std::vector<std::string>> ListAccessors();
  // Id hashes of the direct children of a token, sorted.
  Result<std::vector<std::string>> ListChildren(std::string_view id_hash);

  // Revokes a token and its whole subtree. Unknown tokens succeed; batch tokens are
  // InvalidRequest("batch tokens cannot be revoked").
  Status Revoke(std::string_view token);
  // As Revoke, by id hash.
  Status RevokeTree(std::string_view id_hash);
  // Revokes only this token; its direct children become orphans. Unknown hashes succeed.
  Status RevokeOrphan(std::string_view id_hash);
  // Called once for every service token revoked (subtrees, use limits, tidy), after its entry
  // is gone (e.g. to destroy its cubbyhole, revoke its leases). Set once, before use. It runs
  // with the store's write lock held: it must not create, renew or revoke tokens.
  void SetRevokeHook(std::function<void(const TokenEntry&)> hook) {
    revoke_hook_ = std::move(hook);
  }
  // Called (with the write lock held, like the revoke hook) after a service token with a TTL is
  // stored, and after a token is renewed, with the new entry: the core keeps the token's lease in
  // step. A failing created-hook undoes the creation and its error is returned. Set once.
  void SetLeaseHooks(std::function<Status(const TokenEntry&)> created,
                     std::function<Status(const TokenEntry&)> renewed) {
    created_hook_ = std::move(created);
    renewed_hook_ = std::move(renewed);
  }
  // Counts one use of a token with num_uses > 0; the last use revokes it (and its subtree).
  Status UseToken(std::string_view token, const TokenEntry& entry);
  // Whether a request with `token` may write to storage on the token's account (UseToken),
  // judged from the lookup cache alone: true for a cached token with a use limit and for a
  // token not in the cache (unknown); false for "", batch tokens and other cached tokens.
  bool UseMayWrite(std::string_view token) const;

  // The entry of `token`, or nullptr when unknown, expired or (batch) undecryptable or
  // parentless. Entries are immutable once handed out.
  Result<std::shared_ptr<const TokenEntry>> Lookup(std::string_view token);
  Result<std::shared_ptr<const TokenEntry>> LookupByAccessor(std::string_view accessor);

  struct TidyStats {
    int64_t accessors_removed = 0;    // accessor index entries of missing tokens
    int64_t child_index_removed = 0;  // child index entries of missing/re-parented tokens
    int64_t expired_revoked = 0;      // expired tokens revoked (with their subtrees)
    int64_t orphans_revoked = 0;      // tokens whose parent is missing, revoked
  };
  // Cleans up after crashes and expiry: see TidyStats. Synchronous.
  Result<TidyStats> Tidy();

  TokenRoleStore& roles() { return roles_; }

  // Forgets keys and cached entries (seal).
  void Reset();
  // The stored entry `key` (relative to the token view, e.g. "id/<hash>", "accessor/<hash>")
  // was changed by another node (a read-serving standby): the cached token it belongs to is
  // dropped (index entries and roles: nothing; anything else: the whole cache).
  void Invalidate(std::string_view key);

  // "hvs." followed by 36 base62 characters (over 192 random bits).
  static std::string GenerateToken();

 private:
  std::string Hash(std::string_view value) const;  // hex HMAC-SHA256 under the salt; mu_ held
  Result<std::string> HashChecked(std::string_view value) const;  // Sealed when not set up
  Result<std::optional<TokenEntry>> Read(std::string_view id_hash);
  Status Store(const TokenEntry& e);
  Result<bool> Alive(std::string_view id_hash);  // stored and not expired (cache first)
  Result<std::shared_ptr<const TokenEntry>> LookupBatch(std::string_view token);
  // REQUIRES: write_mu_ held.
  Status RevokeTreeLocked(std::string_view id_hash);
  Status RevokeOneLocked(std::string_view id_hash);
  Result<Renewed> RenewLocked(std::string_view id_hash, std::chrono::seconds increment,
                              std::chrono::seconds max_ttl);
  // Cache maintenance; each takes mu_ exclusively and bumps generation_.
  void CacheErase(std::string_view id_hash);
  void CacheUpdate(const TokenEntry& e);
  void CacheClearLocked();  // REQUIRES: mu_ held exclusively

  logical::Storage& view_;
  TokenRoleStore roles_;
  const std::function<int64_t()> now_;
  // Cached entry with the token it was looked up by, so that a repeated lookup of the same
  // token skips the HMAC: found by a cheap hash of the token, confirmed by a constant-time
  // comparison. The tokens live only in this process's (mlocked) memory and are wiped on Reset.
  struct Cached {
    std::string token;
    std::shared_ptr<const TokenEntry> entry;
  };
  static constexpr size_t kMaxCached = 65536;
  // The cached entry of `token` (constant-time compared), or nullptr. REQUIRES: mu_ held.
  const std::shared_ptr<const TokenEntry>* FindCachedLocked(std::string_view token) const;

  mutable std::shared_mutex mu_;
  SecureBytes salt_;                                     // guarded by mu_
  SecureBytes batch_key_;                                // guarded by mu_
  std::unordered_multimap<size_t, Cached> by_token_;     // guarded by mu_
  std::unordered_map<std::string, size_t> key_of_hash_;  // id hash -> by_token_ key; mu_
  // Bumped by every cache change: a lookup only caches what it read if nothing changed
  // meanwhile (so a concurrent revocation cannot be undone by a stale insert).
  uint64_t generation_ = 0;                             // guarded by mu_
  std::mutex write_mu_;                                 // serialises mutations
  std::function<void(const TokenEntry&)> revoke_hook_;  // constant after setup
  std::function<Status(const TokenEntry&)> created_hook_, renewed_hook_;  // constant
};

}  // namespace arca::core
