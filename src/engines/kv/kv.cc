// The "kv" factory: picks the KV version from the mount options.
#include "engines/kv/kv.h"

#include <spdlog/spdlog.h>

#include "engines/kv/kv_upgrade.h"

namespace arca::engines::kv {

Result<std::unique_ptr<logical::Backend>> NewKvBackend(const logical::BackendConfig& config) {
  std::string version;
  if (auto it = config.options.find("version"); it != config.options.end()) version = it->second;
  if (version != "" && version != "1" && version != "2") {
    return InvalidRequest("invalid kv version \"" + version + "\": must be 1 or 2");
  }
  // An upgrade to version 2 that was asked for, or one interrupted by a crash, is finished
  // before the backend serves; a store that was upgraded is version 2 from then on.
  if (config.storage != nullptr) {
    ARCA_ASSIGN_OR_RETURN(auto state, UpgradeState(*config.storage));
    bool requested = config.options.contains(std::string(kUpgradeOption));
    if ((state && *state != "done") || (!state && requested && version == "2")) {
      auto now_ns = [] {
        return std::chrono::duration_cast<std::chrono::nanoseconds>(
                   std::chrono::system_clock::now().time_since_epoch())
            .count();
      };
      ARCA_RETURN_IF_ERROR(UpgradeV1ToV2(*config.storage, now_ns));
      if (config.logger) config.logger->info("kv: upgraded {} to version 2", config.mount_path);
      state = "done";
    }
    if (state) version = "2";
  }
  if (version.empty() || version == "1") return NewKvV1Backend(config);
  if (version == "2") return NewKvV2Backend(config);
  return InvalidRequest("invalid kv version \"" + version + "\": must be 1 or 2");
}

}  // namespace arca::engines::kv
