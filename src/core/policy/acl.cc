#include "core/policy/acl.h"

#include <fmt/format.h>

#include <algorithm>

#include "core/policy/parameters.h"

namespace arca::core::policy {
namespace {

using std::chrono::seconds;

// Keeps the lowest non-zero TTL.
void MergeTtl(seconds& existing, seconds incoming) {
  if (incoming > seconds(0) && (existing == seconds(0) || incoming < existing)) {
    existing = incoming;
  }
}

void MergeParams(std::map<std::string, std::vector<json::value>>& existing,
                 const std::map<std::string, std::vector<json::value>>& incoming) {
  for (const auto& [key, values] : incoming) {
    auto it = existing.find(key);
    if (it == existing.end()) {
      existing.emplace(key, values);
    } else if (values.empty() || it->second.empty()) {
      it->second.clear();  // an empty list means any value, and that wins
    } else {
      it->second.insert(it->second.end(), values.begin(), values.end());
    }
  }
}

// Folds `incoming` (same pattern) into `existing`, as Vault merges policy stanzas.
void Merge(PathRules& existing, const PathRules& incoming) {
  if (existing.capabilities & kDeny) return;  // an explicit deny keeps nothing else
  if (incoming.capabilities & kDeny) {
    existing = PathRules{};
    existing.pattern = incoming.pattern;
    existing.capabilities = kDeny;
    return;
  }
  existing.capabilities |= incoming.capabilities;
  MergeParams(existing.allowed_parameters, incoming.allowed_parameters);
  MergeParams(existing.denied_parameters, incoming.denied_parameters);
  for (const std::string& r : incoming.required_parameters) {
    if (std::find(existing.required_parameters.begin(), existing.required_parameters.end(), r) ==
        existing.required_parameters.end()) {
      existing.required_parameters.push_back(r);
    }
  }
  MergeTtl(existing.min_wrapping_ttl, incoming.min_wrapping_ttl);
  MergeTtl(existing.max_wrapping_ttl, incoming.max_wrapping_ttl);
}

// The capability an operation needs; 0 for none known.
uint32_t NeededCapability(logical::Operation op) {
  using logical::Operation;
  switch (op) {
    case Operation::kRead:
    case Operation::kHelp:
      return kRead;
    case Operation::kCreate:
      return kCreate;
    case Operation::kUpdate:
    case Operation::kRenew:
    case Operation::kRevoke:
      return kUpdate;
    case Operation::kPatch:
      return kPatch;
    case Operation::kDelete:
      return kDelete;
    case Operation::kList:
      return kList;
    case Operation::kScan:
      return kScan;
  }
  return 0;
}

bool ChecksParameters(logical::Operation op) {
  using logical::Operation;
  return op == Operation::kRead || op == Operation::kCreate || op == Operation::kUpdate ||
         op == Operation::kPatch;
}

}  // namespace

Result<std::shared_ptr<const Acl>> Acl::Compile(const std::vector<Policy>& policies) {
  std::shared_ptr<Acl> acl(new Acl());
  std::map<std::string, PathRules> merged;  // ordered: deterministic rule order
  for (const Policy& policy : policies) {
    if (policy.name == kRootPolicyName) {
      acl->root_ = true;
      continue;
    }
    for (const PathRules& rules : policy.paths) {
      auto [it, inserted] = merged.try_emplace(rules.pattern, rules);
      if (!inserted) Merge(it->second, rules);
    }
  }
  if (acl->root_) return std::shared_ptr<const Acl>(std::move(acl));
  for (auto& [pattern, rules] : merged) {
    Rule rule{Pattern::Make(pattern), std::move(rules)};
    if (rule.pattern.is_exact()) {
      acl->exact_.emplace(pattern, std::move(rule));
    } else {
      acl->non_exact_.push_back(std::move(rule));
    }
  }
  return std::shared_ptr<const Acl>(std::move(acl));
}

const Acl::Rule* Acl::Match(std::string_view path) const {
  if (auto it = exact_.find(path); it != exact_.end()) return &it->second;
  const Rule* best = nullptr;
  for (const Rule& rule : non_exact_) {
    if (!rule.pattern.Matches(path)) continue;
    if (best == nullptr || rule.pattern.HigherPriorityThan(best->pattern)) best = &rule;
  }
  return best;
}

AclResult Acl::Allowed(std::string_view path, logical::Operation op,
                       const json::object& data) const {
  AclResult result;
  if (root_) {
    result.allowed = true;
    result.is_root = true;
    result.root_privs = true;
    result.capabilities = kAllCapabilities | kRoot;
    return result;
  }
  while (path.starts_with('/')) path.remove_prefix(1);

  const Rule* rule = nullptr;
  if (op == logical::Operation::kList && path.ends_with('/')) {
    // Vault: exact rule of the path, exact rule without the slash, then the same for globs.
    std::string_view trimmed = path.substr(0, path.size() - 1);
    if (auto it = exact_.find(path); it != exact_.end()) {
      rule = &it->second;
    } else if (auto it2 = exact_.find(trimmed); it2 != exact_.end()) {
      rule = &it2->second;
    } else {
      rule = Match(path);
      if (rule == nullptr) rule = Match(trimmed);
    }
  } else {
    rule = Match(path);
  }
  if (rule == nullptr) {
    result.reason = "no policy rule matches the path";
    return result;
  }

  const PathRules& r = rule->rules;
  result.capabilities = r.capabilities;
  result.min_wrapping_ttl = r.min_wrapping_ttl;
  result.max_wrapping_ttl = r.max_wrapping_ttl;
  if (r.capabilities & kDeny) {
    result.reason = fmt::format("denied by the rule for \"{}\"", r.pattern);
    return result;
  }
  result.root_privs = (r.capabilities & kSudo) != 0;
  uint32_t needed = NeededCapability(op);
  if (needed == 0 || (r.capabilities & needed) == 0) {
    result.reason = fmt::format("the rule for \"{}\" lacks the \"{}\" capability", r.pattern,
                                CapabilityName(static_cast<Capability>(needed)));
    return result;
  }
  if (ChecksParameters(op)) {
    std::string why = CheckParameters(r, data);
    if (!why.empty()) {
      result.reason = fmt::format("rule \"{}\": {}", r.pattern, why);
      return result;
    }
  }
  result.allowed = true;
  return result;
}

uint32_t Acl::Capabilities(std::string_view path) const {
  if (root_) return kAllCapabilities | kRoot;
  while (path.starts_with('/')) path.remove_prefix(1);
  const Rule* rule = Match(path);
  if (rule == nullptr) return 0;
  return rule->rules.capabilities;
}

bool Acl::AnyAllowedUnder(std::string_view prefix) const {
  if (root_) return true;
  while (prefix.starts_with('/')) prefix.remove_prefix(1);
  auto grants = [](const Rule& r) {
    return (r.rules.capabilities & kDeny) == 0 && (r.rules.capabilities & ~kDeny) != 0;
  };
  for (const auto& [path, rule] : exact_) {
    if (grants(rule) && std::string_view(path).starts_with(prefix)) return true;
  }
  for (const Rule& rule : non_exact_) {
    if (grants(rule) && rule.pattern.MayMatchUnder(prefix)) return true;
  }
  return false;
}

}  // namespace arca::core::policy
