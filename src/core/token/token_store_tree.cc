// TokenStore: the parent/child tree — revocation of subtrees, revoke-orphan, listing, tidy.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <mutex>
#include <unordered_set>
#include <utility>

#include "core/token/token_batch.h"
#include "core/token/token_store.h"

namespace arca::core {
namespace {

std::string ChildDir(std::string_view parent_hash) {
  return "parent/" + std::string(parent_hash) + "/";
}

}  // namespace

Result<std::vector<std::string>> TokenStore::ListAccessors() {
  ARCA_ASSIGN_OR_RETURN(std::vector<std::string> keys, view_.List("id/"));
  std::vector<std::string> out;
  for (const auto& k : keys) {
    auto e = Read(k);
    if (e && *e) out.push_back((*e)->accessor);
  }
  std::sort(out.begin(), out.end());
  return out;
}

Result<std::vector<std::string>> TokenStore::ListChildren(std::string_view id_hash) {
  ARCA_ASSIGN_OR_RETURN(auto keys, view_.List(ChildDir(id_hash)));
  std::erase_if(keys, [](const std::string& k) { return k.ends_with('/'); });
  return keys;
}

Status TokenStore::Revoke(std::string_view token) {
  if (IsBatchToken(token)) return InvalidRequest("batch tokens cannot be revoked");
  ARCA_ASSIGN_OR_RETURN(std::string hash, HashChecked(token));
  return RevokeTree(hash);
}

Status TokenStore::RevokeTree(std::string_view id_hash) {
  std::lock_guard write(write_mu_);
  return RevokeTreeLocked(id_hash);
}

Status TokenStore::RevokeTreeLocked(std::string_view id_hash) {
  // Depth-first with an explicit stack: a node is revoked after all of its children
  // ("expanded" marks the second visit), so no deep recursion and no orphaned subtrees when a
  // revocation stops half-way.
  std::vector<std::pair<std::string, bool>> stack{{std::string(id_hash), false}};
  std::unordered_set<std::string> seen;
  while (!stack.empty()) {
    auto [hash, expanded] = std::move(stack.back());
    stack.pop_back();
    if (expanded) {
      ARCA_RETURN_IF_ERROR(RevokeOneLocked(hash));
      continue;
    }
    if (!seen.insert(hash).second) continue;
    ARCA_ASSIGN_OR_RETURN(auto children, ListChildren(hash));
    stack.emplace_back(hash, true);
    for (auto& c : children) stack.emplace_back(std::move(c), false);
  }
  return OkStatus();
}

Status TokenStore::RevokeOneLocked(std::string_view id_hash) {
  const std::string hash(id_hash);
  ARCA_ASSIGN_OR_RETURN(auto entry, Read(hash));
  if (entry) {
    ARCA_ASSIGN_OR_RETURN(std::string acc_hash, HashChecked(entry->accessor));
    ARCA_RETURN_IF_ERROR(view_.Delete("accessor/" + acc_hash));
  }
  // Storage first, cache second: a lookup racing with us either reads nothing or loses its
  // cache insert to the generation bump.
  ARCA_RETURN_IF_ERROR(view_.Delete("id/" + hash));
  if (entry && !entry->parent.empty()) {
    ARCA_RETURN_IF_ERROR(view_.Delete(ChildDir(entry->parent) + hash));
  }
  ARCA_RETURN_IF_ERROR(logical::DeleteTree(view_, ChildDir(hash)));
  CacheErase(hash);
  if (entry && revoke_hook_) revoke_hook_(*entry);
  return OkStatus();
}

Status TokenStore::RevokeOrphan(std::string_view id_hash) {
  std::lock_guard write(write_mu_);
  ARCA_ASSIGN_OR_RETURN(auto children, ListChildren(id_hash));
  for (const auto& c : children) {
    ARCA_ASSIGN_OR_RETURN(auto child, Read(c));
    if (!child) continue;
    child->parent.clear();
    child->orphan = true;
    ARCA_RETURN_IF_ERROR(logical::PutJson(view_, "id/" + c, child->ToStorageJson()));
    CacheUpdate(*child);
  }
  return RevokeOneLocked(id_hash);
}

Result<TokenStore::TidyStats> TokenStore::Tidy() {
  std::lock_guard write(write_mu_);
  TidyStats stats;
  const int64_t now = Now();

  // Expired tokens go with their subtrees.
  ARCA_ASSIGN_OR_RETURN(auto ids, view_.List("id/"));
  for (const auto& h : ids) {
    auto e = Read(h);
    if (!e) {
      spdlog::warn("token tidy: skipping unreadable entry: {}", e.error().message());
      continue;
    }
    if (*e && (*e)->Expired(now)) {
      ARCA_RETURN_IF_ERROR(RevokeTreeLocked(h));
      ++stats.expired_revoked;
    }
  }

  // Child index: drop entries of missing or re-parented children; revoke children whose
  // parent is gone (a revocation that stopped half-way).
  ARCA_ASSIGN_OR_RETURN(auto parents, view_.List("parent/"));
  for (const auto& dir : parents) {
    if (!dir.ends_with('/')) continue;
    std::string parent = dir.substr(0, dir.size() - 1);
    ARCA_ASSIGN_OR_RETURN(auto parent_entry, Read(parent));
    ARCA_ASSIGN_OR_RETURN(auto children, ListChildren(parent));
    for (const auto& c : children) {
      ARCA_ASSIGN_OR_RETURN(auto child, Read(c));
      if (!child || child->parent != parent) {
        ARCA_RETURN_IF_ERROR(view_.Delete(ChildDir(parent) + c));
        ++stats.child_index_removed;
      } else if (!parent_entry) {
        ARCA_RETURN_IF_ERROR(RevokeTreeLocked(c));
        ++stats.orphans_revoked;
      }
    }
  }

  // Accessor index entries pointing at missing tokens.
  ARCA_ASSIGN_OR_RETURN(auto accessors, view_.List("accessor/"));
  for (const auto& a : accessors) {
    ARCA_ASSIGN_OR_RETURN(auto target, view_.Get("accessor/" + a));
    if (!target) continue;
    ARCA_ASSIGN_OR_RETURN(auto exists, view_.Get("id/" + *target));
    if (!exists) {
      ARCA_RETURN_IF_ERROR(view_.Delete("accessor/" + a));
      ++stats.accessors_removed;
    }
  }
  spdlog::info(
      "token tidy: {} expired tokens revoked, {} orphaned tokens revoked, {} child index "
      "entries and {} accessor entries removed",
      stats.expired_revoked, stats.orphans_revoked, stats.child_index_removed,
      stats.accessors_removed);
  return stats;
}

}  // namespace arca::core
