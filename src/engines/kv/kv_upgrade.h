// Upgrading a KV version 1 mount in place to version 2 (Vault: tune options.version=2).
//
// The upgrade is resumable: a marker entry records its state, so a crash at any point leaves a
// store that the next construction of the backend finishes upgrading.
//
//   .kv-upgrade                  JSON {"state": "copying"|"converting"|"done",
//                                      "staging": "<prefix chosen so that no v1 key uses it>"}
//   <staging><hex of v1 key>     the v1 value, while it is being converted
//
// Phase "copying" moves every v1 entry under the staging prefix (so that the v2 layout's own
// keys, "config", "metadata/..." and "versions/...", can never collide with v1 keys); phase
// "converting" writes each one as version 1 of a v2 secret. The marker stays at "done" for good:
// a store carrying it is a v2 store whatever the mount table says.
//
// Not for concurrent use with requests on the same mount: the core takes the mount offline
// (503) while it runs.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>

#include "common/status.h"
#include "logical/storage.h"

namespace arca::engines::kv {

inline constexpr std::string_view kUpgradeMarkerKey = ".kv-upgrade";

// The marker's state ("copying", "converting", "done"), or nullopt when the store never
// started an upgrade.
Result<std::optional<std::string>> UpgradeState(logical::Storage& s);

// Runs or resumes the upgrade. `now_ns` gives the creation time of the version-1 entries.
// Errors: storage errors (the upgrade can be resumed by calling again).
Status UpgradeV1ToV2(logical::Storage& s, std::function<int64_t()> now_ns);

}  // namespace arca::engines::kv
