// Mount table management: default mounts, loading at unseal, enable/disable/tune.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <mutex>
#include <thread>

#include "common/log.h"
#include "common/uuid.h"
#include "core/barrier/barrier.h"
#include "core/core.h"
#include "core/identity/identity_store.h"
#include "core/quotas/quota_manager.h"
#include "logical/lockout.h"
#include "core/policy_store.h"
#include "core/token/token_backend.h"

namespace arca::core {
namespace {

MountEntry DefaultEntry(bool is_auth, std::string path, std::string type, std::string desc) {
  MountEntry e;
  e.is_auth = is_auth;
  e.path = std::move(path);
  e.type = std::move(type);
  e.description = std::move(desc);
  e.uuid = GenerateUuid();
  e.accessor = NewAccessor(e.type == "token" ? "auth_token" : e.type);
  return e;
}

// Mount points that users may not take or remove.
bool IsProtectedPath(std::string_view router_path) {
  return router_path == "sys/" || router_path == "auth/token/" || router_path == "auth/" ||
         router_path.starts_with("sys/") || router_path.starts_with("auth/token/");
}

// Stands in for a backend that is being rebuilt: every request gets 503.
class UnavailableBackend : public logical::Backend {
 public:
  UnavailableBackend(std::string type, std::string message)
      : type_(std::move(type)), message_(std::move(message)) {}
  Result<logical::Response> HandleRequest(logical::Request&) override {
    return Unavailable(message_);
  }
  std::string_view Type() const override { return type_; }

