#include "engines/transit/key_store.h"

#include <algorithm>

namespace arca::engines::transit {
namespace {
constexpr std::string_view kPolicyPrefix = "policy/";
}  // namespace

KeyStore::KeyStore(std::function<int64_t()> now) : now_(std::move(now)) {}

std::string KeyStore::StorageKey(std::string_view name) {
  std::string k(kPolicyPrefix);
  k += name;
  return k;
}

Result<PolicyPtr> KeyStore::Load(logical::Storage& s, std::string_view name) {
  ARCA_ASSIGN_OR_RETURN(auto raw, logical::GetJson(s, StorageKey(name)));
  if (!raw) return PolicyPtr{};
  ARCA_ASSIGN_OR_RETURN(Policy p, Policy::FromStorageJson(*raw));
  return std::make_shared<const Policy>(std::move(p));
}

Status KeyStore::Persist(logical::Storage& s, const Policy& p) {
  return logical::PutJson(s, StorageKey(p.name), p.ToStorageJson());
}

void KeyStore::Publish(const std::string& name, PolicyPtr p) {
  std::unique_lock lock(cache_mu_);
  ++generation_;
  if (!p) {
    cache_.erase(name);
    return;
  }
  if (cache_size_ > 0 && cache_.size() >= cache_size_ && cache_.find(name) == cache_.end()) {
    cache_.erase(cache_.begin());
  }
  cache_[name] = std::move(p);
}

Result<PolicyPtr> KeyStore::Get(logical::Storage& s, std::string_view name) {
  PolicyPtr p;
  uint64_t gen = 0;
  {
    std::shared_lock lock(cache_mu_);
    auto it = cache_.find(name);
    if (it != cache_.end()) p = it->second;
    gen = generation_;
  }
  if (!p) {
    ARCA_ASSIGN_OR_RETURN(p, Load(s, name));
    if (!p) return PolicyPtr{};
    std::unique_lock lock(cache_mu_);
    if (generation_ == gen) {
      if (cache_size_ > 0 && cache_.size() >= cache_size_) cache_.erase(cache_.begin());
      cache_.emplace(std::string(name), p);
    }
  }
  if (p->NeedsAutoRotate(now_())) {
    return Update(s, name, [this](Policy& q) {
      return q.NeedsAutoRotate(now_()) ? q.Rotate(now_()) : OkStatus();
    });
  }
  return p;
}

Result<PolicyPtr> KeyStore::GetOrCreate(logical::Storage& s, std::string_view name,
                                        const std::function<Result<Policy>()>& make,
                                        bool* created) {
  *created = false;
  std::lock_guard write(write_mu_);
  ARCA_ASSIGN_OR_RETURN(PolicyPtr existing, Load(s, name));
  if (existing) {
    Publish(std::string(name), existing);
    return existing;
  }
  ARCA_ASSIGN_OR_RETURN(Policy fresh, make());
  ARCA_RETURN_IF_ERROR(Persist(s, fresh));
  auto p = std::make_shared<const Policy>(std::move(fresh));
  Publish(std::string(name), p);
  *created = true;
  return PolicyPtr(p);
}

Result<PolicyPtr> KeyStore::Update(logical::Storage& s, std::string_view name,
                                   const std::function<Status(Policy&)>& edit) {
  std::lock_guard write(write_mu_);
  ARCA_ASSIGN_OR_RETURN(PolicyPtr current, Load(s, name));
  if (!current) return InvalidRequest("key not found");
  Policy next = current->Clone();
  ARCA_RETURN_IF_ERROR(edit(next));
  ARCA_RETURN_IF_ERROR(Persist(s, next));
  auto p = std::make_shared<const Policy>(std::move(next));
  Publish(std::string(name), p);
  return PolicyPtr(p);
}

Result<PolicyPtr> KeyStore::Put(logical::Storage& s, Policy policy) {
  std::lock_guard write(write_mu_);
  ARCA_RETURN_IF_ERROR(Persist(s, policy));
  std::string name = policy.name;
  auto p = std::make_shared<const Policy>(std::move(policy));
  Publish(name, p);
  return PolicyPtr(p);
}

Status KeyStore::Delete(logical::Storage& s, std::string_view name) {
  std::lock_guard write(write_mu_);
  ARCA_RETURN_IF_ERROR(s.Delete(StorageKey(name)));
  Publish(std::string(name), nullptr);
  return OkStatus();
}

Result<std::vector<std::string>> KeyStore::List(logical::Storage& s) {
  ARCA_ASSIGN_OR_RETURN(auto keys, s.List(kPolicyPrefix));
  std::erase_if(keys, [](const std::string& k) { return k.ends_with('/'); });
  return keys;
}

void KeyStore::InvalidateKey(std::string_view storage_key) {
  if (!storage_key.starts_with(kPolicyPrefix)) return;
  std::unique_lock lock(cache_mu_);
  ++generation_;
  auto it = cache_.find(storage_key.substr(kPolicyPrefix.size()));
  if (it != cache_.end()) cache_.erase(it);
}

void KeyStore::Clear() {
  std::unique_lock lock(cache_mu_);
  ++generation_;
  cache_.clear();
}

void KeyStore::SetCacheSize(size_t size) {
  std::unique_lock lock(cache_mu_);
  cache_size_ = size;
  ++generation_;
  cache_.clear();
}

size_t KeyStore::CacheSize() const {
  std::shared_lock lock(cache_mu_);
  return cache_size_;
}

}  // namespace arca::engines::transit
