#include "core/sys/system_backend.h"

#include "core/sys/path_audit.h"
#include "core/sys/path_leases.h"
#include "core/sys/paths.h"

namespace arca::core {

std::shared_ptr<logical::Backend> NewSystemBackend(Core& core) {
  logical::framework::FrameworkBackend::Options opts;
  opts.type = "system";
  opts.help = "The system backend is built in to Arca and cannot be remounted or unmounted. It "
              "contains the paths used to configure Arca itself.";
  for (auto* family : {&sys::LifecyclePaths, &sys::MountPaths, &sys::KeyPaths, &sys::PolicyPaths,
                      &sys::WrappingPaths, &sys::ToolPaths, &sys::PasswordPolicyPaths,
                      &sys::MetricsPaths, &sys::QuotaPaths, &sys::LockedUserPaths}) {
    for (auto& p : (*family)(core)) opts.paths.push_back(std::move(p));
  }
  // Issue 17's families (one file each).
  for (auto* family : {&sys::RemountPaths, &sys::PluginPaths, &sys::LoggerPaths,
                       &sys::HostPaths, &sys::VersionHistoryPaths, &sys::CorsPaths,
                       &sys::ResultantAclPaths, &sys::ConfigStatePaths,
                       &sys::InFlightPaths, &sys::CounterPaths,
                       &sys::SealBackendStatusPaths, &sys::RekeyPaths, &sys::MonitorPaths}) {
    for (auto& p : (*family)(core)) opts.paths.push_back(std::move(p));
  }
  for (auto& p : sys::SnapshotPaths(core)) opts.paths.push_back(std::move(p));
  for (auto& p : sys::SnapshotAutoPaths(core)) opts.paths.push_back(std::move(p));
  for (auto& p : sys::LeasePaths(core.expiration())) opts.paths.push_back(std::move(p));
  for (auto& p : sys::AuditPaths(core.audit())) opts.paths.push_back(std::move(p));
  // A read-serving HA standby answers policy, mount and auth reads and capability checks
  // (core.h, StandbyMayServe); everything else goes to the active node.
  opts.standby_safe = [](logical::Operation op, std::string_view path) {
    using logical::Operation;
    if (op == Operation::kList) {
      return path == "policy" || path == "policies/acl" || path == "policies/acl/";
    }
    if (op == Operation::kUpdate) {
      return path == "capabilities" || path == "capabilities-self" ||
             path == "capabilities-accessor";
    }
    if (op != Operation::kRead) return false;
    for (std::string_view p : {"policy", "policy/", "policies/acl/", "mounts", "auth"}) {
      if (p.back() == '/' ? path.starts_with(p) : path == p) return true;
    }
    // sys/mounts/<path>, sys/mounts/<path>/tune, sys/auth/<path>, sys/auth/<path>/tune.
    return path.starts_with("mounts/") || path.starts_with("auth/");
  };
  opts.special_paths.unauthenticated = {"init", "seal-status", "unseal", "health", "leader",
                                        "seal-backend-status",
                                        "internal/ui/mounts", "internal/ui/mounts/*",
                                        "wrapping/lookup"};
  for (auto& p : sys::RekeyUnauthenticatedPaths()) {
    opts.special_paths.unauthenticated.push_back(std::move(p));
  }
  opts.special_paths.root = {"auth/*", "rotate", "seal", "step-down", "raw/*", "audit",
                             "audit/*", "remount"};
  for (auto& p : sys::LeaseRootPaths()) opts.special_paths.root.push_back(std::move(p));
  // sudo: as in Vault (plugins/catalog/*, config/cors), and host details (Arca's choice).
  for (const char* p : {"plugins/catalog/*", "config/cors", "host-info"}) opts.special_paths.root.push_back(p);
  for (auto& p : sys::AuditRootPaths()) opts.special_paths.root.push_back(std::move(p));
  // sudo on the scheduled snapshot configurations, as in Vault (not on their status).
  for (const char* p : {"storage/raft/snapshot-auto/config", "storage/raft/snapshot-auto/config/*"}) {
    opts.special_paths.root.push_back(p);
  }
  return std::make_shared<logical::framework::FrameworkBackend>(std::move(opts));
}

}  // namespace arca::core