 private:
  std::string type_;
  std::string message_;
};

}  // namespace

bool Core::IsKnownType(std::string_view type, bool is_auth) const {
  const auto& table = is_auth ? config_.auth_methods : config_.secret_engines;
  return table.find(std::string(type)) != table.end();
}

Result<std::shared_ptr<MountRoute>> Core::BuildRoute(
    MountEntry entry, const std::map<std::string, std::string>& transient_options) {
  auto route = std::make_shared<MountRoute>(entry, config_.ttls, *barrier_);
  route->SetPasswordPolicies(password_policies_.get());
  std::shared_ptr<logical::Backend> backend;
  if (entry.type == "system") {
    backend = system_backend_;
  } else if (entry.type == "identity") {
    backend = identity_backend_;
  } else if (entry.type == "token") {
    // sudo on the request path lets a non-root token use the sudo-only options (no_parent,
    // period, id, revoke-orphan), as in Vault.
    TokenIdentityHooks identity;
    identity.policies = [this](std::string_view entity_id) {
      return identity_->IdentityPolicies(entity_id);
    };
    identity.entity_for_alias = [this, accessor = entry.accessor](
                                    std::string_view name) -> Result<std::string> {
      ARCA_ASSIGN_OR_RETURN(identity::Entity e,
                            identity_->EntityForLogin(accessor, "token", name, {}));
      return e.id;
    };
    backend = NewTokenBackend(
        *tokens_, route.get(),
        [this](const logical::Request& req) {
          if (req.is_root_token) return true;
          auto acl = policies_->AclFor(req.policies, req.entity_id);
          return acl && (*acl)->Allowed(req.original_path, req.operation, req.data).root_privs;
        },
        std::move(identity));
  } else {
    const auto& table = entry.is_auth ? config_.auth_methods : config_.secret_engines;
    auto it = table.find(entry.type);
    if (it == table.end()) {
      return InvalidRequest("plugin not found in the catalog: " + entry.type);
    }
    logical::BackendConfig cfg;
    cfg.storage = &route->view();
    cfg.system = route.get();
    cfg.backend_uuid = entry.uuid;
    cfg.mount_path = entry.RouterPath();
    cfg.options = entry.options;
    for (const auto& [k, v] : transient_options) cfg.options[k] = v;
    cfg.logger = log::GetLogger(entry.type);
    cfg.disable_cache = config_.disable_cache;
    ARCA_ASSIGN_OR_RETURN(auto b, it->second(cfg));
    backend = std::move(b);
  }
  route->SetBackend(std::move(backend));
  return route;
}

Status Core::LoadMounts(bool is_auth) {
  std::lock_guard lock(mounts_mu_);
  std::string_view path = is_auth ? kAuthTablePath : kMountTablePath;
  ARCA_ASSIGN_OR_RETURN(auto raw, barrier_->Get(path));
  std::vector<MountEntry> entries;
  if (raw) {
    ARCA_ASSIGN_OR_RETURN(entries, ParseMountTable(*raw, is_auth));
  } else {
    if (is_auth) {
      entries.push_back(DefaultEntry(true, "token/", "token", "token based credentials"));
    } else {
      if (IsKnownType("cubbyhole", false)) {
        MountEntry cubby = DefaultEntry(false, "cubbyhole/", "cubbyhole", "per-token private secret storage");
        cubby.local = true;
        entries.push_back(std::move(cubby));
      }
      entries.push_back(DefaultEntry(false, "sys/", "system", "system endpoints used for control, policy and debugging"));
    }
  }
  // The identity store's mount is always there (tables written before it existed gain it).
  bool add_identity = !is_auth && std::none_of(entries.begin(), entries.end(), [](const MountEntry& e) {
    return e.type == "identity";
  });
  if (add_identity) {
    entries.push_back(DefaultEntry(false, "identity/", "identity", "identity store"));
  }
  std::vector<MountEntry>& table = is_auth ? auth_mounts_ : mounts_;
  table.clear();
  for (auto& e : entries) {
    auto route = BuildRoute(e);
    if (!route) {
      spdlog::error("core: cannot mount {} ({}): {}", e.RouterPath(), e.type,
                    route.error().message());
      table.push_back(e);  // keep it in the table: its data stays until unmounted
      continue;
    }
    ARCA_RETURN_IF_ERROR(router_.Mount(*route));
    table.push_back(e);
  }
  if (!raw || add_identity) ARCA_RETURN_IF_ERROR(PersistMounts(is_auth));
  return OkStatus();
}

Status Core::PersistMounts(bool is_auth) {
  const auto& table = is_auth ? auth_mounts_ : mounts_;
  return barrier_->Put(is_auth ? kAuthTablePath : kMountTablePath, SerializeMountTable(table));
}

Status Core::EnableMount(MountEntry entry) {
  if (entry.path.empty()) return InvalidRequest("path cannot be empty");
  if (entry.path.back() != '/') entry.path.push_back('/');
  if (entry.path.front() == '/') return InvalidRequest("path must not start with '/'");
  if (entry.type.empty()) return InvalidRequest("type cannot be empty");
  std::string router_path = entry.RouterPath();
  if (!entry.is_auth && router_path.starts_with("auth/")) {
    return InvalidRequest("cannot mount under auth/: use sys/auth to enable an auth method");
  }
  if (IsProtectedPath(router_path) || entry.type == "system" || entry.type == "token" ||
      entry.type == "cubbyhole" || router_path == "cubbyhole/" || entry.type == "identity" ||
      router_path == "identity/") {
    return InvalidRequest("cannot mount \"" + router_path + "\" of type \"" + entry.type +
                          "\": the path or type is reserved");
  }
  if (!IsKnownType(entry.type, entry.is_auth)) {
    return InvalidRequest("plugin not found in the catalog: " + entry.type);
  }
  if (entry.config.default_lease_ttl.count() > 0 && entry.config.max_lease_ttl.count() > 0 &&
      entry.config.default_lease_ttl > entry.config.max_lease_ttl) {
    return InvalidRequest("default lease TTL cannot be greater than max lease TTL");
  }
  std::lock_guard lock(mounts_mu_);
  if (auto existing = router_.Conflict(router_path)) {
    return InvalidRequest("path is already in use at " + existing->router_path());
  }
  entry.uuid = GenerateUuid();
  entry.accessor = NewAccessor(entry.is_auth ? "auth_" + entry.type : entry.type);
  ARCA_ASSIGN_OR_RETURN(auto route, BuildRoute(entry));
  auto& table = entry.is_auth ? auth_mounts_ : mounts_;
  table.push_back(entry);
  Status s = PersistMounts(entry.is_auth);
  if (!s) {
    table.pop_back();
    return s;
  }
  ARCA_RETURN_IF_ERROR(router_.Mount(std::move(route)));
  spdlog::info("core: successful mount: path={} type={}", router_path, entry.type);
  return OkStatus();
}

Status Core::DisableMount(std::string_view path, bool is_auth) {
  std::string p(path);
  if (p.empty()) return InvalidRequest("path cannot be empty");
  if (p.back() != '/') p.push_back('/');
  std::string router_path = is_auth ? "auth/" + p : p;
  if (IsProtectedPath(router_path) || router_path == "cubbyhole/" || router_path == "identity/") {
    return InvalidRequest("cannot unmount \"" + router_path + "\"");
  }
  std::lock_guard lock(mounts_mu_);
  auto& table = is_auth ? auth_mounts_ : mounts_;
  auto it = std::find_if(table.begin(), table.end(),
                         [&](const MountEntry& e) { return e.path == p; });
  if (it == table.end()) return OkStatus();  // Vault: disabling a missing mount succeeds
  // Its leases are revoked first (Vault refuses the unmount when that fails).
  if (Status s = expiration_->RevokePrefix(router_path, /*force=*/false); !s) {
    return Internal("failed to revoke leases of " + router_path + ": " + s.error().message());
  }
  MountEntry removed = *it;
  table.erase(it);
  Status s = PersistMounts(is_auth);
  if (!s) {
    table.push_back(removed);
    return s;
  }
  router_.Unmount(router_path);
  if (removed.is_auth) logical::LockoutRegistry::Global().ForgetMount(removed.accessor);
  if (auto s = quotas_->DeleteUnderMount(router_path); !s) {
    spdlog::error("core: unmount {}: removing its quotas: {}", router_path, s.error().message());
  }
  // Remove the mount's data.
  if (auto s = logical::DeleteTree(*barrier_, removed.StoragePrefix()); !s) {
    spdlog::error("core: unmount {}: removing data: {}", router_path, s.error().message());
  }
  spdlog::info("core: successfully unmounted: path={}", router_path);
  return OkStatus();
}

Status Core::TuneMount(std::string_view router_path, const MountEntry& updated) {
  std::lock_guard lock(mounts_mu_);
  auto route = router_.Find(router_path);
  if (!route) return InvalidRequest("no mount at \"" + std::string(router_path) + "\"");
  auto& table = updated.is_auth ? auth_mounts_ : mounts_;
  auto it = std::find_if(table.begin(), table.end(),
                         [&](const MountEntry& e) { return e.uuid == updated.uuid; });
  if (it == table.end()) return Internal("mount table out of sync");
  MountEntry previous = *it;

  auto kv_version = [](const MountEntry& e) {
    auto v = e.options.find("version");
    return v == e.options.end() || v->second.empty() ? std::string("1") : v->second;
  };
  if (updated.type == "kv" && kv_version(previous) == "1" && kv_version(updated) == "2") {
    // The data is upgraded before the table says version 2; should the table write fail, the
    // upgraded store still opens as version 2 (the KV factory recognises it).
    ARCA_RETURN_IF_ERROR(RebuildRoute(route, updated, {{"upgrade_from_v1", "true"}}));
  }

  *it = updated;
  Status s = PersistMounts(updated.is_auth);
  if (!s) {
    *it = previous;
    return s;
  }
  if (auto current = router_.Find(router_path)) current->SetEntry(updated);
  return OkStatus();
}

Status Core::RebuildRoute(const std::shared_ptr<MountRoute>& old, const MountEntry& updated,
                          const std::map<std::string, std::string>& transient_options) {
  auto placeholder = std::make_shared<MountRoute>(old->entry(), config_.ttls, *barrier_);
  placeholder->SetBackend(std::make_shared<UnavailableBackend>(
      old->type(),
      "Upgrading from non-versioned to versioned data. This backend will be unavailable for a "
      "brief period and will resume service shortly."));
  router_.Replace(placeholder);
  // Let requests already running on the old backend finish: each holds the route, so once
  // `old` is the last holder they have (callers must not hold other references; bounded wait).
  for (int i = 0; i < 10000 && old.use_count() > 1; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  auto rebuilt = BuildRoute(updated, transient_options);
  if (!rebuilt) {
    spdlog::error("core: cannot rebuild {}: {}", old->router_path(), rebuilt.error().message());
    router_.Replace(old);
    return std::unexpected(rebuilt.error());
  }
  router_.Replace(*rebuilt);
  spdlog::info("core: rebuilt mount {} ({})", old->router_path(), updated.type);
  return OkStatus();
}

}  // namespace arca::core
