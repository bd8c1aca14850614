// sys/leases/* and the legacy sys/renew, sys/revoke, sys/revoke-prefix, sys/revoke-force: lease
// lookup, listing, renewal, revocation, tidy and counts, over an ExpirationManager. Patterns are
// relative to the system backend's mount ("leases/lookup"). Response shapes follow Vault's.
//
// Root-protected (sudo) paths, for the system backend's SpecialPaths.root: "leases/lookup/*",
// "leases/revoke-prefix/*", "leases/revoke-force/*", "revoke-prefix/*", "revoke-force/*",
// "leases" (LeaseRootPaths()).
//
// Thread-safety: the handlers are safe for concurrent use; `manager` must outlive the paths.
#pragma once

#include <string>
#include <vector>

#include "core/expiration/expiration_manager.h"
#include "logical/framework/path.h"

namespace arca::core::sys {

std::vector<logical::framework::Path> LeasePaths(ExpirationManager& manager);

// The sudo-protected patterns above, relative to sys/.
std::vector<std::string> LeaseRootPaths();

}  // namespace arca::core::sys
