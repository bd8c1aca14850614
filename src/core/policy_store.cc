#include "core/policy_store.h"

#include <algorithm>
#include <cctype>

namespace arca::core {
namespace {

bool ValidName(std::string_view n) {
  if (n.empty() || n.size() > 128) return false;
  for (char c : n) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.' ||
          c == '@')) {
      return false;
    }
  }
  return true;
}

uint64_t HashNames(const std::vector<std::string>& names) {
  uint64_t h = 1469598103934665603ull;
  for (const auto& n : names) {
    h ^= std::hash<std::string_view>{}(n);
    h *= 1099511628211ull;
  }
  return h;
}

}  // namespace

void PolicyStore::ClearAclCaches() {
  acl_cache_.clear();
  templated_cache_.clear();
  exact_cache_.clear();
  exact_count_ = 0;
  ++generation_;
}

std::string PolicyStore::Normalize(std::string_view name) {
  std::string out(name);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

Status PolicyStore::Setup() {
  Reset();
  ARCA_ASSIGN_OR_RETURN(auto existing, view_.Get(policy::kDefaultPolicyName));
  if (!existing) {
    ARCA_RETURN_IF_ERROR(view_.Put(policy::kDefaultPolicyName, policy::DefaultPolicyText()));
  }
  return OkStatus();
}

void PolicyStore::Invalidate(std::string_view key) {
  std::unique_lock lock(mu_);
  policy_cache_.erase(Normalize(key));
  ClearAclCaches();
}

void PolicyStore::Reset() {
  std::unique_lock lock(mu_);
  ClearAclCaches();
  policy_cache_.clear();
}

Result<std::optional<policy::Policy>> PolicyStore::Get(std::string_view raw_name) {
  std::string name = Normalize(raw_name);
  if (name == policy::kRootPolicyName) return std::optional<policy::Policy>(policy::RootPolicy());
  if (name == policy::kResponseWrappingPolicyName) {
    return std::optional<policy::Policy>(policy::ResponseWrappingPolicy());
  }
  uint64_t generation = 0;
  {
    std::shared_lock lock(mu_);
    auto it = policy_cache_.find(name);
    if (it != policy_cache_.end()) return std::optional<policy::Policy>(it->second);
    generation = generation_;
  }
  if (!ValidName(name)) return std::optional<policy::Policy>();
  ARCA_ASSIGN_OR_RETURN(auto text, view_.Get(name));
  if (!text) return std::optional<policy::Policy>();
  auto parsed = policy::ParsePolicy(name, *text);
  if (!parsed) return Internal("stored policy \"" + name + "\" does not parse: " + parsed.error().message());
  std::unique_lock lock(mu_);
  // Not cached when the policies changed while it was read (another node's write).
  if (generation == generation_) policy_cache_[name] = *parsed;
  return std::optional<policy::Policy>(std::move(*parsed));
}

Status PolicyStore::Put(std::string_view raw_name, std::string_view text) {
  std::string name = Normalize(raw_name);
  if (!ValidName(name)) return InvalidRequest("invalid policy name \"" + std::string(raw_name) + "\"");
  if (name == policy::kRootPolicyName) return InvalidRequest("cannot update root policy");
  if (name == policy::kResponseWrappingPolicyName) {
    return InvalidRequest("cannot update response-wrapping policy");
  }
  if (text.empty()) return InvalidRequest("'policy' parameter not supplied or empty");
  ARCA_ASSIGN_OR_RETURN(policy::Policy p, policy::ParsePolicy(name, text));
  ARCA_RETURN_IF_ERROR(view_.Put(name, text));
  std::unique_lock lock(mu_);
  policy_cache_[name] = std::move(p);
  ClearAclCaches();
  return OkStatus();
}

Status PolicyStore::Delete(std::string_view raw_name) {
  std::string name = Normalize(raw_name);
  if (name == policy::kRootPolicyName) return InvalidRequest("cannot delete root policy");
  if (name == policy::kDefaultPolicyName) return InvalidRequest("cannot delete default policy");
  if (name == policy::kResponseWrappingPolicyName) {
    return InvalidRequest("cannot delete response-wrapping policy");
  }
  if (!ValidName(name)) return InvalidRequest("invalid policy name \"" + std::string(raw_name) + "\"");
  ARCA_RETURN_IF_ERROR(view_.Delete(name));
  std::unique_lock lock(mu_);
  policy_cache_.erase(name);
  ClearAclCaches();
  return OkStatus();
}

Result<std::vector<std::string>> PolicyStore::List() {
  ARCA_ASSIGN_OR_RETURN(std::vector<std::string> keys, view_.List(""));
  std::erase_if(keys, [](const std::string& k) { return k.empty() || k.back() == '/'; });
  keys.emplace_back(policy::kRootPolicyName);
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  return keys;
}

void PolicyStore::SetIdentityResolver(policy::IdentityResolver resolver) {
  std::unique_lock lock(mu_);
  resolver_ = std::move(resolver);
  ClearAclCaches();
}

Result<std::shared_ptr<const policy::Acl>> PolicyStore::AclFor(const std::vector<std::string>& names,
                                                               std::string_view entity_id) {
  const uint64_t exact_hash = HashNames(names);
  uint64_t generation = 0;
  {
    std::shared_lock lock(mu_);
    generation = generation_;
    if (auto it = exact_cache_.find(exact_hash); it != exact_cache_.end()) {
      for (const ExactEntry& e : it->second) {
        if (e.names != names) continue;
        if (!e.templated || entity_id.empty()) return e.acl;
        auto set = e.templated;
        lock.unlock();
        return TemplatedAcl(names, *set, entity_id, generation);
      }
    }
  }
  std::vector<std::string> sorted;
  for (const auto& n : names) sorted.push_back(Normalize(n));
  std::sort(sorted.begin(), sorted.end());
  sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());
  std::string key;
  for (const auto& n : sorted) key += n + "\n";
  auto remember = [&](const CachedAcl& c) {
    // REQUIRES: mu_ held exclusively.
    if (generation != generation_) return;
    if (exact_count_ >= kMaxExactEntries) {
      exact_cache_.clear();
      exact_count_ = 0;
    }
    exact_cache_[exact_hash].push_back({names, c.acl, c.templated});
    ++exact_count_;
  };
  CachedAcl cached;
  {
    std::unique_lock lock(mu_);
    auto it = acl_cache_.find(key);
    if (it != acl_cache_.end()) {
      cached = it->second;
      remember(cached);
    }
  }
  if (!cached.acl) {
    std::vector<policy::Policy> policies;
    bool templated = false;
    for (const auto& n : sorted) {
      ARCA_ASSIGN_OR_RETURN(auto p, Get(n));
      if (!p) continue;
      templated = templated || p->templated;
      policies.push_back(std::move(*p));
    }
    if (templated) {
      // Without an entity every template is unresolvable: those paths are left out.
      auto set = std::make_shared<TemplatedSet>();
      set->policies = policies;
      cached.templated = std::move(set);
      for (auto& p : policies) {
        if (p.templated) p = policy::ResolveTemplates(p, nullptr);
      }
    }
    ARCA_ASSIGN_OR_RETURN(cached.acl, policy::Acl::Compile(policies));
    std::unique_lock lock(mu_);
    if (generation == generation_) acl_cache_[key] = cached;
    remember(cached);
  }
  if (!cached.templated || entity_id.empty()) return cached.acl;
  return TemplatedAcl(names, *cached.templated, entity_id, generation);
}

