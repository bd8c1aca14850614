// The token auth method mounted at auth/token/: create (policies, ttl, num_uses, meta, ...),
// lookup-self, lookup, lookup-accessor, revoke-self, revoke. Token roles, renewal, orphans
// and revocation of child tokens follow with the rest of the tokens issue.
#pragma once

#include <memory>

#include "logical/backend.h"

namespace arca::core {

class TokenStore;

// `store` and `system` (the mount's TTL defaults) must outlive the backend.
std::shared_ptr<logical::Backend> NewTokenBackend(TokenStore& store,
                                                  const logical::SystemView* system);

}  // namespace arca::core
