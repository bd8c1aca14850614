// The common token_* parameters of auth method roles and users (Vault's sdk/helper/tokenutil):
// their field schemas, parsing and validation from a request, JSON storage, the read-response
// shape and the Auth block they produce on login. Shared by every auth method.
//
//   token_ttl, token_max_ttl, token_explicit_max_ttl, token_period   durations (seconds)
//   token_policies (legacy alias: policies)                           comma string slice
//   token_bound_cidrs                                                 comma string slice
//   token_no_default_policy                                           bool
//   token_num_uses                                                    int >= 0
//   token_type  default | service | batch | default-service | default-batch
//   period (legacy alias of token_period)
//   with the legacy set (userpass): ttl, max_ttl, bound_cidrs, num_uses (aliases of the token_*)
//
// Thread-safety: TokenFields is a value type; the functions are pure.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "common/json.h"
#include "common/status.h"
#include "logical/framework/field.h"
#include "logical/framework/field_data.h"
#include "logical/response.h"

namespace arca::auth {

struct TokenFields {
  std::chrono::seconds ttl{0};
  std::chrono::seconds max_ttl{0};
  std::chrono::seconds explicit_max_ttl{0};
  std::chrono::seconds period{0};
  std::vector<std::string> policies;  // sanitized: trimmed, lowercased, sorted, unique
  std::vector<std::string> bound_cidrs;
  bool no_default_policy = false;
  int64_t num_uses = 0;
  std::string type = "default";

  // Vault's read shape: every token_* key plus the legacy "policies" and "period"; with
  // `legacy`, also "ttl", "max_ttl", "bound_cidrs" and "num_uses" when they are set (as
  // Vault's userpass echoes its deprecated fields).
  void AddToResponse(json::object& data, bool legacy = false) const;
  json::object ToJson() const;
  // Missing keys keep their defaults; wrong types are Internal (corrupt storage).
  static Result<TokenFields> FromJson(const json::object& o);

  // Copies the token limits into a login's Auth block (policies, lease_duration = ttl,
  // max_ttl, explicit_max_ttl, period, num_uses, bound_cidrs, no_default_policy, token_type,
  // renewable = true). The core creates the token from it.
  void FillAuth(logical::Auth& auth) const;

  bool operator==(const TokenFields&) const = default;
};

// Adds the schemas of the token fields (and the legacy "policies" and "period") to `fields`;
// with `legacy`, also the deprecated "ttl", "max_ttl", "bound_cidrs" and "num_uses".
void AddTokenFieldSchemas(logical::framework::FieldMap& fields, bool legacy = false);

// Applies the token fields the request gave onto `fields` (absent ones keep their value, so an
// update changes only what was sent), then validates the result. Legacy "policies" / "period"
// are used when the token_* name is absent. Errors (InvalidRequest, 400): a bad CIDR, an
// unknown token_type, negative num_uses, token_ttl > token_max_ttl (both set), token_period >
// token_max_ttl... as below; `fields` is left unchanged on error.
// With `legacy`, "ttl", "max_ttl", "bound_cidrs" and "num_uses" are aliases too.
Status ParseTokenFields(const logical::framework::FieldData& d, TokenFields& fields,
                        bool legacy = false);

// Vault's policyutil.SanitizePolicies: trimmed, lowercased, empty entries dropped, sorted,
// unique.
std::vector<std::string> SanitizePolicies(std::vector<std::string> in);

}  // namespace arca::auth