// Identity templates: substituted from the entity's identity data. The substituted patterns
// join the cache key, so a changed entity or group changes the key instead of serving a stale
// ACL; only a new combination is compiled.
Result<std::shared_ptr<const policy::Acl>> PolicyStore::TemplatedAcl(
    const std::vector<std::string>& names, const TemplatedSet& set, std::string_view entity_id,
    uint64_t generation) {
  policy::IdentityResolver resolver;
  {
    std::shared_lock lock(mu_);
    resolver = resolver_;
  }
  std::shared_ptr<const policy::IdentityData> identity;
  if (resolver) identity = resolver(entity_id);
  std::string key;
  for (const auto& n : names) {
    key += Normalize(n);
    key.push_back('\n');
  }
  key.push_back('\x04');
  for (const auto& p : set.policies) {
    if (!p.templated) continue;
    key += p.name;
    key.push_back('\x03');
    for (const auto& rules : p.paths) {
      if (!rules.templated) continue;
      auto r = policy::PopulateTemplate(rules.pattern, policy::TemplateMode::kAcl, identity.get());
      if (r) {
        key += r->text;
        key.push_back('\x01');
      } else {
        key.push_back('\x02');
      }
    }
  }
  {
    std::shared_lock lock(mu_);
    if (auto it = templated_cache_.find(key); it != templated_cache_.end()) return it->second;
  }
  std::vector<policy::Policy> policies;
  policies.reserve(set.policies.size());
  for (const auto& p : set.policies) {
    policies.push_back(p.templated ? policy::ResolveTemplates(p, identity.get()) : p);
  }
  ARCA_ASSIGN_OR_RETURN(auto acl, policy::Acl::Compile(policies));
  std::unique_lock lock(mu_);
  if (generation == generation_) {
    if (templated_cache_.size() >= kMaxExactEntries) templated_cache_.clear();
    templated_cache_[key] = acl;
  }
  return acl;
}

}  // namespace arca::core
