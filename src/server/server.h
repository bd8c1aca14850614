// `arca server`: runs the server from configuration files, or in dev mode.
#pragma once

#include <string>
#include <vector>

namespace arca::server {

// Entry point of the `server` command; `args` excludes "server" itself. Returns the exit code.
int RunServerCommand(const std::vector<std::string>& args);

}  // namespace arca::server
