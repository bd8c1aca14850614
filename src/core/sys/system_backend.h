// The system backend mounted at sys/: lifecycle (init, seal status, unseal, health, leader),
// mounts and auth mounts, key rotation. Built on the path framework; one file per path family.
#pragma once

#include <memory>

#include "logical/backend.h"

namespace arca::core {

class Core;

// `core` must outlive the backend.
std::shared_ptr<logical::Backend> NewSystemBackend(Core& core);

}  // namespace arca::core
