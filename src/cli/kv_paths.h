// KV helpers shared by the `kv` commands: the mount preflight (which KV version is mounted
// where) and Vault's path rewriting for KV v2 ("secret/foo" -> "secret/data/foo").
// Thread-safety: the functions are pure except KvPreflight, which uses the given client.
#pragma once

#include <string>
#include <string_view>

#include "api/client.h"
#include "common/status.h"

namespace arca::cli {

struct KvMount {
  std::string mount_path;  // "secret/" ("" when the server has no preflight endpoint)
  int version = 1;
};

// GET sys/internal/ui/mounts/<path>: the mount path and options.version ("2" -> 2, else 1).
// A 404 means an old server: version 1, empty mount path. Any other error status, 403
// included, is returned as Vault's "Error making API request." block.
Result<KvMount> KvPreflight(api::Client& client, std::string_view path);

// Go's path.Join of the non-empty parts, cleaned of duplicate and trailing slashes.
std::string PathJoin(std::initializer_list<std::string_view> parts);

// Vault's addPrefixToKVPath: inserts `api_prefix` ("data", "metadata", "delete") right after
// the mount: ("secret/foo", "secret/", "data") -> "secret/data/foo";
// ("secret", "secret/", "metadata") -> "secret/metadata".
std::string AddPrefixToKvPath(std::string_view path, std::string_view mount_path,
                              std::string_view api_prefix);

}  // namespace arca::cli
