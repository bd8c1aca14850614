// Where a `kv` command operates, resolved from "-mount=M KEY" or "MOUNT/KEY" with the mount
// preflight, and small output helpers shared by the kv command files. Internal to cli/.
// Thread-safety: one Ctx per thread.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/client.h"
#include "cli/context.h"
#include "cli/kv_paths.h"
#include "common/json.h"

namespace arca::cli {

struct KvTarget {
  KvMount mount;
  std::string partial;  // the key, including the mount path for v2 / no-mount-flag forms
  bool mount_flag = false;
  bool v2() const { return mount.version == 2; }
};

// What `kv put` and `kv patch` share: `-mount`, `-cas`, then `KEY k=v...`, resolved.
struct KvWrite {
  KvTarget target;
  json::object data;
  int cas = -1;  // -1: no check-and-set
  api::Client* client = nullptr;
};
// Parses the flags and arguments and runs the preflight; on failure prints why and sets *code
// (1 for usage errors, 2 for server errors).
std::optional<KvWrite> ParseKvWrite(Ctx& ctx, const std::vector<std::string>& raw_args,
                                    std::string_view cas_help, int* code,
                                    bool allow_no_data = false);

// Runs the preflight; on failure prints the error and sets *code = 2.
std::optional<KvTarget> ResolveKvTarget(Ctx& ctx, api::Client& client,
                                        const std::string& mount_flag, const std::string& arg,
                                        int* code);
// The API path: v1 the key itself, v2 with `api_prefix` ("data", "metadata", ...) inserted.
std::string KvFullPath(const KvTarget& t, std::string_view api_prefix);
// "== Secret Path ==\n<path>\n\n"
void OutputKvPath(Ctx& ctx, const std::string& path, std::string_view title);
// The object member `key`, or nullptr.
const json::object* KvObjectAt(const json::object& o, std::string_view key);
// Parses "1,2,3" into a JSON list of strings (as vault sends them); empty items are skipped.
json::array ParseKvVersions(std::string_view versions);

}  // namespace arca::cli
