// ExpirationManager: revocation (one lease, a prefix, a token's leases) and the storage side of
// removing a lease or giving up on it.
#include <spdlog/spdlog.h>

#include <algorithm>

#include "core/expiration/expiration_manager.h"

namespace arca::core {

Status ExpirationManager::DeleteLease(const LeaseEntry& entry) {
  // The entry goes first: leftover index keys without it are stale and harmless, while an entry
  // without its due key would never expire.
  ARCA_RETURN_IF_ERROR(storage_.Delete(LeaseEntryKey(entry.lease_id)));
  Status first = OkStatus();
  auto note = [&first](Status s) {
    if (!s && first) first = std::move(s);
  };
  note(storage_.Delete(DueKey(entry.expire_time, entry.lease_id)));
  if (!entry.token_hash.empty()) {
    note(storage_.Delete(TokenIndexKey(entry.token_hash, entry.lease_id)));
  }
  if (entry.irrevocable) note(storage_.Delete(IrrevocableKey(entry.lease_id)));
  {
    std::lock_guard lock(mu_);
    schedule_.Remove(entry.expire_time, entry.lease_id);
    if (entry.irrevocable && irrevocable_count_ > 0) --irrevocable_count_;
  }
  if (!first) {
    spdlog::warn("expiration: lease {} deleted, but an index key remains: {}", entry.lease_id,
                 first.error().message());
  }
  return OkStatus();
}

Status ExpirationManager::MarkIrrevocable(LeaseEntry& entry, const std::string& error) {
  ARCA_RETURN_IF_ERROR(storage_.Put(IrrevocableKey(entry.lease_id), ""));
  entry.irrevocable = true;
  entry.revoke_error = error;
  ARCA_RETURN_IF_ERROR(
      storage_.Put(LeaseEntryKey(entry.lease_id), json::serialize(entry.ToJson())));
  {
    std::lock_guard lock(mu_);
    ++irrevocable_count_;
    schedule_.Remove(entry.expire_time, entry.lease_id);
  }
  // A leftover due key finds the entry irrevocable and is dropped when it fires.
  (void)storage_.Delete(DueKey(entry.expire_time, entry.lease_id));
  return OkStatus();
}

Status ExpirationManager::RevokeClaimed(std::string_view lease_id, bool force) {
  ARCA_ASSIGN_OR_RETURN(auto loaded, Load(lease_id));
  if (!loaded) return OkStatus();
  if (Status s = revoke_(*loaded); !s) {
    if (!force) return std::unexpected(s.error().WithContext("failed to revoke lease"));
    spdlog::warn("expiration: force-revoking {} despite a backend error: {}", lease_id,
                 s.error().message());
  }
  return DeleteLease(*loaded);
}

Status ExpirationManager::Revoke(std::string_view lease_id, bool force) {
  if (lease_id.empty()) return InvalidRequest("lease_id must be specified");
  std::string id(lease_id);
  Claim(id);
  ClaimGuard guard(*this, id);
  return RevokeClaimed(id, force);
}

Status ExpirationManager::RevokeAsync(std::string_view lease_id) {
  if (lease_id.empty()) return InvalidRequest("lease_id must be specified");
  std::string id(lease_id);
  Claim(id);
  ClaimGuard guard(*this, id);
  ARCA_ASSIGN_OR_RETURN(auto loaded, Load(id));
  if (!loaded) return OkStatus();
  // Irrevocable leases are not retried by the workers: revoke them here.
  if (loaded->irrevocable) return RevokeClaimed(id, false);
  int64_t now = Now();
  if (loaded->expire_time > now) ARCA_RETURN_IF_ERROR(SetExpiry(*loaded, now));
  Wake();
  return OkStatus();
}

Status ExpirationManager::WalkLeases(const std::string& folder,
                                     const std::function<Status(const std::string&)>& fn) {
  ARCA_ASSIGN_OR_RETURN(auto names, storage_.List(std::string(kLeaseIdPrefix) + folder));
  for (const std::string& name : names) {
    if (name.ends_with('/')) {
      ARCA_RETURN_IF_ERROR(WalkLeases(folder + name, fn));
    } else {
      ARCA_RETURN_IF_ERROR(fn(folder + name));
    }
  }
  return OkStatus();
}

Status ExpirationManager::RevokePrefix(std::string_view prefix, bool force, bool sync) {
  std::string p(prefix);
  while (!p.empty() && p.front() == '/') p.erase(p.begin());
  auto revoke_one = [&](const std::string& id) -> Status {
    return sync ? Revoke(id, force) : RevokeAsync(id);
  };
  if (!p.empty() && p.back() != '/') {
    // A whole lease id is revoked alone (Vault's behaviour).
    ARCA_ASSIGN_OR_RETURN(auto e, Load(p));
    if (e) return revoke_one(p);
    p += '/';
  }
  return WalkLeases(p, revoke_one);
}

void ExpirationManager::ScheduleRetry(std::string lease_id, int64_t expire, int attempts) {
  int64_t when = Now() + Backoff(attempts).count();
  {
    std::lock_guard lock(mu_);
    schedule_.Remove(expire, lease_id);
    schedule_.AddRetry(when, std::move(lease_id), expire, attempts);
  }
  work_cv_.notify_one();
}

Status ExpirationManager::RevokeByToken(std::string_view token_hash) {
  if (token_hash.empty() || token_hash.find('/') != std::string_view::npos) {
    return InvalidRequest("bad token hash");
  }
  const std::string folder = std::string(kTokenIndexPrefix) + std::string(token_hash) + "/";
  ARCA_ASSIGN_OR_RETURN(auto names, storage_.List(folder));
  Status first = OkStatus();
  for (const std::string& name : names) {
    auto id = UnescapeLeaseId(name);
    if (!id) {
      (void)storage_.Delete(folder + name);
      continue;
    }
    if (!TryClaim(*id)) {
      // When the holder works on the token's own lease, it is revoking this very token (we are
      // inside its callback, maybe on this thread) and deletes that lease afterwards. Holders of
      // other leases never wait on the token store: waiting for them cannot deadlock.
      ARCA_ASSIGN_OR_RETURN(auto peek, Load(*id));
      if (peek && peek->is_auth) continue;
      Claim(*id);
    }
    ClaimGuard guard(*this, *id);
    ARCA_ASSIGN_OR_RETURN(auto e, Load(*id));
    if (!e || e->token_hash != token_hash) {  // stale index key
      (void)storage_.Delete(folder + name);
      continue;
    }
    if (e->is_auth) {
      ARCA_RETURN_IF_ERROR(DeleteLease(*e));
      continue;
    }
    if (Status s = revoke_(*e); !s) {
      spdlog::warn("expiration: revoking {} of a revoked token failed, will retry: {}", *id,
                   s.error().message());
      if (!e->irrevocable) {
        // The lease ends now; the workers retry with backoff.
        if (auto moved = SetExpiry(*e, std::min(e->expire_time, Now())); moved) {
          ScheduleRetry(*id, e->expire_time, 1);
        }
      }
      if (first) first = std::unexpected(s.error().WithContext("failed to revoke lease " + *id));
      continue;
    }
    ARCA_RETURN_IF_ERROR(DeleteLease(*e));
  }
  return first;
}

}  // namespace arca::core
