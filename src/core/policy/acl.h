// Acl: a token's policy set compiled for request checks (Vault's ACL semantics).
//
// Rules for the same pattern from several policies are merged: capabilities unioned, an explicit
// deny replaces everything, parameter constraints merged (an empty value list wins for a key),
// required parameters unioned, the lowest non-zero wrapping TTLs kept. For a request path, the
// exact rule wins, otherwise the highest-priority matching pattern (see pattern.h) decides alone.
// A policy named "root" makes the whole ACL unrestricted (other policies are then irrelevant).
//
// Thread-safety: an Acl is immutable after Compile; share it as shared_ptr<const Acl> and call it
// from any number of threads.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/json.h"
#include "common/status.h"
#include "core/policy/capability.h"
#include "core/policy/pattern.h"
#include "core/policy/policy.h"
#include "logical/request.h"

namespace arca::core::policy {

struct AclResult {
  bool allowed = false;
  bool is_root = false;       // the root policy granted it
  uint32_t capabilities = 0;  // of the rule that decided (kAllCapabilities | kRoot for root)
  bool root_privs = false;    // sudo on the path (needed for root-protected paths)
  std::string reason;         // why it was denied (for logs; never shown to clients verbatim)
  std::chrono::seconds min_wrapping_ttl{0}, max_wrapping_ttl{0};  // 0 = no constraint
};

class Acl {
 public:
  // Never fails for policies ParsePolicy produced; reserved for future validation.
  static Result<std::shared_ptr<const Acl>> Compile(const std::vector<Policy>& policies);

  // Whether `op` on `path` (full API path without "/v1/" or a leading '/') with request
  // parameters `data` is allowed. Operation -> capability: read/help -> read, create, update,
  // patch, delete, list, scan; renew/revoke -> update. For LIST a path with a trailing '/' also
  // tries the rules for the path without it. Parameter constraints apply to read, create,
  // update and patch. kHelp needs read.
  AclResult Allowed(std::string_view path, logical::Operation op, const json::object& data) const;

  // Capability bits on `path` for sys/capabilities (kRoot for root, 0 when nothing matches);
  // turn them into names with CapabilityNames.
  uint32_t Capabilities(std::string_view path) const;

  static std::vector<std::string> CapabilityNames(uint32_t caps) {
    return policy::CapabilityNames(caps);
  }

  // Whether any rule could grant something (not deny) on a path below the folder `prefix`
  // (ending in '/'). Deny rules deeper down are not considered: a filtered LIST may show a
  // folder whose entries all turn out to be denied, never hide one with an allowed entry.
  bool AnyAllowedUnder(std::string_view prefix) const;

  bool is_root() const { return root_; }

  // Calls `fn` on every merged rule: the exact ones, then the others (for
  // sys/internal/ui/resultant-acl). Nothing for a root ACL.
  template <typename F>
  void ForEachRule(F&& fn) const {
    for (const auto& [p, r] : exact_) fn(r);
    for (const auto& r : non_exact_) fn(r);
  }

  // Merged rules of one pattern.
  struct Rule {
    Pattern pattern;
    PathRules rules;  // pattern string, merged capabilities and constraints
  };

 private:
  Acl() = default;
  const Rule* Match(std::string_view path) const;

  // Lookups by string_view without building a std::string.
  struct StringHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  bool root_ = false;
  std::unordered_map<std::string, Rule, StringHash, std::equal_to<>> exact_;
  std::vector<Rule> non_exact_;
};

}  // namespace arca::core::policy
