// KV version 2: assembles the versioned key/value backend from its path families.
#include <memory>

#include "engines/kv/kv.h"
#include "engines/kv/kv_v2_internal.h"
#include "logical/framework/framework_backend.h"

namespace arca::engines::kv {

namespace {

constexpr char kHelp[] = R"(
The KV backend (version 2) stores versioned secrets. Every write to data/<path>
creates a new version; older versions can be read, soft-deleted, undeleted or
destroyed. metadata/<path> holds per-key settings (max_versions, cas_required,
delete_version_after, custom_metadata) and lists keys. config holds the
mount-wide defaults.
)";

}  // namespace

Result<std::unique_ptr<logical::Backend>> NewKvV2Backend(
    const logical::BackendConfig& config,
    std::function<std::chrono::system_clock::time_point()> clock) {
  auto st = std::make_shared<v2::State>(config.storage, std::move(clock),
                                        /*read_cache=*/!config.disable_cache);
  logical::framework::FrameworkBackend::Options options;
  options.type = "kv";
  options.help = kHelp;
  // A read-serving HA standby answers reads of data, metadata, subkeys and config, and lists
  // of metadata (core.h, StandbyMayServe); every write goes to the active node.
  options.standby_safe = [](logical::Operation op, std::string_view path) {
    if (op == logical::Operation::kList) return path.starts_with("metadata");
    if (op != logical::Operation::kRead) return false;
    return path.starts_with("data/") || path.starts_with("metadata") ||
           path.starts_with("subkeys/") || path == "config";
  };
  options.invalidate = [st](std::string_view key) { st->Invalidate(key); };
  options.paths.push_back(v2::ConfigPath(st));
  options.paths.push_back(v2::DataPath(st));
  options.paths.push_back(v2::MetadataPath(st));
  options.paths.push_back(v2::DeletePath(st));
  options.paths.push_back(v2::UndeletePath(st));
  options.paths.push_back(v2::DestroyPath(st));
  options.paths.push_back(v2::SubkeysPath(st));
  ARCA_ASSIGN_OR_RETURN(auto backend,
                        logical::framework::FrameworkBackend::Create(std::move(options)));
  return std::unique_ptr<logical::Backend>(std::move(backend));
}

}  // namespace arca::engines::kv
