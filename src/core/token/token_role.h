// Token roles (auth/token/roles/:role_name): named templates for auth/token/create/:role_name.
// A role replaces the parent's subset-of-policies rule by its own allowed/disallowed lists
// (exact names or '*' globs) and can force orphans, periods, explicit max TTLs, token types,
// use limits and CIDR bindings. Stored as JSON under "roles/<name>" of the token store's view.
//
// Thread-safety: TokenRole is a value type; TokenRoleStore is as safe as its Storage (every
// call is one storage operation).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/glob.h"
#include "common/json.h"
#include "common/status.h"
#include "logical/storage.h"

namespace arca::core {

struct TokenRole {
  std::string name;
  std::vector<std::string> allowed_policies;
  std::vector<std::string> disallowed_policies;
  std::vector<std::string> allowed_policies_glob;
  std::vector<std::string> disallowed_policies_glob;
  std::vector<std::string> allowed_entity_aliases;  // stored only
  bool orphan = false;
  bool renewable = true;
  std::string path_suffix;
  std::string token_type = "default-service";  // service|batch|default-service|default-batch
  std::chrono::seconds token_period{0};
  std::chrono::seconds token_explicit_max_ttl{0};
  bool token_no_default_policy = false;
  std::vector<std::string> token_bound_cidrs;
  int64_t token_num_uses = 0;

  // Checks the combination of settings (InvalidRequest with Vault's wording on failure):
  // token_type known, batch roles neither renewable nor periodic, path_suffix without "..",
  // token_num_uses >= 0, CIDRs well-formed.
  Status Validate() const;
  // The token type a create request gets: `requested` ("" when not given) under this role's
  // token_type. Errors: InvalidRequest for an unknown requested type.
  Result<std::string> ResolveType(std::string_view requested) const;
  // The storage form, which is also the API read form (with the deprecated aliases period,
  // explicit_max_ttl and bound_cidrs).
  json::object ToJson() const;
  static Result<TokenRole> FromJson(const json::object& o);
};

// Lower-cased, trimmed, de-duplicated and sorted policy names (empty names dropped).
std::vector<std::string> SanitizePolicies(const std::vector<std::string>& in);
using ::arca::GlobMatch;  // common/glob.h

class TokenRoleStore {
 public:
  // `view` (the token store's view) must outlive this object.
  explicit TokenRoleStore(logical::Storage& view) : view_(view) {}

  // Role names are case-insensitive (stored lower-cased).
  Result<std::optional<TokenRole>> Get(std::string_view name);
  Status Put(const TokenRole& role);
  Status Delete(std::string_view name);  // absent roles succeed
  Result<std::vector<std::string>> List();

 private:
  logical::Storage& view_;
};

}  // namespace arca::core
