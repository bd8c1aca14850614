// Router: maps request paths to mounted backends by longest mount-path prefix.
//
// Thread-safety: all methods are safe for concurrent use. Routes are shared_ptrs, so a request
// that holds one keeps its backend alive while the mount is removed concurrently.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/status.h"
#include "core/router/mount_table.h"
#include "logical/backend.h"
#include "logical/storage.h"

namespace arca::core {

class PasswordPolicyStore;

// Lease TTL defaults of the whole system (from the server config).
struct SystemTtls {
  std::chrono::seconds default_lease_ttl{768 * 3600};
  std::chrono::seconds max_lease_ttl{768 * 3600};
};

// One mounted backend with its storage view; also the backend's SystemView.
class MountRoute : public logical::SystemView {
 public:
  MountRoute(MountEntry entry, const SystemTtls& ttls, logical::Storage& barrier);
  ~MountRoute() override;

  // Snapshot of the entry (it may be tuned concurrently).
  MountEntry entry() const;
  void SetEntry(MountEntry e);
  const std::string& router_path() const { return router_path_; }
  const std::string& type() const { return type_; }
  const std::string& accessor() const { return accessor_; }
  logical::Storage& view() { return view_; }
  logical::Backend* backend() { return backend_.get(); }
  void SetBackend(std::shared_ptr<logical::Backend> b) { backend_ = std::move(b); }

  // Cheap per-request views of the entry.
  bool list_filter_by_acl() const { return list_filter_.load(std::memory_order_relaxed); }
  int kv_version() const { return kv_version_.load(std::memory_order_relaxed); }  // 0: not kv

  std::chrono::seconds DefaultLeaseTtl() const override;
  std::chrono::seconds MaxLeaseTtl() const override;
  Result<std::string> GeneratePassword(std::string_view policy) const override;
  std::optional<logical::LockoutConfig> UserLockoutConfig() const override {
    return entry().config.user_lockout;
  }
  // Where GeneratePassword finds named policies (set before the route is published).
  void SetPasswordPolicies(PasswordPolicyStore* store) { password_policies_ = store; }

 private:
  const std::string router_path_;
  const std::string type_;
  const std::string accessor_;
  const SystemTtls& ttls_;
  logical::PrefixedStorage view_;
  mutable std::mutex mu_;
  MountEntry entry_;  // guarded by mu_
  std::atomic<int64_t> default_ttl_{0}, max_ttl_{0};
  std::atomic<bool> list_filter_{false};
  std::atomic<int> kv_version_{0};
  void CacheEntryViews(const MountEntry& e);  // REQUIRES: mu_ held or construction
  std::shared_ptr<logical::Backend> backend_;  // set once before the route is published
  PasswordPolicyStore* password_policies_ = nullptr;
};

class Router {
 public:
  struct Match {
    std::shared_ptr<MountRoute> route;
    std::string relative_path;  // path below the mount
  };

  // Errors: InvalidRequest "path is already in use at X" when the new path and an existing mount
  // are the same or one is a prefix of the other.
  Status Mount(std::shared_ptr<MountRoute> route);
  // Swaps the route mounted at route->router_path() for `route` (requests already holding the
  // old one finish on it); returns the old route, or nullptr (and changes nothing) when there is
  // none.
  std::shared_ptr<MountRoute> Replace(std::shared_ptr<MountRoute> route);
  // Removes and returns the route mounted exactly at `router_path`, or nullptr.
  std::shared_ptr<MountRoute> Unmount(std::string_view router_path);
  // Longest-prefix match; "secret" matches the mount "secret/" with relative path "".
  std::optional<Match> Route(std::string_view path) const;
  std::shared_ptr<MountRoute> Find(std::string_view router_path) const;
  // Route whose path is a prefix of `router_path` or vice versa (conflict check).
  std::shared_ptr<MountRoute> Conflict(std::string_view router_path) const;
  std::vector<std::shared_ptr<MountRoute>> All() const;
  void Clear();

 private:
  mutable std::shared_mutex mu_;
  std::unordered_map<std::string, std::shared_ptr<MountRoute>> routes_;  // guarded by mu_
};

}  // namespace arca::core
