// `arca operator migrate`: offline copy of every storage entry from one backend to another
// (Vault's `vault operator migrate`; see docs/migrate.md and storage/migrate.h).
//
//   arca operator migrate -config=migrate.hcl [-start=<key>] [-max-parallel=10] [-reset]
//                         [-log-level=info]
//
// Refuses (exit 2, nothing written) a source with a migration marker, a source whose HA lock a
// running server holds, and a destination that already holds entries (at or after -start).
#pragma once

#include <atomic>
#include <iosfwd>
#include <string>
#include <vector>

namespace arca::server {

// Entry point; `args` excludes "operator migrate". SIGINT/SIGTERM stop the copy after the
// entries in flight (the marker is removed). Exit codes as Vault's: 0 success (or
// interrupted), 1 usage or configuration error, 2 the migration failed or was refused.
int RunMigrateCommand(const std::vector<std::string>& args);
// The same with explicit streams and stop flag (tests).
int RunMigrate(const std::vector<std::string>& args, std::ostream& out, std::ostream& err,
               const std::atomic<bool>& stop);

}  // namespace arca::server
