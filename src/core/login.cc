// Logins: an auth method answers a login with an Auth block (policies, TTLs, metadata) and no
// token; the core creates the token, with a lease, and fills the block in (Vault's
// request_handling: handleLoginRequest).
#include <algorithm>

#include "core/core.h"
#include "core/identity/identity_store.h"
#include "core/token/token_store.h"

namespace arca::core {

Status Core::CreateLoginToken(const logical::Request& req, const MountRoute& route,
                              logical::Auth& auth) {
  TokenEntry e;
  std::vector<std::string> policies = auth.policies;
  if (!auth.no_default_policy) policies.emplace_back("default");
  std::sort(policies.begin(), policies.end());
  policies.erase(std::unique(policies.begin(), policies.end()), policies.end());
  // "root" may not be granted by a login (as in Vault).
  if (std::find(policies.begin(), policies.end(), "root") != policies.end()) {
    return PermissionDenied("auth methods cannot create root tokens");
  }
  e.policies = policies;
  e.path = req.original_path;
  e.meta = auth.metadata;
  std::string prefix(route.type());
  e.display_name = auth.display_name.empty() ? prefix : prefix + "-" + auth.display_name;
  e.num_uses = auth.num_uses;
  e.explicit_max_ttl = auth.explicit_max_ttl;
  e.period = auth.period;
  e.bound_cidrs = auth.bound_cidrs;
  // The login's alias maps it to an entity (made at the first login on this mount under this
  // name); a disabled entity cannot log in (Vault: permission denied).
  if (auth.alias && !auth.alias->name.empty() && auth.entity_id.empty()) {
    ARCA_ASSIGN_OR_RETURN(identity::Entity entity,
                          identity_->EntityForLogin(route.accessor(), route.type(),
                                                    auth.alias->name, auth.alias->metadata));
    if (entity.disabled) return PermissionDenied();
    auth.entity_id = entity.id;
    // The login's groups in the method decide its external group memberships on this mount.
    ARCA_RETURN_IF_ERROR(
        identity_->RefreshExternalGroups(entity.id, route.accessor(), auth.group_aliases));
  }
  if (!auth.entity_id.empty()) auth.identity_policies = identity_->IdentityPolicies(auth.entity_id);
  e.entity_id = auth.entity_id;
  e.renewable = auth.renewable || auth.period.count() > 0;

  // Token type: the method's choice, else the mount's tune token_type.
  std::string type = auth.token_type;
  std::string mount_type = route.entry().config.token_type;
  if (mount_type == "service" || mount_type == "batch") {
    type = mount_type;
  } else if (type.empty() || type == "default") {
    type = mount_type == "default-batch" ? "batch" : "service";
  } else if (type == "default-service") {
    type = "service";
  } else if (type == "default-batch") {
    type = "batch";
  }
  if (type != "service" && type != "batch") {
    return InvalidRequest("invalid token_type \"" + type + "\"");
  }
  e.type = type;
  if (e.type == "batch") {
    e.renewable = false;
    if (e.num_uses > 0) return InvalidRequest("batch tokens cannot have a use limit");
  }

  // TTL: asked for, else the mount default; never beyond the method's or mount's maximum.
  auto max = route.MaxLeaseTtl();
  if (auth.max_ttl.count() > 0 && auth.max_ttl < max) max = auth.max_ttl;
  auto ttl = auth.lease_duration.count() > 0 ? auth.lease_duration : route.DefaultLeaseTtl();
  if (e.period.count() > 0) {
    ttl = e.period;
  } else if (ttl > max) {
    ttl = max;
  }
  if (e.explicit_max_ttl.count() > 0 && ttl > e.explicit_max_ttl) ttl = e.explicit_max_ttl;
  e.ttl = ttl;

  ARCA_ASSIGN_OR_RETURN(std::string token, tokens_->CreateToken(e));
  ARCA_ASSIGN_OR_RETURN(auto created, tokens_->Lookup(token));
  auth.client_token = std::move(token);
  auth.accessor = created ? created->accessor : "";
  // Vault: `policies` = token policies and identity policies together.
  auth.token_policies = policies;
  for (const auto& p : auth.identity_policies) {
    if (std::find(policies.begin(), policies.end(), p) == policies.end()) policies.push_back(p);
  }
  std::sort(policies.begin(), policies.end());
  auth.policies = policies;
  auth.lease_duration = ttl;
  auth.renewable = e.renewable;
  auth.orphan = true;
  auth.token_type = e.type;
  return OkStatus();
}

}  // namespace arca::core
