// TokenStore: keys, cache, creation, lookup, renewal and use counting. Revocation and tidy are
// in token_store_tree.cc.
#include "core/token/token_store.h"

#include <algorithm>
#include <mutex>

#include "common/encoding.h"
#include "core/token/token_batch.h"
#include "crypto/compare.h"
#include "crypto/hmac.h"
#include "crypto/random.h"

namespace arca::core {
namespace {

using crypto::RandomBase62;

// Loads a 32-byte key stored base64 at `key`, creating it when absent.
Result<SecureBytes> LoadOrCreateKey(logical::Storage& view, std::string_view key,
                                    std::string_view what) {
  ARCA_ASSIGN_OR_RETURN(auto raw, view.Get(key));
  if (raw) {
    auto decoded = Base64Decode(*raw);
    if (!decoded || decoded->size() != 32) return Internal(std::string(what) + " is corrupt");
    SecureBytes out = SecureBytes::FromString(*decoded);
    SecureWipe(*decoded);
    SecureWipe(*raw);
    return out;
  }
  SecureBytes fresh = crypto::RandomKey(32);
  ARCA_RETURN_IF_ERROR(view.Put(key, Base64Encode(fresh.view())));
  return fresh;
}

}  // namespace

std::string TokenStore::GenerateToken() { return "hvs." + RandomBase62(36); }

Status TokenStore::Setup() {
  ARCA_ASSIGN_OR_RETURN(SecureBytes salt, LoadOrCreateKey(view_, "salt", "token store salt"));
  ARCA_ASSIGN_OR_RETURN(SecureBytes batch, LoadOrCreateKey(view_, "batch_key", "batch token key"));
  std::unique_lock lock(mu_);
  salt_ = std::move(salt);
  batch_key_ = std::move(batch);
  CacheClearLocked();
  return OkStatus();
}

void TokenStore::Reset() {
  std::unique_lock lock(mu_);
  salt_ = SecureBytes();
  batch_key_ = SecureBytes();
  CacheClearLocked();
}

void TokenStore::Invalidate(std::string_view key) {
  if (key.starts_with("id/")) {
    CacheErase(key.substr(3));
    return;
  }
  // The parent and accessor indexes and the roles are read from storage each time (a revoked
  // token's own id/ entry arrives with its index entries).
  if (key.starts_with("parent/") || key.starts_with("accessor/") || key.starts_with("roles/")) {
    return;
  }
  std::unique_lock lock(mu_);
  CacheClearLocked();
}

void TokenStore::CacheClearLocked() {
  for (auto& [h, c] : by_token_) SecureWipe(c.token);
  by_token_.clear();
  key_of_hash_.clear();
  ++generation_;
}

void TokenStore::CacheErase(std::string_view id_hash) {
  std::unique_lock lock(mu_);
  ++generation_;
  auto k = key_of_hash_.find(std::string(id_hash));
  if (k == key_of_hash_.end()) return;
  auto [first, last] = by_token_.equal_range(k->second);
  for (auto it = first; it != last;) {
    if (it->second.entry->id_hash == id_hash) {
      SecureWipe(it->second.token);
      it = by_token_.erase(it);
    } else {
      ++it;
    }
  }
  key_of_hash_.erase(k);
}

void TokenStore::CacheUpdate(const TokenEntry& e) {
  std::unique_lock lock(mu_);
  ++generation_;
  auto k = key_of_hash_.find(e.id_hash);
  if (k == key_of_hash_.end()) return;
  auto [first, last] = by_token_.equal_range(k->second);
  for (auto it = first; it != last; ++it) {
    if (it->second.entry->id_hash == e.id_hash) {
      it->second.entry = std::make_shared<const TokenEntry>(e);
    }
  }
}

std::string TokenStore::Hash(std::string_view value) const {
  return HexEncode(crypto::HmacSha256(salt_.span(), value));
}

Result<std::string> TokenStore::HashChecked(std::string_view value) const {
  std::shared_lock lock(mu_);
  if (salt_.empty()) return ::arca::Sealed();
  return Hash(value);
}

Result<std::optional<TokenEntry>> TokenStore::Read(std::string_view id_hash) {
  ARCA_ASSIGN_OR_RETURN(auto v, logical::GetJson(view_, "id/" + std::string(id_hash)));
  if (!v) return std::optional<TokenEntry>();
  if (!v->is_object()) return Internal("token entry is corrupt");
  ARCA_ASSIGN_OR_RETURN(TokenEntry e, TokenEntry::FromStorageJson(v->as_object()));
  return std::optional<TokenEntry>(std::move(e));
}

Status TokenStore::Store(const TokenEntry& e) {
  ARCA_RETURN_IF_ERROR(logical::PutJson(view_, "id/" + e.id_hash, e.ToStorageJson()));
  ARCA_ASSIGN_OR_RETURN(std::string acc_hash, HashChecked(e.accessor));
  ARCA_RETURN_IF_ERROR(view_.Put("accessor/" + acc_hash, e.id_hash));
  if (!e.parent.empty()) {
    ARCA_RETURN_IF_ERROR(view_.Put("parent/" + e.parent + "/" + e.id_hash, ""));
  }
  return OkStatus();
}

Result<bool> TokenStore::Alive(std::string_view id_hash) {
  {
    std::shared_lock lock(mu_);
    if (auto k = key_of_hash_.find(std::string(id_hash)); k != key_of_hash_.end()) {
      auto [first, last] = by_token_.equal_range(k->second);
      for (auto it = first; it != last; ++it) {
        if (it->second.entry->id_hash == id_hash) return !it->second.entry->Expired(Now());
      }
    }
  }
  ARCA_ASSIGN_OR_RETURN(auto e, Read(id_hash));
  return e.has_value() && !e->Expired(Now());
}

Result<std::string> TokenStore::CreateToken(TokenEntry e, std::string id) {
  e.orphan = e.parent.empty();
  e.creation_time = Now();
  e.expire_time = e.ttl.count() > 0 ? e.creation_time + e.ttl.count() : 0;
  if (e.IsBatch()) {
    if (!id.empty()) return InvalidRequest("batch tokens cannot have a custom ID");
    e.accessor.clear();
    e.id_hash.clear();
    if (!e.parent.empty()) {
      ARCA_ASSIGN_OR_RETURN(bool alive, Alive(e.parent));
      if (!alive) return InvalidRequest("parent token is no longer valid");
    }
    std::shared_lock lock(mu_);
    if (batch_key_.empty()) return ::arca::Sealed();
    return SealBatchToken(batch_key_.span(), e);
  }
  if (id.empty()) {
    id = GenerateToken();
  } else if (id.find('.') != std::string::npos) {
    return InvalidRequest("token IDs can not contain a '.' character");
  }
  ARCA_ASSIGN_OR_RETURN(e.id_hash, HashChecked(id));
  std::lock_guard write(write_mu_);
  ARCA_ASSIGN_OR_RETURN(auto existing, view_.Get("id/" + e.id_hash));
  if (existing) return InvalidRequest("cannot create a token with a duplicate ID");
  if (!e.parent.empty()) {
    ARCA_ASSIGN_OR_RETURN(bool alive, Alive(e.parent));
    if (!alive) return InvalidRequest("parent token is no longer valid");
  }
  e.accessor = RandomBase62(24);
  ARCA_RETURN_IF_ERROR(Store(e));
  if (created_hook_ && e.expire_time > 0) {
    if (Status s = created_hook_(e); !s) {
      (void)RevokeOneLocked(e.id_hash);
      return std::unexpected(s.error());
    }
  }
  return id;
}

Result<std::string> TokenStore::CreateRootToken(std::string id) {
  if (id.empty()) id = GenerateToken();
  TokenEntry e;
  ARCA_ASSIGN_OR_RETURN(e.id_hash, HashChecked(id));
  e.accessor = RandomBase62(24);
  e.policies = {"root"};
  e.path = "auth/token/root";
  e.display_name = "root";
  e.creation_time = Now();
  e.orphan = true;
  std::lock_guard write(write_mu_);
  ARCA_RETURN_IF_ERROR(Store(e));
  return id;
}

Result<TokenStore::Renewed> TokenStore::RenewLocked(std::string_view id_hash,
                                                    std::chrono::seconds increment,
                                                    std::chrono::seconds max_ttl) {
  ARCA_ASSIGN_OR_RETURN(auto stored, Read(id_hash));
  int64_t now = Now();
  if (!stored || stored->Expired(now)) return InvalidRequest("invalid token");
  TokenEntry e = std::move(*stored);
  if (e.expire_time == 0) return InvalidRequest("token has no TTL and cannot be renewed");
  if (!e.renewable) return InvalidRequest("lease is not renewable");
  int64_t expire;
  if (e.period.count() > 0) {
    expire = now + e.period.count();
  } else {
    expire = now + (increment.count() > 0 ? increment.count() : e.ttl.count());
    if (max_ttl.count() > 0) expire = std::min(expire, e.creation_time + max_ttl.count());
  }
  if (e.explicit_max_ttl.count() > 0) {
    expire = std::min(expire, e.creation_time + e.explicit_max_ttl.count());
  }
  e.expire_time = std::max(expire, now);
  ARCA_RETURN_IF_ERROR(logical::PutJson(view_, "id/" + e.id_hash, e.ToStorageJson()));
  CacheUpdate(e);
  if (renewed_hook_) ARCA_RETURN_IF_ERROR(renewed_hook_(e));
  return Renewed{std::make_shared<const TokenEntry>(e), std::chrono::seconds(e.expire_time - now)};
}

Result<TokenStore::Renewed> TokenStore::RenewByHash(std::string_view id_hash,
                                                    std::chrono::seconds increment,
                                                    std::chrono::seconds max_ttl) {
  std::lock_guard write(write_mu_);
  return RenewLocked(id_hash, increment, max_ttl);
}

Result<std::chrono::seconds> TokenStore::Renew(std::string_view token,
                                               std::chrono::seconds increment,
                                               std::chrono::seconds max_ttl) {
  if (IsBatchToken(token)) return InvalidRequest("batch tokens cannot be renewed");
  ARCA_ASSIGN_OR_RETURN(std::string hash, HashChecked(token));
  ARCA_ASSIGN_OR_RETURN(Renewed r, RenewByHash(hash, increment, max_ttl));
  return r.ttl;
}

Status TokenStore::UseToken(std::string_view token, const TokenEntry& entry) {
  if (entry.num_uses <= 0 || entry.IsBatch()) return OkStatus();
  std::lock_guard write(write_mu_);
  // Re-read under the lock: concurrent uses of the same token are counted one by one.
  ARCA_ASSIGN_OR_RETURN(auto current, Read(entry.id_hash));
  if (!current) return PermissionDenied();
  if (current->num_uses <= 1) return RevokeTreeLocked(entry.id_hash);
  current->num_uses -= 1;
  ARCA_RETURN_IF_ERROR(logical::PutJson(view_, "id/" + current->id_hash, current->ToStorageJson()));
  CacheUpdate(*current);
  return OkStatus();
}

Result<std::shared_ptr<const TokenEntry>> TokenStore::LookupBatch(std::string_view token) {
  Result<TokenEntry> opened = InvalidRequest("invalid batch token");
  {
    std::shared_lock lock(mu_);
    if (batch_key_.empty()) return ::arca::Sealed();
    opened = OpenBatchToken(batch_key_.span(), token);
  }
  if (!opened || opened->Expired(Now())) return std::shared_ptr<const TokenEntry>();
  if (!opened->parent.empty()) {
    ARCA_ASSIGN_OR_RETURN(bool alive, Alive(opened->parent));
    if (!alive) return std::shared_ptr<const TokenEntry>();
  }
  return std::make_shared<const TokenEntry>(std::move(*opened));
}

const std::shared_ptr<const TokenEntry>* TokenStore::FindCachedLocked(
    std::string_view token) const {
  auto [first, last] = by_token_.equal_range(std::hash<std::string_view>{}(token));
  for (auto it = first; it != last; ++it) {
    if (crypto::ConstantTimeEquals(it->second.token, token)) return &it->second.entry;
  }
  return nullptr;
}

bool TokenStore::UseMayWrite(std::string_view token) const {
  if (token.empty() || IsBatchToken(token)) return false;
  std::shared_lock lock(mu_);
  const auto* cached = FindCachedLocked(token);
  return cached == nullptr || (*cached)->num_uses > 0;
}

Result<std::shared_ptr<const TokenEntry>> TokenStore::Lookup(std::string_view token) {
  if (IsBatchToken(token)) return LookupBatch(token);
  const size_t key = std::hash<std::string_view>{}(token);
  std::string hash;
  uint64_t generation = 0;
  {
    std::shared_lock lock(mu_);
    if (salt_.empty()) return ::arca::Sealed();
    if (const auto* cached = FindCachedLocked(token)) {
      if ((*cached)->Expired(Now())) return std::shared_ptr<const TokenEntry>();
      return *cached;
    }
    hash = Hash(token);
    generation = generation_;
  }
  ARCA_ASSIGN_OR_RETURN(auto stored, Read(hash));
  if (!stored || stored->Expired(Now())) return std::shared_ptr<const TokenEntry>();
  auto entry = std::make_shared<const TokenEntry>(std::move(*stored));
  std::unique_lock lock(mu_);
  if (generation != generation_ || key_of_hash_.contains(hash)) return entry;
  if (by_token_.size() >= kMaxCached) CacheClearLocked();
  by_token_.emplace(key, Cached{std::string(token), entry});
  key_of_hash_[hash] = key;
  return entry;
}

Result<std::shared_ptr<const TokenEntry>> TokenStore::LookupByAccessor(std::string_view accessor) {
  ARCA_ASSIGN_OR_RETURN(std::string acc_hash, HashChecked(accessor));
  ARCA_ASSIGN_OR_RETURN(auto id_hash, view_.Get("accessor/" + acc_hash));
  if (!id_hash) return std::shared_ptr<const TokenEntry>();
  ARCA_ASSIGN_OR_RETURN(auto e, Read(*id_hash));
  if (!e || e->Expired(Now())) return std::shared_ptr<const TokenEntry>();
  return std::make_shared<const TokenEntry>(std::move(*e));
}

}  // namespace arca::core
