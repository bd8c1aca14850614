#include "core/router/router.h"

#include "core/password_policy.h"

#include <algorithm>

namespace arca::core {

MountRoute::MountRoute(MountEntry entry, const SystemTtls& ttls, logical::Storage& barrier)
    : router_path_(entry.RouterPath()),
      type_(entry.type),
      accessor_(entry.accessor),
      ttls_(ttls),
      view_(barrier, entry.StoragePrefix()),
      entry_(std::move(entry)) {
  CacheEntryViews(entry_);
}

Result<std::string> MountRoute::GeneratePassword(std::string_view policy) const {
  if (password_policies_ == nullptr) return logical::SystemView::GeneratePassword(policy);
  return password_policies_->Generate(policy);
}

void MountRoute::CacheEntryViews(const MountEntry& e) {
  default_ttl_ = e.config.default_lease_ttl.count();
  max_ttl_ = e.config.max_lease_ttl.count();
  list_filter_ = e.config.list_filter_by_acl;
  int version = 0;
  if (e.type == "kv") {
    auto it = e.options.find("version");
    version = it != e.options.end() && it->second == "2" ? 2 : 1;
  }
  kv_version_ = version;
}

MountRoute::~MountRoute() {
  if (backend_ && backend_.use_count() == 1) backend_->Cleanup();
}

MountEntry MountRoute::entry() const {
  std::lock_guard lock(mu_);
  return entry_;
}

void MountRoute::SetEntry(MountEntry e) {
  std::lock_guard lock(mu_);
  CacheEntryViews(e);
  entry_ = std::move(e);
}

std::chrono::seconds MountRoute::DefaultLeaseTtl() const {
  int64_t d = default_ttl_.load();
  auto max = MaxLeaseTtl();
  auto def = d > 0 ? std::chrono::seconds(d) : ttls_.default_lease_ttl;
  return std::min(def, max);
}

std::chrono::seconds MountRoute::MaxLeaseTtl() const {
  int64_t m = max_ttl_.load();
  return m > 0 ? std::chrono::seconds(m) : ttls_.max_lease_ttl;
}

Status Router::Mount(std::shared_ptr<MountRoute> route) {
  std::unique_lock lock(mu_);
  const std::string& path = route->router_path();
  for (const auto& [existing, r] : routes_) {
    bool overlap = path.compare(0, existing.size(), existing) == 0 ||
                   existing.compare(0, path.size(), path) == 0;
    if (overlap) return InvalidRequest("path is already in use at " + existing);
  }
  routes_.emplace(path, std::move(route));
  return OkStatus();
}

std::shared_ptr<MountRoute> Router::Replace(std::shared_ptr<MountRoute> route) {
  std::unique_lock lock(mu_);
  auto it = routes_.find(route->router_path());
  if (it == routes_.end()) return nullptr;
  std::swap(it->second, route);
  return route;
}

std::shared_ptr<MountRoute> Router::Unmount(std::string_view router_path) {
  std::unique_lock lock(mu_);
  auto it = routes_.find(std::string(router_path));
  if (it == routes_.end()) return nullptr;
  auto r = std::move(it->second);
  routes_.erase(it);
  return r;
}

std::optional<Router::Match> Router::Route(std::string_view path) const {
  std::shared_lock lock(mu_);
  // Try the whole path (as a folder) first, then each shorter prefix ending in '/'.
  std::string candidate(path);
  if (candidate.empty() || candidate.back() != '/') candidate.push_back('/');
  while (!candidate.empty()) {
    auto it = routes_.find(candidate);
    if (it != routes_.end()) {
      std::string rel = candidate.size() <= path.size() ? std::string(path.substr(candidate.size()))
                                                        : std::string();
      return Match{it->second, std::move(rel)};
    }
    // Drop the last segment.
    candidate.pop_back();
    size_t slash = candidate.rfind('/');
    if (slash == std::string::npos) break;
    candidate.resize(slash + 1);
  }
  return std::nullopt;
}

std::shared_ptr<MountRoute> Router::Find(std::string_view router_path) const {
  std::shared_lock lock(mu_);
  auto it = routes_.find(std::string(router_path));
  return it == routes_.end() ? nullptr : it->second;
}

std::shared_ptr<MountRoute> Router::Conflict(std::string_view path) const {
  std::shared_lock lock(mu_);
  for (const auto& [existing, r] : routes_) {
    if (path.compare(0, existing.size(), existing) == 0 ||
        std::string_view(existing).compare(0, path.size(), path) == 0) {
      return r;
    }
  }
  return nullptr;
}

std::vector<std::shared_ptr<MountRoute>> Router::All() const {
  std::shared_lock lock(mu_);
  std::vector<std::shared_ptr<MountRoute>> out;
  for (const auto& [p, r] : routes_) out.push_back(r);
  std::sort(out.begin(), out.end(),
            [](const auto& a, const auto& b) { return a->router_path() < b->router_path(); });
  return out;
}

void Router::Clear() {
  std::unique_lock lock(mu_);
  routes_.clear();
}

}  // namespace arca::core
