// The "kv" factory: picks the KV version from the mount options.
#include "engines/kv/kv.h"

namespace arca::engines::kv {

Result<std::unique_ptr<logical::Backend>> NewKvBackend(const logical::BackendConfig& config) {
  std::string version;
  if (auto it = config.options.find("version"); it != config.options.end()) version = it->second;
  if (version.empty() || version == "1") return NewKvV1Backend(config);
  if (version == "2") return NewKvV2Backend(config);
  return InvalidRequest("invalid kv version \"" + version + "\": must be 1 or 2");
}

}  // namespace arca::engines::kv
