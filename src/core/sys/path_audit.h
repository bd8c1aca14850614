// sys/audit, sys/audit/:path, sys/audit-hash/:path, sys/config/auditing/request-headers and
// sys/config/auditing/request-headers/:header, over an audit::Broker. Patterns are relative to
// the system backend's mount ("audit/file"). Response shapes follow Vault's:
//   GET    audit                    {"<path>/": {type, description, options, local, path}}
//   POST   audit/:path              {type (required), description, options{}, local} -> 204
//   DELETE audit/:path              204 (also when nothing is enabled there, as Vault)
//   POST   audit-hash/:path         {input} -> {hash: "hmac-sha256:..."}
//   GET    config/auditing/request-headers          {headers: {"<name>": {hmac}}}
//   GET    config/auditing/request-headers/:header  {"<header>": {hmac}}; unknown -> 400
//   POST   config/auditing/request-headers/:header  {hmac} -> 204
//   DELETE config/auditing/request-headers/:header  204
// Bad input (missing type, unknown type, bad options, unopenable file, ...) -> 400 and nothing
// changes; other operations -> 405.
//
// Root-protected (sudo) patterns for the system backend's SpecialPaths.root: AuditRootPaths().
//
// Thread-safety: the handlers are safe for concurrent use; `broker` must outlive the paths.
#pragma once

#include <string>
#include <vector>

#include "audit/broker.h"
#include "logical/framework/path.h"

namespace arca::core::sys {

std::vector<logical::framework::Path> AuditPaths(audit::Broker& broker);

// "audit", "audit/*", "config/auditing/*" (relative to sys/).
std::vector<std::string> AuditRootPaths();

}  // namespace arca::core::sys
