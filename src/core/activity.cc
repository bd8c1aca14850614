#include "core/activity.h"

#include <algorithm>
#include <atomic>
#include <ctime>

#include "core/token/token_entry.h"

namespace arca::core {
namespace {

std::atomic<uint64_t> g_instances{0};

// Vault's non-entity client id: the namespace and the sorted policies.
std::string NonEntityKey(const TokenEntry& e) {
  std::vector<std::string> p = e.policies;
  std::sort(p.begin(), p.end());
  std::string key = "root";
  for (const auto& s : p) {
    key.push_back('\0');
    key += s;
  }
  return key;
}

}  // namespace

ActivityLog::ActivityLog(std::function<int64_t()> now_unix)
    : now_(std::move(now_unix)), instance_(++g_instances) {}
ActivityLog::~ActivityLog() = default;

int64_t ActivityLog::MonthStart(int64_t unix_seconds) {
  std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  tm.tm_mday = 1;
  tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
  return static_cast<int64_t>(timegm(&tm));
}

int64_t ActivityLog::NextMonthStart(int64_t unix_seconds) {
  std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  tm.tm_mday = 1;
  tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
  tm.tm_mon += 1;  // timegm normalises December + 1
  return static_cast<int64_t>(timegm(&tm));
}

ActivityLog::Slot& ActivityLog::ThreadSlot() {
  thread_local std::vector<std::pair<uint64_t, std::shared_ptr<Slot>>> cached;
  for (auto& [instance, slot] : cached) {
    if (instance == instance_) return *slot;
  }
  auto slot = std::make_shared<Slot>();
  {
    std::lock_guard lock(slots_mu_);
    slots_.push_back(slot);
  }
  if (cached.size() >= 8) cached.erase(cached.begin());
  cached.emplace_back(instance_, slot);
  return *slot;
}

void ActivityLog::Record(const std::shared_ptr<const TokenEntry>& token) {
  if (!token) return;
  const int64_t now = now_();
  Slot& slot = ThreadSlot();
  std::lock_guard lock(slot.mu);
  if (now >= slot.month_end || now < slot.month_start) {
    slot.month_start = MonthStart(now);
    slot.month_end = NextMonthStart(now);
    slot.entities.clear();
    slot.non_entities.clear();
    slot.last = nullptr;
  }
  if (slot.last == token) return;  // the common case: the same token again
  slot.last = token;
  if (!token->entity_id.empty()) {
    slot.entities.insert(token->entity_id);
  } else {
    slot.non_entities.insert(NonEntityKey(*token));
  }
}

ActivityLog::Counts ActivityLog::Current() const {
  const int64_t now = now_();
  Counts c;
  c.month_start = MonthStart(now);
  std::vector<std::shared_ptr<Slot>> slots;
  {
    std::lock_guard lock(slots_mu_);
    slots = slots_;
  }
  std::unordered_set<std::string> entities, non_entities;
  for (const auto& s : slots) {
    std::lock_guard lock(s->mu);
    if (s->month_start != c.month_start) continue;  // an older month's leftovers
    entities.insert(s->entities.begin(), s->entities.end());
    non_entities.insert(s->non_entities.begin(), s->non_entities.end());
  }
  c.entity_clients = static_cast<int64_t>(entities.size());
  c.non_entity_clients = static_cast<int64_t>(non_entities.size());
  return c;
}

}  // namespace arca::core
