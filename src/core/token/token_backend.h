// The token auth method mounted at auth/token/:
//   create, create-orphan, create/:role_name       new child / orphan / role tokens (service or
//                                                  batch)
//   lookup, lookup-self, lookup-accessor           token data
//   renew, renew-self, renew-accessor              extend a token's TTL
//   revoke, revoke-self, revoke-accessor           revoke a token and its subtree (204)
//   revoke-orphan                                  revoke one token, orphan its children (sudo)
//   roles/:role_name (read/write/delete), LIST roles
//   LIST accessors (sudo), tidy (202 with a warning; runs synchronously)
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

#include "logical/backend.h"
#include "logical/request.h"

namespace arca::core {

class TokenStore;

// Whether the caller holds sudo on the request's path (root tokens always do). Needed for
// no_parent, period, id, and revoke-orphan. Called from request handlers (concurrently).
using SudoCheck = std::function<bool(const logical::Request&)>;

// The identity store as the token backend uses it (unset members: no identity).
struct TokenIdentityHooks {
  // The identity policies of an entity (token lookups show them).
  std::function<std::vector<std::string>(std::string_view entity_id)> policies;
  // The entity of an alias of this mount (token/create's entity_alias), created if missing.
  std::function<Result<std::string>(std::string_view alias_name)> entity_for_alias;
};

// `store` and `system` (the mount's TTL defaults) must outlive the backend. `has_sudo` null =
// only root tokens count as sudo.
std::shared_ptr<logical::Backend> NewTokenBackend(TokenStore& store,
                                                  const logical::SystemView* system,
                                                  SudoCheck has_sudo = nullptr,
                                                  TokenIdentityHooks identity = {});

}  // namespace arca::core
