// Standby reads (core.h, "standby reads"; docs/ha.md "Standby reads"): the read-only state of
// a read-serving HA standby, its life cycle, what it may serve, and the active node's
// invalidations.
//
// Life cycle: unsealing an HA node makes it a standby (ha.cc); with standby reads enabled its
// storage gate refuses every write (kForwardToActive) and a thread sets the read-only state up
// (SetupStandbyReadsLocked, retried every second while it fails: e.g. a default the active node
// has not written yet). Winning the lock drops that state (StopStandbyReadsLocked) before
// today's takeover; losing it returns to a standby, whose state is set up again; a seal drops
// everything.
//
// Locks: ApplyInvalidations holds state_mu_ shared for keys of backends and stores that swap
// their data atomically, exclusively for mount tables, the keyring and audit devices (requests
// wait for those); invalidate_mu_ orders concurrent calls.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <set>

#include "audit/broker.h"
#include "core/barrier/barrier.h"
#include "core/cors_store.h"
#include "core/ha_state.h"
#include "core/identity/identity_store.h"
#include "core/policy_store.h"
#include "core/quotas/quota_manager.h"
#include "core/token/token_store.h"
#include "storage/cache.h"
#include "storage/write_gate.h"

namespace arca::core {
namespace {

constexpr auto kSetupRetry = std::chrono::seconds(1);

// The logical operation of an HTTP method, for StandbyMayServe (nullopt: never served).
std::optional<logical::Operation> OperationOf(std::string_view method) {
  if (method == "GET" || method == "HEAD") return logical::Operation::kRead;
  if (method == "LIST") return logical::Operation::kList;
  if (method == "POST" || method == "PUT") return logical::Operation::kUpdate;
  if (method == "DELETE") return logical::Operation::kDelete;
  return std::nullopt;
}

// Physical keys whose change rebuilds structure that requests use without a lock of their own.
bool NeedsExclusive(std::string_view key) {
  return key == kMountTablePath || key == kAuthTablePath || key == kKeyringPath ||
         key == kRootKeyUpgradePath || key.starts_with("core/audit");
}

}  // namespace

uint64_t Core::StorageWrites() const { return gate_->Writes(); }

void Core::SetStorageWriteObserver(
    std::function<void(std::span<const std::string_view> keys)> fn) {
  gate_->SetObserver(std::move(fn));
}

void Core::SetStorageResetObserver(std::function<void()> fn) {
  gate_->SetResetObserver(std::move(fn));
}

bool Core::StandbyMayServe(std::string_view method, std::string_view api_path) const {
  if (!StandbyReadsReady()) return false;
  auto op = OperationOf(method);
  if (!op) return false;
  if (api_path.starts_with("/")) api_path.remove_prefix(1);
  if (api_path.starts_with("v1/")) api_path.remove_prefix(3);
  return StandbyMayServeOp(*op, api_path);
}

bool Core::StandbyMayServeOp(logical::Operation op, std::string_view path) const {
  auto match = router_.Route(path);
  if (!match || match->route->backend() == nullptr) return false;
  return match->route->backend()->StandbySafe(op, match->relative_path);
}

// --- life cycle ---

Status Core::SetupStandbyReadsLocked() {
  // What the active node wrote since this node last read it is not in the cache: start empty.
  if (cache_ != nullptr) {
    cache_->Purge();
    cache_->SetEnabled(true);
  }
  ARCA_RETURN_IF_ERROR(barrier_->Reload());
  {
    std::lock_guard lock(unseal_mu_);
    seal_config_.reset();
    recovery_config_.reset();
  }
  // As PostUnseal, without anything that writes (a missing default is written by the active
  // node: the gate refuses the write here and the setup is retried), leases or periodic work.
  ARCA_RETURN_IF_ERROR(tokens_->Setup());
  ARCA_RETURN_IF_ERROR(policies_->Setup());
  LoadClusterInfo();
  if (cluster_id_.empty()) return ForwardToActive("the cluster information is not written yet");
  ARCA_RETURN_IF_ERROR(cors_->Load(*barrier_));
  ARCA_RETURN_IF_ERROR(LoadMounts(false));
  ARCA_RETURN_IF_ERROR(LoadMounts(true));
  ARCA_RETURN_IF_ERROR(identity_->Setup());
  ARCA_RETURN_IF_ERROR(audit_->Load());
  ARCA_RETURN_IF_ERROR(quotas_->Load());
  standby_reads_ready_.store(true, std::memory_order_release);
  return OkStatus();
}

void Core::StopStandbyReadsLocked() {
  standby_reads_ready_.store(false, std::memory_order_release);
  StopActiveLocked();  // the same teardown: router, mounts, tokens, policies, identity, audit
}

void Core::MaybeSetupStandbyReads() {
  if (!StandbyReadsEnabled() || StandbyReadsReady()) return;
  std::unique_lock state(state_mu_);
  if (sealed_ || !standby_.load() || StandbyReadsReady()) return;
  {
    std::lock_guard lock(ha_->mu);
    if (ha_->active || ha_->stop) return;
  }
  Status s = SetupStandbyReadsLocked();
  if (s) {
    ha_->standby_setup_failures = 0;
    spdlog::info("core: HA: this standby serves reads");
    return;
  }
  StopStandbyReadsLocked();
  // Expected for a moment after a cluster starts (the active node writes what is missing):
  // said once, then every minute.
  if (ha_->standby_setup_failures++ % 60 == 0) {
    spdlog::info("core: HA: standby reads not set up yet (retrying every second): {}",
                 s.error().message());
  }
}

void Core::StandbyReadsLoop() {
  while (!ha_->stop) {
    MaybeSetupStandbyReads();
    HaWait(std::chrono::duration_cast<std::chrono::milliseconds>(kSetupRetry));
  }
}

// --- invalidations ---

void Core::ApplyInvalidations(const std::vector<std::string>& keys) {
  if (!StandbyReadsEnabled() || keys.empty()) return;
  const bool exclusive = std::any_of(keys.begin(), keys.end(), NeedsExclusive);
  std::unique_lock<std::shared_mutex> unique_state(state_mu_, std::defer_lock);
  std::shared_lock<std::shared_mutex> shared_state(state_mu_, std::defer_lock);
  if (exclusive) {
    unique_state.lock();
  } else {
    shared_state.lock();
  }
  std::lock_guard lock(invalidate_mu_);
  if (sealed_ || !standby_.load()) return;  // the active node writes itself
  if (cache_ != nullptr) cache_->Invalidate(keys);
  if (!StandbyReadsReady()) return;  // the next setup reads everything afresh

  bool mounts = false, auth_mounts = false, keyring = false, audit = false, identity = false;
  bool quotas = false, cors = false;
  std::map<std::string, std::vector<std::string>> by_uuid;  // "logical/<uuid>/" -> rest
  for (const std::string& key : keys) {
    std::string_view k = key;
    if (k == kMountTablePath) {
      mounts = true;
    } else if (k == kAuthTablePath) {
      auth_mounts = true;
    } else if (k == kKeyringPath || k == kRootKeyUpgradePath) {
      keyring = true;
    } else if (k.starts_with("core/audit")) {
      audit = true;
    } else if (k.starts_with("core/identity/")) {
      identity = true;
    } else if (k == kCorsConfigPath) {
      cors = true;
    } else if (k.starts_with("sys/policy/")) {
      policies_->Invalidate(k.substr(11));
    } else if (k.starts_with("sys/token/")) {
      tokens_->Invalidate(k.substr(10));
    } else if (k.starts_with("sys/quotas/")) {
      quotas = true;
    } else if (k.starts_with("logical/") || k.starts_with("auth/")) {
      const size_t first = k.find('/');
      const size_t second = k.find('/', first + 1);
      if (second == std::string_view::npos) continue;
      by_uuid[std::string(k.substr(0, second + 1))].emplace_back(k.substr(second + 1));
    }
    // sys/expire/ (leases), sys/password_policy/ (read from storage each time), core/lock and
    // the rest: nothing held in memory beyond the storage cache.
  }
  auto report = [](std::string_view what, const Status& s) {
    if (!s) {
      spdlog::error("core: HA standby: applying the active node's change of {}: {}", what,
                    s.error().message());
    }
  };
  if (keyring) report("the keyring", barrier_->Reload());
  if (mounts) report("the mount table", ReloadMountsLocked(false));
  if (auth_mounts) report("the auth table", ReloadMountsLocked(true));
  if (audit) {
    audit_->Reset();
    report("the audit devices", audit_->Load());
  }
  if (identity) report("the identity store", identity_->Setup());
  if (quotas) report("the quotas", quotas_->Load());
  if (cors) report("the CORS settings", cors_->Load(*barrier_));
  if (!by_uuid.empty()) {
    // The backends by their storage prefix.
    std::map<std::string, std::string> route_of;  // prefix -> router path
    {
      std::lock_guard lock(mounts_mu_);
      for (const auto* table : {&mounts_, &auth_mounts_}) {
        for (const MountEntry& e : *table) route_of[e.StoragePrefix()] = e.RouterPath();
      }
    }
    for (const auto& [prefix, rest] : by_uuid) {
      auto it = route_of.find(prefix);
      if (it == route_of.end()) continue;
      auto route = router_.Find(it->second);
      if (!route || route->backend() == nullptr) continue;
      for (const std::string& r : rest) route->backend()->InvalidateKey(r);
    }
  }
}

void Core::PurgeStandbyState() {
  if (!StandbyReadsEnabled()) return;
  std::unique_lock state(state_mu_);
  std::lock_guard lock(invalidate_mu_);
  if (sealed_ || !standby_.load()) return;
  if (cache_ != nullptr) cache_->Purge();
  if (!StandbyReadsReady()) return;
  StopStandbyReadsLocked();
  if (Status s = SetupStandbyReadsLocked(); !s) {
    StopStandbyReadsLocked();
    spdlog::warn("core: HA standby: reloading the state failed (retrying): {}",
                 s.error().message());
  }
}

Status Core::ReloadMountsLocked(bool is_auth) {
  std::lock_guard lock(mounts_mu_);
  ARCA_ASSIGN_OR_RETURN(auto raw, barrier_->Get(is_auth ? kAuthTablePath : kMountTablePath));
  if (!raw) return OkStatus();  // never removed once written
  ARCA_ASSIGN_OR_RETURN(std::vector<MountEntry> fresh, ParseMountTable(*raw, is_auth));
  std::vector<MountEntry>& table = is_auth ? auth_mounts_ : mounts_;
  auto by_uuid = [](const std::vector<MountEntry>& t) {
    std::map<std::string, const MountEntry*> m;
    for (const MountEntry& e : t) m[e.uuid] = &e;
    return m;
  };
  const auto old_by = by_uuid(table);
  const auto new_by = by_uuid(fresh);
  // Removed, moved or changed beyond a tune: unmounted (and mounted again below).
  std::set<std::string> rebuild;
  for (const auto& [uuid, old] : old_by) {
    auto it = new_by.find(uuid);
    const bool gone = it == new_by.end();
    const bool moved = !gone && (it->second->RouterPath() != old->RouterPath() ||
                                 it->second->type != old->type ||
                                 it->second->options != old->options);
    if (gone || moved) {
      router_.Unmount(old->RouterPath());
      if (!gone) rebuild.insert(uuid);
    }
  }
  for (const MountEntry& e : fresh) {
    auto it = old_by.find(e.uuid);
    if (it == old_by.end() || rebuild.contains(e.uuid)) {
      auto route = BuildRoute(e);
      if (!route) {
        spdlog::error("core: HA standby: cannot mount {} ({}): {}", e.RouterPath(), e.type,
                      route.error().message());
        continue;  // requests to it are forwarded
      }
      if (Status s = router_.Mount(*route); !s) {
        spdlog::error("core: HA standby: mounting {}: {}", e.RouterPath(), s.error().message());
      }
      continue;
    }
    // Same mount: a tune (config, description) takes effect in place.
    if (auto route = router_.Find(e.RouterPath())) route->SetEntry(e);
  }
  table = std::move(fresh);
  return OkStatus();
}

}  // namespace arca::core
