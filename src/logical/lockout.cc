#include "logical/lockout.h"

namespace arca::logical {
namespace {

Result<int64_t> IntOf(const json::object& o, std::string_view k, int64_t dflt) {
  const json::value* v = o.if_contains(k);
  if (v == nullptr) return dflt;
  if (v->is_int64()) return v->as_int64();
  if (v->is_uint64()) return static_cast<int64_t>(v->as_uint64());
  return Internal("lockout config: \"" + std::string(k) + "\" is not an integer");
}

}  // namespace

json::object LockoutConfig::ToJson() const {
  return json::object{{"lockout_threshold", threshold},
                      {"lockout_duration", duration.count()},
                      {"lockout_counter_reset", counter_reset.count()},
                      {"lockout_disable", disable}};
}

Result<LockoutConfig> LockoutConfig::FromJson(const json::object& o) {
  LockoutConfig c;
  ARCA_ASSIGN_OR_RETURN(c.threshold, IntOf(o, "lockout_threshold", c.threshold));
  ARCA_ASSIGN_OR_RETURN(int64_t d, IntOf(o, "lockout_duration", c.duration.count()));
  ARCA_ASSIGN_OR_RETURN(int64_t r, IntOf(o, "lockout_counter_reset", c.counter_reset.count()));
  c.duration = std::chrono::seconds(d);
  c.counter_reset = std::chrono::seconds(r);
  if (const auto* v = o.if_contains("lockout_disable")) {
    if (!v->is_bool()) return Internal("lockout config: \"lockout_disable\" is not a bool");
    c.disable = v->as_bool();
  }
  return c;
}

LockoutRegistry& LockoutRegistry::Global() {
  static LockoutRegistry* r = new LockoutRegistry();
  return *r;
}

bool LockoutRegistry::IsLocked(std::string_view accessor, std::string_view alias,
                               const LockoutConfig& config, Clock::time_point now) {
  if (config.disable) return false;
  std::lock_guard l(mu_);
  auto it = entries_.find(Key(accessor, alias));
  if (it == entries_.end()) return false;
  if (it->second.locked_until == Clock::time_point{}) return false;
  if (now < it->second.locked_until) return true;
  entries_.erase(it);  // the lock ran out: start over
  return false;
}

bool LockoutRegistry::RecordFailure(std::string_view accessor, std::string_view alias,
                                    const LockoutConfig& config, Clock::time_point now) {
  if (config.disable || config.threshold <= 0) return false;
  std::lock_guard l(mu_);
  Entry& e = entries_[Key(accessor, alias)];
  if (e.failures > 0 && now - e.last_failure >= config.counter_reset) e.failures = 0;
  e.failures++;
  e.last_failure = now;
  if (e.failures >= config.threshold && e.locked_until == Clock::time_point{}) {
    e.locked_until = now + config.duration;
    return true;
  }
  return false;
}

void LockoutRegistry::RecordSuccess(std::string_view accessor, std::string_view alias) {
  std::lock_guard l(mu_);
  entries_.erase(Key(accessor, alias));
}

void LockoutRegistry::Unlock(std::string_view accessor, std::string_view alias) {
  RecordSuccess(accessor, alias);
}

void LockoutRegistry::ForgetMount(std::string_view accessor) {
  std::lock_guard l(mu_);
  auto it = entries_.lower_bound(Key(accessor, ""));
  while (it != entries_.end() && it->first.first == accessor) it = entries_.erase(it);
}

json::object LockoutRegistry::LockedUsersResponse(std::string_view only_accessor,
                                                  Clock::time_point now) {
  std::map<std::string, json::array> by_mount;
  {
    std::lock_guard l(mu_);
    for (const auto& [key, e] : entries_) {
      if (!only_accessor.empty() && key.first != only_accessor) continue;
      if (e.locked_until == Clock::time_point{} || now >= e.locked_until) continue;
      by_mount[key.first].emplace_back(key.second);
    }
  }
  int64_t total = 0;
  json::array mounts;
  for (auto& [acc, aliases] : by_mount) {
    int64_t n = static_cast<int64_t>(aliases.size());
    total += n;
    mounts.push_back(json::object{
        {"mount_accessor", acc}, {"counts", n}, {"alias_identifiers", std::move(aliases)}});
  }
  json::array ns;
  if (total > 0) {
    ns.push_back(json::object{{"namespace_id", "root"},
                              {"namespace_path", ""},
                              {"counts", total},
                              {"mount_accessors", std::move(mounts)}});
  }
  return json::object{{"by_namespace", std::move(ns)}, {"total", total}};
}

}  // namespace arca::logical
