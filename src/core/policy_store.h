// PolicyStore: ACL policies persisted through the barrier under "sys/policy/<name>", the
// built-in `root` (immutable, never stored) and `default` (stored so that it can be edited,
// created at first unseal), and compiled ACLs cached per policy set.
//
// Thread-safety: safe for concurrent use. Any policy change drops every cached ACL.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/status.h"
#include "core/policy/acl.h"
#include "core/policy/policy.h"
#include "core/policy/template.h"
#include "logical/storage.h"

namespace arca::core {

class PolicyStore {
 public:
  // `view` is the barrier view "sys/policy/"; it must outlive the store.
  explicit PolicyStore(logical::Storage& view) : view_(view) {}

  // Creates the default policy if it is missing. Call after unseal.
  Status Setup();
  void Reset();
  // The stored policy `key` (relative to the view: its name) was changed by another node (a
  // read-serving standby): its cached copy and every cached ACL are dropped.
  void Invalidate(std::string_view key);

  // Names are lower-cased. Errors: InvalidRequest for a bad name or policy text, or a change to
  // `root`; deleting `default` or `root` is refused.
  Result<std::optional<policy::Policy>> Get(std::string_view name);
  Status Put(std::string_view name, std::string_view text);
  Status Delete(std::string_view name);
  // Sorted names, including `default` and `root`.
  Result<std::vector<std::string>> List();

  // The compiled ACL of a set of policy names (unknown names are skipped, as in Vault).
  // Identity templates in policy paths ("{{identity.entity.id}}") are substituted from the
  // identity data of `entity_id` (the token's entity) through the resolver; a path whose
  // template cannot be resolved (no entity, no such alias or metadata key, ...) is left out.
  Result<std::shared_ptr<const policy::Acl>> AclFor(const std::vector<std::string>& names,
                                                    std::string_view entity_id = {});

  // Where AclFor finds an entity's identity data (the identity store); unset = no entity
  // resolves. Drops the cached ACLs.
  void SetIdentityResolver(policy::IdentityResolver resolver);

  static std::string Normalize(std::string_view name);

 private:
  logical::Storage& view_;
  std::shared_mutex mu_;
  // The parsed policies of a name set whose paths hold identity templates (resolved per entity).
  struct TemplatedSet {
    std::vector<policy::Policy> policies;
  };
  struct CachedAcl {
    std::shared_ptr<const policy::Acl> acl;      // templates resolved without an entity
    std::shared_ptr<const TemplatedSet> templated;  // null: the set has no template
  };
  std::map<std::string, CachedAcl> acl_cache_;  // guarded by mu_
  // ACLs of templated sets resolved for an entity, keyed by names + substituted patterns
  // (bounded: cleared when full).
  std::unordered_map<std::string, std::shared_ptr<const policy::Acl>> templated_cache_;  // mu_
  policy::IdentityResolver resolver_;  // guarded by mu_
  // The hot path: the ACL of a name list exactly as a token presents it (same order), found by
  // a hash of the names and confirmed by comparing them, without building the canonical key.
  struct ExactEntry {
    std::vector<std::string> names;
    std::shared_ptr<const policy::Acl> acl;
    std::shared_ptr<const TemplatedSet> templated;
  };
  static constexpr size_t kMaxExactEntries = 65536;
  std::unordered_map<uint64_t, std::vector<ExactEntry>> exact_cache_;  // guarded by mu_
  size_t exact_count_ = 0;                                             // guarded by mu_
  // Bumped whenever the caches are dropped, so that an ACL compiled from policies that changed
  // meanwhile is not cached.
  uint64_t generation_ = 0;  // guarded by mu_
  void ClearAclCaches();  // REQUIRES: mu_ held exclusively
  // The ACL of a templated set for an entity (templated_cache_ or compiled).
  Result<std::shared_ptr<const policy::Acl>> TemplatedAcl(const std::vector<std::string>& names,
                                                          const TemplatedSet& set,
                                                          std::string_view entity_id,
                                                          uint64_t generation);
  std::map<std::string, policy::Policy> policy_cache_;                    // guarded by mu_
};

}  // namespace arca::core
