// Private to core/sys: the path families of the system backend.
#pragma once

#include <vector>

#include "common/json.h"
#include "core/core.h"
#include "logical/framework/framework_backend.h"

namespace arca::core::sys {

std::vector<logical::framework::Path> LifecyclePaths(Core& core);
std::vector<logical::framework::Path> MountPaths(Core& core);
std::vector<logical::framework::Path> KeyPaths(Core& core);
std::vector<logical::framework::Path> PolicyPaths(Core& core);
std::vector<logical::framework::Path> WrappingPaths(Core& core);
std::vector<logical::framework::Path> ToolPaths(Core& core);
std::vector<logical::framework::Path> PasswordPolicyPaths(Core& core);
std::vector<logical::framework::Path> MetricsPaths(Core& core);
std::vector<logical::framework::Path> QuotaPaths(Core& core);
std::vector<logical::framework::Path> LockedUserPaths(Core& core);
std::vector<logical::framework::Path> RemountPaths(Core& core);
std::vector<logical::framework::Path> PluginPaths(Core& core);
std::vector<logical::framework::Path> LoggerPaths(Core& core);
std::vector<logical::framework::Path> HostPaths(Core& core);
std::vector<logical::framework::Path> VersionHistoryPaths(Core& core);
std::vector<logical::framework::Path> CorsPaths(Core& core);
std::vector<logical::framework::Path> ResultantAclPaths(Core& core);
std::vector<logical::framework::Path> ConfigStatePaths(Core& core);
std::vector<logical::framework::Path> InFlightPaths(Core& core);
std::vector<logical::framework::Path> CounterPaths(Core& core);
std::vector<logical::framework::Path> MonitorPaths(Core& core);
std::vector<logical::framework::Path> SealBackendStatusPaths(Core& core);
// sys/storage/raft/snapshot[-force] and sys/storage/snapshot[-force] (path_snapshot.cc).
std::vector<logical::framework::Path> SnapshotPaths(Core& core);
// sys/storage/raft/snapshot-auto/* (path_snapshot_auto.cc).
std::vector<logical::framework::Path> SnapshotAutoPaths(Core& core);
// sys/rekey/*, sys/generate-root/*, sys/decode-token (path_rekey.cc), and those of them that
// need no token (as in Vault).
std::vector<logical::framework::Path> RekeyPaths(Core& core);
std::vector<std::string> RekeyUnauthenticatedPaths();

// A field of the given type with a description and an optional default.
inline logical::framework::FieldSchema Field(logical::framework::FieldType t, std::string desc,
                                             json::value def = nullptr) {
  logical::framework::FieldSchema s;
  s.type = t;
  s.description = std::move(desc);
  s.default_value = std::move(def);
  return s;
}

// The seal-status JSON shape (shared by sys/seal-status and sys/unseal).
json::object SealStatusJson(const SealStatus& st);

}  // namespace arca::core::sys
