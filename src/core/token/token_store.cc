#include "core/token/token_store.h"

#include <algorithm>

#include <mutex>

#include "common/encoding.h"
#include "crypto/compare.h"
#include "crypto/hmac.h"
#include "crypto/random.h"

namespace arca::core {
namespace {

constexpr char kBase62[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

std::string RandomBase62(size_t n) {
  std::string out;
  out.reserve(n);
  while (out.size() < n) {
    std::string bytes = crypto::RandomBytesString(n * 2);
    for (unsigned char c : bytes) {
      if (c >= 248) continue;  // rejection sampling keeps the distribution uniform
      out.push_back(kBase62[c % 62]);
      if (out.size() == n) break;
    }
  }
  return out;
}

int64_t NowUnix() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

json::array ToArray(const std::vector<std::string>& v) {
  json::array a;
  for (const auto& s : v) a.emplace_back(s);
  return a;
}

}  // namespace

bool TokenEntry::IsRoot() const {
  for (const auto& p : policies) {
    if (p == "root") return true;
  }
  return false;
}

bool TokenEntry::Expired(int64_t now) const { return expire_time > 0 && expire_time <= now; }

json::object TokenEntry::ToStorageJson() const {
  json::object o;
  o["id_hash"] = id_hash;
  o["accessor"] = accessor;
  o["policies"] = ToArray(policies);
  o["path"] = path;
  json::object m;
  for (const auto& [k, v] : meta) m[k] = v;
  o["meta"] = std::move(m);
  o["display_name"] = display_name;
  o["num_uses"] = num_uses;
  o["creation_time"] = creation_time;
  o["ttl"] = ttl.count();
  o["expire_time"] = expire_time;
  o["renewable"] = renewable;
  o["explicit_max_ttl"] = explicit_max_ttl.count();
  o["period"] = period.count();
  o["orphan"] = orphan;
  o["type"] = type;
  o["entity_id"] = entity_id;
  return o;
}

Result<TokenEntry> TokenEntry::FromStorageJson(const json::object& o) {
  TokenEntry e;
  try {
    e.id_hash = std::string(o.at("id_hash").as_string());
    e.accessor = std::string(o.at("accessor").as_string());
    for (const auto& p : o.at("policies").as_array()) e.policies.emplace_back(p.as_string());
    e.path = std::string(o.at("path").as_string());
    for (const auto& kv : o.at("meta").as_object()) {
      e.meta[std::string(kv.key())] = std::string(kv.value().as_string());
    }
    e.display_name = std::string(o.at("display_name").as_string());
    e.num_uses = o.at("num_uses").to_number<int64_t>();
    e.creation_time = o.at("creation_time").to_number<int64_t>();
    e.ttl = std::chrono::seconds(o.at("ttl").to_number<int64_t>());
    e.expire_time = o.at("expire_time").to_number<int64_t>();
    e.renewable = o.at("renewable").as_bool();
    e.explicit_max_ttl = std::chrono::seconds(o.at("explicit_max_ttl").to_number<int64_t>());
    e.period = std::chrono::seconds(o.at("period").to_number<int64_t>());
    e.orphan = o.at("orphan").as_bool();
    e.type = std::string(o.at("type").as_string());
    e.entity_id = std::string(o.at("entity_id").as_string());
  } catch (const std::exception& ex) {
    return Internal(std::string("token entry is corrupt: ") + ex.what());
  }
  return e;
}

std::string TokenStore::GenerateToken() { return "hvs." + RandomBase62(36); }

Status TokenStore::Setup() {
  ARCA_ASSIGN_OR_RETURN(auto raw, view_.Get("salt"));
  SecureBytes salt;
  if (raw) {
    auto decoded = Base64Decode(*raw);
    if (!decoded || decoded->size() != 32) return Internal("token store salt is corrupt");
    salt = SecureBytes::FromString(*decoded);
    SecureWipe(*decoded);
  } else {
    salt = crypto::RandomKey(32);
    ARCA_RETURN_IF_ERROR(view_.Put("salt", Base64Encode(salt.view())));
  }
  std::unique_lock lock(mu_);
  salt_ = std::move(salt);
  for (auto& [h, c] : by_token_) SecureWipe(c.token);
  by_token_.clear();
  return OkStatus();
}

void TokenStore::Reset() {
  std::unique_lock lock(mu_);
  salt_ = SecureBytes();
  for (auto& [h, c] : by_token_) SecureWipe(c.token);
  by_token_.clear();
}

std::string TokenStore::Hash(std::string_view value) const {
  return HexEncode(crypto::HmacSha256(salt_.span(), value));
}

Status TokenStore::Store(const TokenEntry& e) {
  ARCA_RETURN_IF_ERROR(logical::PutJson(view_, "id/" + e.id_hash, e.ToStorageJson()));
  std::string acc_hash;
  {
    std::shared_lock lock(mu_);
    acc_hash = Hash(e.accessor);
  }
  return view_.Put("accessor/" + acc_hash, e.id_hash);
}

Result<std::string> TokenStore::CreateToken(TokenEntry e, std::string id) {
  if (id.empty()) id = GenerateToken();
  {
    std::shared_lock lock(mu_);
    if (salt_.empty()) return ::arca::Sealed();
    e.id_hash = Hash(id);
  }
  ARCA_ASSIGN_OR_RETURN(auto existing, view_.Get("id/" + e.id_hash));
  if (existing) return InvalidRequest("cannot create a token with a duplicate ID");
  e.accessor = RandomBase62(24);
  e.creation_time = NowUnix();
  e.expire_time = e.ttl.count() > 0 ? e.creation_time + e.ttl.count() : 0;
  ARCA_RETURN_IF_ERROR(Store(e));
  return id;
}

Result<std::chrono::seconds> TokenStore::Renew(std::string_view token,
                                               std::chrono::seconds increment,
                                               std::chrono::seconds max_ttl) {
  std::lock_guard lock(uses_mu_);
  ARCA_ASSIGN_OR_RETURN(auto cached, Lookup(token));
  if (!cached) return InvalidRequest("invalid token");
  TokenEntry e = *cached;
  if (e.expire_time == 0) return InvalidRequest("token has no TTL and cannot be renewed");
  if (!e.renewable) return InvalidRequest("lease is not renewable");
  int64_t now = NowUnix();
  int64_t wanted = increment.count() > 0 ? increment.count() : e.ttl.count();
  int64_t expire = now + wanted;
  if (e.explicit_max_ttl.count() > 0) {
    expire = std::min(expire, e.creation_time + e.explicit_max_ttl.count());
  }
  if (max_ttl.count() > 0) expire = std::min(expire, e.creation_time + max_ttl.count());
  e.expire_time = std::max(expire, now);
  ARCA_RETURN_IF_ERROR(logical::PutJson(view_, "id/" + e.id_hash, e.ToStorageJson()));
  std::unique_lock cache_lock(mu_);
  auto [first, last] = by_token_.equal_range(std::hash<std::string_view>{}(token));
  for (auto it = first; it != last; ++it) {
    if (crypto::ConstantTimeEquals(it->second.token, token)) {
      it->second.entry = std::make_shared<const TokenEntry>(e);
    }
  }
  return std::chrono::seconds(e.expire_time - now);
}

Result<std::vector<std::string>> TokenStore::ListAccessors() {
  ARCA_ASSIGN_OR_RETURN(std::vector<std::string> keys, view_.List("id/"));
  std::vector<std::string> out;
  for (const auto& k : keys) {
    ARCA_ASSIGN_OR_RETURN(auto v, logical::GetJson(view_, "id/" + k));
    if (!v || !v->is_object()) continue;
    auto e = TokenEntry::FromStorageJson(v->as_object());
    if (e) out.push_back(e->accessor);
  }
  std::sort(out.begin(), out.end());
  return out;
}

Status TokenStore::Revoke(std::string_view token) {
  std::string hash;
  {
    std::unique_lock lock(mu_);
    if (salt_.empty()) return ::arca::Sealed();
    hash = Hash(token);
    auto [first, last] = by_token_.equal_range(std::hash<std::string_view>{}(token));
    for (auto it = first; it != last;) {
      if (crypto::ConstantTimeEquals(it->second.token, token)) {
        SecureWipe(it->second.token);
        it = by_token_.erase(it);
      } else {
        ++it;
      }
    }
  }
  ARCA_ASSIGN_OR_RETURN(auto v, logical::GetJson(view_, "id/" + hash));
  if (v && v->is_object()) {
    auto e = TokenEntry::FromStorageJson(v->as_object());
    if (e) {
      std::string acc_hash;
      {
        std::shared_lock lock(mu_);
        acc_hash = Hash(e->accessor);
      }
      ARCA_RETURN_IF_ERROR(view_.Delete("accessor/" + acc_hash));
      ARCA_RETURN_IF_ERROR(view_.Delete("id/" + hash));
      if (revoke_hook_) revoke_hook_(*e);
      return OkStatus();
    }
  }
  return view_.Delete("id/" + hash);
}

Status TokenStore::UseToken(std::string_view token, const TokenEntry& entry) {
  if (entry.num_uses <= 0) return OkStatus();
  std::lock_guard lock(uses_mu_);
  // Re-read under the lock: concurrent uses of the same token are counted one by one.
  ARCA_ASSIGN_OR_RETURN(auto v, logical::GetJson(view_, "id/" + entry.id_hash));
  if (!v || !v->is_object()) return PermissionDenied();
  ARCA_ASSIGN_OR_RETURN(TokenEntry current, TokenEntry::FromStorageJson(v->as_object()));
  if (current.num_uses <= 1) return Revoke(token);
  current.num_uses -= 1;
  ARCA_RETURN_IF_ERROR(logical::PutJson(view_, "id/" + current.id_hash, current.ToStorageJson()));
  std::unique_lock cache_lock(mu_);
  auto [first, last] = by_token_.equal_range(std::hash<std::string_view>{}(token));
  for (auto it = first; it != last; ++it) {
    if (crypto::ConstantTimeEquals(it->second.token, token)) {
      it->second.entry = std::make_shared<const TokenEntry>(current);
    }
  }
  return OkStatus();
}

Result<std::string> TokenStore::CreateRootToken(std::string id) {
  if (id.empty()) id = GenerateToken();
  TokenEntry e;
  {
    std::shared_lock lock(mu_);
    if (salt_.empty()) return Internal("token store is not set up");
    e.id_hash = Hash(id);
  }
  e.accessor = RandomBase62(24);
  e.policies = {"root"};
  e.path = "auth/token/root";
  e.display_name = "root";
  e.creation_time = std::chrono::duration_cast<std::chrono::seconds>(
                        std::chrono::system_clock::now().time_since_epoch())
                        .count();
  e.orphan = true;
  ARCA_RETURN_IF_ERROR(Store(e));
  return id;
}

Result<std::shared_ptr<const TokenEntry>> TokenStore::Lookup(std::string_view token) {
  const size_t key = std::hash<std::string_view>{}(token);
  std::string hash;
  {
    std::shared_lock lock(mu_);
    if (salt_.empty()) return ::arca::Sealed();
    auto [first, last] = by_token_.equal_range(key);
    for (auto it = first; it != last; ++it) {
      if (crypto::ConstantTimeEquals(it->second.token, token)) {
        if (it->second.entry->Expired(NowUnix())) return std::shared_ptr<const TokenEntry>();
        return it->second.entry;
      }
    }
    hash = Hash(token);
  }
  ARCA_ASSIGN_OR_RETURN(auto v, logical::GetJson(view_, "id/" + hash));
  if (!v) return std::shared_ptr<const TokenEntry>();
  if (!v->is_object()) return Internal("token entry is corrupt");
  ARCA_ASSIGN_OR_RETURN(TokenEntry e, TokenEntry::FromStorageJson(v->as_object()));
  if (e.Expired(NowUnix())) return std::shared_ptr<const TokenEntry>();
  auto entry = std::make_shared<const TokenEntry>(std::move(e));
  std::unique_lock lock(mu_);
  if (by_token_.size() >= kMaxCached) {
    for (auto& [h, c] : by_token_) SecureWipe(c.token);
    by_token_.clear();
  }
  by_token_.emplace(key, Cached{std::string(token), entry});
  return entry;
}

Result<std::shared_ptr<const TokenEntry>> TokenStore::LookupByAccessor(std::string_view accessor) {
  std::string acc_hash;
  {
    std::shared_lock lock(mu_);
    if (salt_.empty()) return ::arca::Sealed();
    acc_hash = Hash(accessor);
  }
  ARCA_ASSIGN_OR_RETURN(auto id_hash, view_.Get("accessor/" + acc_hash));
  if (!id_hash) return std::shared_ptr<const TokenEntry>();
  ARCA_ASSIGN_OR_RETURN(auto v, logical::GetJson(view_, "id/" + *id_hash));
  if (!v || !v->is_object()) return std::shared_ptr<const TokenEntry>();
  ARCA_ASSIGN_OR_RETURN(TokenEntry e, TokenEntry::FromStorageJson(v->as_object()));
  return std::make_shared<const TokenEntry>(std::move(e));
}

}  // namespace arca::core
