// ExpirationManager: restore on unseal, the worker threads and the handling of a due lease.
#include <spdlog/spdlog.h>

#include <algorithm>

#include "core/expiration/expiration_manager.h"

namespace arca::core {

Status ExpirationManager::Restore() {
  std::lock_guard life(lifecycle_mu_);
  if (!workers_.empty()) return OkStatus();  // already running
  ARCA_ASSIGN_OR_RETURN(auto irrevocable, storage_.List(kIrrevocablePrefix));
  ARCA_ASSIGN_OR_RETURN(auto buckets, storage_.List(kDuePrefix));
  size_t loaded = 0, bad = 0, since_release = 0;
  std::vector<DueIndexItem> items;
  for (const std::string& bucket : buckets) {
    if (!bucket.ends_with('/')) {
      ++bad;
      continue;
    }
    ARCA_ASSIGN_OR_RETURN(auto leaves, storage_.List(std::string(kDuePrefix) + bucket));
    items.clear();
    items.reserve(leaves.size());
    for (std::string& leaf : leaves) {
      auto item = ParseDueLeaf(leaf);
      if (item) {
        items.push_back(std::move(*item));
      } else {
        ++bad;
      }
      std::string().swap(leaf);  // free as we go: a bucket may hold a million keys
    }
    {
      std::lock_guard lock(mu_);
      for (DueIndexItem& item : items) schedule_.Add(item.expire, std::move(item.lease_id));
    }
    loaded += items.size();
    since_release += leaves.size();
    if (options_.release_memory && since_release >= options_.release_memory_every) {
      options_.release_memory();
      since_release = 0;
    }
  }
  if (options_.release_memory) options_.release_memory();
  {
    std::lock_guard lock(mu_);
    irrevocable_count_ = static_cast<int64_t>(irrevocable.size());
    stopping_ = false;
  }
  if (bad > 0) spdlog::warn("expiration: ignored {} malformed due index keys", bad);
  spdlog::info("expiration: restored {} leases ({} irrevocable)", loaded, irrevocable.size());
  for (int i = 0; i < std::max(1, options_.workers); ++i) {
    workers_.emplace_back([this] { WorkerLoop(); });
  }
  return OkStatus();
}

void ExpirationManager::Stop() {
  std::lock_guard life(lifecycle_mu_);
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  work_cv_.notify_all();
  for (std::thread& t : workers_) t.join();
  workers_.clear();
  std::lock_guard lock(mu_);
  schedule_.Clear();
  irrevocable_count_ = 0;
  stopping_ = false;
}

void ExpirationManager::Wake() { work_cv_.notify_all(); }

std::chrono::seconds ExpirationManager::Backoff(int attempts) const {
  std::chrono::seconds d = options_.retry_base;
  for (int i = 1; i < attempts && d < options_.retry_max; ++i) d *= 2;
  return std::clamp(d, std::chrono::seconds(1), std::max(options_.retry_max,
                                                         std::chrono::seconds(1)));
}

void ExpirationManager::WorkerLoop() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    int64_t now = Now();
    auto next = schedule_.NextDue();
    if (!next || *next > now) {
      auto wait = options_.max_sleep;
      if (next) {
        wait = std::min<std::chrono::milliseconds>(wait, std::chrono::seconds(*next - now));
      }
      work_cv_.wait_for(lock, wait);
      continue;
    }
    auto item = schedule_.PopDue(now);
    if (!item) continue;
    if (claimed_.contains(item->lease_id)) {
      // An API call is working on this lease: look again shortly.
      schedule_.AddRetry(now + 1, std::move(item->lease_id), item->expire, item->attempts);
      continue;
    }
    claimed_.insert(item->lease_id);
    lock.unlock();
    ProcessItem(*item);
    Release(item->lease_id);
    lock.lock();
  }
}

size_t ExpirationManager::RunDue() {
  size_t handled = 0;
  const int64_t now = Now();
  for (;;) {
    std::optional<LeaseSchedule::Item> item;
    {
      std::lock_guard lock(mu_);
      item = schedule_.PopDue(now);
      if (!item) break;
      if (!claimed_.insert(item->lease_id).second) {
        schedule_.AddRetry(now + 1, std::move(item->lease_id), item->expire, item->attempts);
        continue;
      }
    }
    ProcessItem(*item);
    Release(item->lease_id);
    ++handled;
  }
  return handled;
}

void ExpirationManager::ProcessItem(const LeaseSchedule::Item& item) {
  const std::string& id = item.lease_id;
  auto loaded = Load(id);
  if (!loaded) {
    // Storage trouble (sealing, I/O): try again later; this does not count as a failed attempt.
    spdlog::warn("expiration: loading due lease {}: {}", id, loaded.error().message());
    ScheduleRetry(id, item.expire, item.attempts);
    return;
  }
  if (!*loaded || (*loaded)->expire_time != item.expire || (*loaded)->irrevocable) {
    // A stale index key (entry gone, renewed, or given up on): drop it.
    (void)storage_.Delete(DueKey(item.expire, id));
    return;
  }
  LeaseEntry& e = **loaded;
  if (e.expire_time > Now()) {  // the clock went back: not due after all
    std::lock_guard lock(mu_);
    schedule_.Add(e.expire_time, id);
    return;
  }
  Status revoked = revoke_(e);
  if (revoked) {
    if (auto s = DeleteLease(e); !s) {
      spdlog::warn("expiration: deleting revoked lease {}: {}", id, s.error().message());
      ScheduleRetry(id, item.expire, item.attempts);
    }
    return;
  }
  int attempts = item.attempts + 1;
  const std::string& why = revoked.error().message();
  if (attempts >= options_.max_revoke_attempts) {
    spdlog::error("expiration: giving up on revoking {} after {} attempts: {}", id, attempts,
                  why);
    if (auto s = MarkIrrevocable(e, why); !s) {
      spdlog::warn("expiration: marking {} irrevocable: {}", id, s.error().message());
      ScheduleRetry(id, item.expire, attempts);
    }
    return;
  }
  spdlog::warn("expiration: revoking {} failed (attempt {}), will retry: {}", id, attempts, why);
  ScheduleRetry(id, item.expire, attempts);
}

}  // namespace arca::core
