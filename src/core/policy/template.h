// Identity templates (Vault's identitytpl): "{{identity.entity.id}}"-style directives in ACL
// policy paths and in the claim templates of identity tokens (identity/oidc/role/:name).
//
//   identity.entity.id | .name | .metadata | .metadata.<key>
//   identity.entity.aliases.<mount accessor>.id | .name | .metadata(.<key>) |
//                                            .custom_metadata(.<key>)
//   identity.entity.groups.ids | .groups.names            (JSON mode only: lists)
//   identity.groups.ids.<group id>.id | .name | .metadata.<key>
//   identity.groups.names.<group name>.id | .name | .metadata.<key>
//   time.now | time.now.plus.<duration> | time.now.minus.<duration>   (unix seconds)
//
// ACL mode: values are inserted verbatim; an empty or missing value, a list or a whole map, a
// value containing '*' or '+', no entity or no groups make the string unresolvable (the caller
// drops the path: it grants nothing). JSON mode: values are JSON-encoded (strings quoted,
// metadata maps as objects, lists as arrays); a missing key renders as "".
//
// Thread-safety: pure functions over immutable values.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace arca::core::policy {

// What templates may refer to: a token's entity and the groups it is in (direct and inherited).
struct IdentityData {
  struct Alias {
    std::string id;
    std::string name;
    std::string mount_accessor;
    std::map<std::string, std::string> metadata;
    std::map<std::string, std::string> custom_metadata;
  };
  struct Group {
    std::string id;
    std::string name;
    std::map<std::string, std::string> metadata;
  };
  std::string entity_id;
  std::string entity_name;
  bool disabled = false;
  std::map<std::string, std::string> metadata;
  std::vector<Alias> aliases;
  std::vector<Group> groups;  // every group the entity is in, transitively
};

// Looks up the identity data of an entity id; null when there is no such entity. Thread-safe.
using IdentityResolver = std::function<std::shared_ptr<const IdentityData>(std::string_view)>;

enum class TemplateMode { kAcl, kJson };

struct TemplateResult {
  bool templated = false;  // the input held at least one directive
  std::string text;        // the input with every directive substituted
};

// Substitutes every directive of `input`. `data` null = a token without an entity.
// Errors (InvalidRequest): unbalanced "{{"/"}}", an unknown or unresolvable directive (in ACL
// mode, anything that cannot be substituted).
Result<TemplateResult> PopulateTemplate(std::string_view input, TemplateMode mode,
                                        const IdentityData* data,
                                        std::chrono::system_clock::time_point now =
                                            std::chrono::system_clock::now());

// Only checks the syntax (balanced braces): whether `input` holds directives. Errors as above.
Result<bool> HasTemplate(std::string_view input);

}  // namespace arca::core::policy
