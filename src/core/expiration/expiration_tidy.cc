// ExpirationManager::Tidy: repairs what crashes between writes can leave behind, and revokes the
// leases of tokens that no longer exist. Every lease is checked under its claim, so a lease
// being registered or renewed (whose index key is written ahead of its entry) is skipped.
#include <spdlog/spdlog.h>

#include "core/expiration/expiration_manager.h"

namespace arca::core {
namespace {

// Lists every leaf key under `folder` (one level of sub-folders: due/<bucket>/, token/<hash>/).
Result<std::vector<std::string>> ListTwoLevels(logical::Storage& s, std::string_view folder) {
  std::vector<std::string> out;
  ARCA_ASSIGN_OR_RETURN(auto subs, s.List(folder));
  for (const std::string& sub : subs) {
    if (!sub.ends_with('/')) {
      out.push_back(std::string(folder) + sub);  // not expected at this level
      continue;
    }
    ARCA_ASSIGN_OR_RETURN(auto leaves, s.List(std::string(folder) + sub));
    for (const std::string& leaf : leaves) out.push_back(std::string(folder) + sub + leaf);
  }
  return out;
}

}  // namespace

Result<ExpirationManager::TidyStats> ExpirationManager::Tidy() {
  TidyStats st;
  int64_t irrevocable = 0;

  // Entries: every live lease keeps its due key; leases of dead tokens go.
  ARCA_RETURN_IF_ERROR(WalkLeases("", [&](const std::string& id) -> Status {
    if (!TryClaim(id)) return OkStatus();
    ClaimGuard guard(*this, id);
    ARCA_ASSIGN_OR_RETURN(auto e, Load(id));
    if (!e) return OkStatus();
    ++st.leases_checked;
    if (!e->token_hash.empty() && options_.token_valid && !options_.token_valid(e->token_hash)) {
      // A token lease of a missing token only needs deleting; a secret lease is revoked.
      Status s = e->is_auth ? OkStatus() : revoke_(*e);
      if (s) {
        ARCA_RETURN_IF_ERROR(DeleteLease(*e));
        ++st.revoked_dead_token;
        return OkStatus();
      }
      spdlog::warn("tidy: revoking {} of a missing token: {}", id, s.error().message());
    }
    if (e->irrevocable) {
      ++irrevocable;
      ARCA_ASSIGN_OR_RETURN(auto key, storage_.Get(IrrevocableKey(id)));
      if (!key) ARCA_RETURN_IF_ERROR(storage_.Put(IrrevocableKey(id), ""));
      return OkStatus();
    }
    std::string due = DueKey(e->expire_time, id);
    ARCA_ASSIGN_OR_RETURN(auto key, storage_.Get(due));
    if (!key) {
      ARCA_RETURN_IF_ERROR(storage_.Put(due, ""));
      std::lock_guard lock(mu_);
      schedule_.Add(e->expire_time, id);
      ++st.due_index_repaired;
    }
    return OkStatus();
  }));

  // Index keys: each must match an entry. Keys of claimed (busy) leases are left alone.
  auto check_index = [&](const std::string& key, const std::string& id,
                         const std::function<bool(const LeaseEntry&)>& matches) -> Status {
    if (!TryClaim(id)) return OkStatus();
    ClaimGuard guard(*this, id);
    ARCA_ASSIGN_OR_RETURN(auto e, Load(id));
    if (e && matches(*e)) return OkStatus();
    ARCA_RETURN_IF_ERROR(storage_.Delete(key));
    ++st.stale_index_removed;
    return OkStatus();
  };

  ARCA_ASSIGN_OR_RETURN(auto due_keys, ListTwoLevels(storage_, kDuePrefix));
  for (const std::string& key : due_keys) {
    std::string_view leaf = std::string_view(key).substr(key.rfind('/') + 1);
    auto item = ParseDueLeaf(leaf);
    if (!item) {
      ARCA_RETURN_IF_ERROR(storage_.Delete(key));
      ++st.stale_index_removed;
      continue;
    }
    int64_t expire = item->expire;
    ARCA_RETURN_IF_ERROR(check_index(key, item->lease_id, [expire](const LeaseEntry& e) {
      return !e.irrevocable && e.expire_time == expire;
    }));
  }

  ARCA_ASSIGN_OR_RETURN(auto token_keys, ListTwoLevels(storage_, kTokenIndexPrefix));
  for (const std::string& key : token_keys) {
    std::string_view rest = std::string_view(key).substr(kTokenIndexPrefix.size());
    size_t slash = rest.find('/');
    auto id = slash == std::string_view::npos ? Result<std::string>(InvalidRequest("bad key"))
                                              : UnescapeLeaseId(rest.substr(slash + 1));
    if (!id) {
      ARCA_RETURN_IF_ERROR(storage_.Delete(key));
      ++st.stale_index_removed;
      continue;
    }
    std::string hash(rest.substr(0, slash));
    ARCA_RETURN_IF_ERROR(check_index(
        key, *id, [&hash](const LeaseEntry& e) { return e.token_hash == hash; }));
  }

  ARCA_ASSIGN_OR_RETURN(auto irrevocable_names, storage_.List(kIrrevocablePrefix));
  for (const std::string& name : irrevocable_names) {
    std::string key = std::string(kIrrevocablePrefix) + name;
    auto id = UnescapeLeaseId(name);
    if (!id) {
      ARCA_RETURN_IF_ERROR(storage_.Delete(key));
      ++st.stale_index_removed;
      continue;
    }
    ARCA_RETURN_IF_ERROR(
        check_index(key, *id, [](const LeaseEntry& e) { return e.irrevocable; }));
  }

  {
    std::lock_guard lock(mu_);
    irrevocable_count_ = irrevocable;
  }
  spdlog::info("expiration: tidy checked {} leases, removed {} stale index keys, repaired {}, "
               "revoked {} of missing tokens",
               st.leases_checked, st.stale_index_removed, st.due_index_repaired,
               st.revoked_dead_token);
  return st;
}

}  // namespace arca::core
