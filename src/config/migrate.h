// The configuration file of `arca operator migrate` (Vault's migrator config): exactly one
// `storage_source "<type>" { ... }` and one `storage_destination "<type>" { ... }` stanza, in
// the format of the server's `storage` stanza, and an optional `cluster_addr` (Vault needs it
// for a Raft destination; Arca accepts it and does not use it). Any other key is an error.
// HCL or JSON, one file (a directory is refused, as Vault does).
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"
#include "config/config.h"

namespace arca::config {

struct MigrateConfig {
  StorageConfig source;
  StorageConfig destination;
  std::string cluster_addr;
};

// Parses one document; `filename` appears in messages. Errors are InvalidRequest.
Result<MigrateConfig> ParseMigrate(std::string_view text, std::string_view filename);
// Reads and parses the file at `path`.
Result<MigrateConfig> LoadMigrate(const std::string& path);

}  // namespace arca::config
