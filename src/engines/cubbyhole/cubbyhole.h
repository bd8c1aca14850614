// The cubbyhole secrets engine: storage private to each token. A token sees only its own
// entries (kept under its accessor in the mount's view); the core deletes them when the token
// is revoked. Mounted by the core at cubbyhole/; it cannot be mounted elsewhere or removed.
#pragma once

#include <memory>

#include "logical/backend.h"

namespace arca::engines::cubbyhole {

Result<std::unique_ptr<logical::Backend>> NewCubbyholeBackend(const logical::BackendConfig& config);

}  // namespace arca::engines::cubbyhole
