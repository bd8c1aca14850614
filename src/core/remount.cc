// Moving a mount to a new path (sys/remount): only the path changes in the mount table; the
// storage view is keyed by the mount's UUID, so the data stays where it is.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <mutex>

#include "core/core.h"

namespace arca::core {
namespace {

// "secret" -> "secret/"; leading slashes dropped.
std::string NormalizeRouterPath(std::string_view raw) {
  std::string p(raw);
  while (!p.empty() && p.front() == '/') p.erase(p.begin());
  if (!p.empty() && p.back() != '/') p.push_back('/');
  return p;
}

bool IsReservedRouterPath(std::string_view p) {
  return p == "auth/" || p.starts_with("sys/") || p.starts_with("auth/token/") ||
         p.starts_with("cubbyhole/") || p.starts_with("identity/");
}

}  // namespace

Status Core::RemountMount(std::string_view from_raw, std::string_view to_raw) {
  const std::string from = NormalizeRouterPath(from_raw);
  const std::string to = NormalizeRouterPath(to_raw);
  if (from.empty() || to.empty()) return InvalidRequest("both \"from\" and \"to\" must be given");
  if (from.find("//") != std::string::npos || to.find("//") != std::string::npos ||
      to.find("..") != std::string::npos) {
    return InvalidRequest("invalid mount path");
  }
  const bool from_auth = from.starts_with("auth/");
  const bool to_auth = to.starts_with("auth/");
  if (from_auth != to_auth) {
    return InvalidRequest(from_auth ? "cannot remount auth mount to non-auth mount \"" + to + "\""
                                    : "cannot remount non-auth mount to auth mount \"" + to + "\"");
  }
  if (IsReservedRouterPath(from)) return InvalidRequest("cannot remount \"" + from + "\"");
  if (IsReservedRouterPath(to)) {
    return InvalidRequest("cannot remount to destination \"" + to + "\": the path is reserved");
  }
  if (from == to) return InvalidRequest("the source and destination are the same: \"" + from + "\"");

  std::lock_guard lock(mounts_mu_);
  auto route = router_.Find(from);
  if (!route) return InvalidRequest("no matching mount at \"" + from + "\"");
  if (auto existing = router_.Conflict(to); existing && existing != route) {
    return InvalidRequest("path already in use at \"" + existing->router_path() + "\"");
  }
  // Nested within itself ("kv/" -> "kv/sub/") conflicts with the source it leaves.
  if (to.starts_with(from) || from.starts_with(to)) {
    return InvalidRequest("path already in use at \"" + from + "\"");
  }
  auto& table = from_auth ? auth_mounts_ : mounts_;
  const std::string rel_from = from_auth ? from.substr(5) : from;
  auto it = std::find_if(table.begin(), table.end(),
                         [&](const MountEntry& e) { return e.path == rel_from; });
  if (it == table.end()) return Internal("mount table out of sync");

  // Vault revokes the mount's leases (secrets, or the tokens an auth method issued).
  if (Status s = expiration_->RevokePrefix(from, /*force=*/false); !s) {
    return Internal("failed to revoke leases of " + from + ": " + s.error().message());
  }

  MountEntry moved = *it;
  moved.path = from_auth ? to.substr(5) : to;
  // The backend is rebuilt: it was told its mount path at construction.
  ARCA_ASSIGN_OR_RETURN(auto new_route, BuildRoute(moved));
  const MountEntry previous = *it;
  *it = moved;
  if (Status s = PersistMounts(from_auth); !s) {
    *it = previous;
    return s;
  }
  auto old_route = router_.Unmount(from);
  if (Status s = router_.Mount(new_route); !s) {
    // Cannot happen under mounts_mu_ after the conflict check; put the old route back.
    if (old_route) (void)router_.Mount(old_route);
    *it = previous;
    (void)PersistMounts(from_auth);
    return s;
  }
  // The old route is dropped without Cleanup(): requests still running on it finish there, and
  // the new backend shares its storage. Rate-limit quotas keep their paths (docs/compat.md).
  spdlog::info("core: mount moved: from={} to={}", from, to);
  return OkStatus();
}

}  // namespace arca::core
