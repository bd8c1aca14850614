// ACL policy documents: the parsed form of Vault's HCL/JSON policy language.
//
//   path "secret/+/config" {
//     capabilities = ["read", "list"]
//     allowed_parameters = { "ttl" = ["1h", "2h"], "*" = [] }
//   }
//
// ParsePolicy is a pure function (thread-safe). Policies are plain values; Acl (acl.h) compiles a
// set of them for checking requests.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/json.h"
#include "common/status.h"
#include "core/policy/capability.h"

namespace arca::core::policy {

// One `path "..." { }` block.
struct PathRules {
  // The path pattern without a leading '/': "secret/foo" (exact), "secret/*" (prefix),
  // "secret/+/config" ('+' = one whole segment). Identity templates ("{{identity.entity.id}}")
  // are kept verbatim (their syntax checked); ResolveTemplates (below) substitutes them per
  // token before Acl::Compile.
  std::string pattern;
  bool templated = false;  // the pattern holds identity template directives
  uint32_t capabilities = 0;  // Capability bits; kDeny alone when the block denies
  // Keys are lowercased. An empty value list means "any value".
  std::map<std::string, std::vector<json::value>> allowed_parameters, denied_parameters;
  std::vector<std::string> required_parameters;
  std::chrono::seconds min_wrapping_ttl{0}, max_wrapping_ttl{0};
};

struct Policy {
  std::string name;
  std::vector<PathRules> paths;  // in source order; a pattern may repeat
  std::string raw;               // the text it was parsed from
  bool templated = false;        // some path pattern holds identity template directives
};

inline constexpr std::string_view kRootPolicyName = "root";
inline constexpr std::string_view kDefaultPolicyName = "default";
// Held by response-wrapping tokens only: unwrap, lookup and rewrap of the wrapped response.
inline constexpr std::string_view kResponseWrappingPolicyName = "response-wrapping";

// Parses HCL or JSON policy text. Errors are InvalidRequest naming the position and the path:
// bad syntax, unknown top-level or path keys, unknown capabilities or legacy `policy` values,
// values of the wrong type, "+*" in a pattern, min_wrapping_ttl > max_wrapping_ttl, and the
// Enterprise/OpenBao keys this engine cannot enforce (mfa_methods, control_group, expiration,
// pagination_limit, list_scan_response_keys_filter_path). `comment` and
// `subscribe_event_types` are accepted and ignored.
// Legacy `policy = "deny|read|list|write|sudo"` is accepted and mapped to capabilities.
Result<Policy> ParsePolicy(std::string_view name, std::string_view text);

struct IdentityData;
// A copy of `policy` with every templated path pattern substituted from `identity` (null: a
// token without an entity); paths whose template cannot be resolved are left out, so they grant
// nothing (Vault). `resolved` (optional) gets the substituted patterns, in order, for cache keys.
Policy ResolveTemplates(const Policy& policy, const IdentityData* identity,
                        std::string* resolved = nullptr);

// Vault's built-in "default" policy as HCL (token self-service, cubbyhole, wrapping, tools/hash).
const std::string& DefaultPolicyText();

// The "root" policy: no rules; Acl::Compile treats a policy with this name as unrestricted.
Policy RootPolicy();

// The built-in "response-wrapping" policy (update on sys/wrapping/unwrap, lookup, rewrap).
const Policy& ResponseWrappingPolicy();

}  // namespace arca::core::policy
