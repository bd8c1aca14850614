// The one registration table: names -> factories for storage backends, secrets engines and
// auth methods. Adding a plugin means adding a line in builtins.cc, nothing else.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "logical/backend.h"
#include "storage/backend.h"

namespace arca::server {

const std::map<std::string, storage::Factory>& StorageBackends();
const std::map<std::string, logical::Factory>& SecretEngines();
const std::map<std::string, logical::Factory>& AuthMethods();
// The database engine's plugin names (for sys/plugins/catalog).
std::vector<std::string> DatabasePlugins();

}  // namespace arca::server
