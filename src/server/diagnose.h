// `arca operator diagnose`: offline checks of a server configuration (Vault's
// `vault operator diagnose`): the operating system limits, the configuration file, storage
// (reachable, writable, its directory's permissions), listeners and their TLS certificates,
// the seal, memory locking. Prints Vault's result tree ("[ success ] Name: message", children
// indented) or, with -format=json, the tree as JSON.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

namespace arca::server {

// Entry point; `args` excludes "operator diagnose". Exit code as Vault's: 0 all checks passed,
// 2 some warned, 1 some failed (or a usage error).
int RunDiagnoseCommand(const std::vector<std::string>& args);
// The same with explicit streams (tests); `color` adds Vault's ANSI colours to the prefixes.
int RunDiagnose(const std::vector<std::string>& args, std::ostream& out, std::ostream& err,
                bool color);

}  // namespace arca::server
