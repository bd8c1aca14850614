// The SQL plugins registered in PluginRegistry (private to src/engines/database/).
#pragma once

#include <memory>

#include "engines/database/plugin.h"

namespace arca::engines::database {

std::unique_ptr<DatabasePlugin> NewPostgresPlugin();
// MySQL/MariaDB; `max_username` is 32 (16 for mysql-legacy-database-plugin).
std::unique_ptr<DatabasePlugin> NewMysqlPlugin(size_t max_username);

}  // namespace arca::engines::database
