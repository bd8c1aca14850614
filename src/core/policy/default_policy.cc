// The built-in "default" policy, attached to every token unless no_default_policy is set.
#include "core/policy/policy.h"

namespace arca::core::policy {

const std::string& DefaultPolicyText() {
  static const std::string* const kText = new std::string(R"hcl(
# Token self-service: lookup, renew, revoke
path "auth/token/lookup-self" {
    capabilities = ["read"]
}

path "auth/token/renew-self" {
    capabilities = ["update"]
}

path "auth/token/revoke-self" {
    capabilities = ["update"]
}

# Capabilities of the calling token
path "sys/capabilities-self" {
    capabilities = ["update"]
}

# The calling token's own identity entity
path "identity/entity/id/{{identity.entity.id}}" {
  capabilities = ["read"]
}
path "identity/entity/name/{{identity.entity.name}}" {
  capabilities = ["read"]
}

# Resultant ACL (UI)
path "sys/internal/ui/resultant-acl" {
    capabilities = ["read"]
}

# Lease renewal (legacy and current paths)
path "sys/renew" {
    capabilities = ["update"]
}
path "sys/leases/renew" {
    capabilities = ["update"]
}

# Lease lookup by lease_id
path "sys/leases/lookup" {
    capabilities = ["update"]
}

# The token's private cubbyhole
path "cubbyhole/*" {
    capabilities = ["create", "read", "update", "delete", "list"]
}

# Response wrapping: wrap, lookup, unwrap
path "sys/wrapping/wrap" {
    capabilities = ["update"]
}

path "sys/wrapping/lookup" {
    capabilities = ["update"]
}

path "sys/wrapping/unwrap" {
    capabilities = ["update"]
}

# Hashing tool
path "sys/tools/hash" {
    capabilities = ["update"]
}
path "sys/tools/hash/*" {
    capabilities = ["update"]
}

# OIDC provider authorization endpoint
path "identity/oidc/provider/+/authorize" {
    capabilities = ["read", "update"]
}
)hcl");
  return *kText;
}

const Policy& ResponseWrappingPolicy() {
  static const Policy kPolicy = [] {
    auto p = ParsePolicy(kResponseWrappingPolicyName, R"(
path "sys/wrapping/unwrap" { capabilities = ["update"] }
path "sys/wrapping/lookup" { capabilities = ["update"] }
path "sys/wrapping/rewrap" { capabilities = ["update"] }
)");
    return *p;  // a constant text that parses (covered by tests)
  }();
  return kPolicy;
}

}  // namespace arca::core::policy
