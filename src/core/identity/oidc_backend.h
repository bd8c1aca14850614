// The identity/ mount with identity tokens: the identity store's backend (identity_backend.h,
// built with OidcPaths among its paths) plus what identity tokens add to the mount itself: the
// unauthenticated .well-known paths and the periodic key rotation / expiry (active node only:
// the core runs Periodic there).
#pragma once

#include <memory>

#include "core/identity/oidc.h"
#include "logical/backend.h"

namespace arca::core::identity {

// Forwards everything to `inner`; adds kOidcUnauthenticatedPaths to its special paths and runs
// OidcPeriodic after its Periodic.
std::shared_ptr<logical::Backend> WithIdentityTokens(std::shared_ptr<logical::Backend> inner,
                                                     std::shared_ptr<OidcContext> ctx);

}  // namespace arca::core::identity
