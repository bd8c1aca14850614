// The identity/ mount (type "identity", always present, neither removable nor movable): Vault's
// identity secrets engine paths over the core's IdentityStore — entity, entity-alias, group,
// group-alias, lookup (docs/identity.md). Paths of other identity features (OIDC) are added
// through IdentityExtraPaths.
#pragma once

#include <functional>
#include <memory>
#include <vector>

#include "logical/backend.h"
#include "logical/framework/path.h"

namespace arca::core {

class Core;

// `core` must outlive the backend. `extra` paths are appended after the identity store's own.
std::shared_ptr<logical::Backend> NewIdentityBackend(
    Core& core, std::vector<logical::framework::Path> extra = {});

}  // namespace arca::core
