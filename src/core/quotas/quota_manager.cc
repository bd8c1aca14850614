#include "core/quotas/quota_manager.h"

#include <algorithm>
#include <cmath>

#include "common/duration.h"
#include "core/names.h"
#include "logical/backend.h"

namespace arca::core {
namespace {

constexpr char kQuotaPrefix[] = "rate-limit/";
constexpr char kConfigKey[] = "config";
constexpr size_t kMaxWindows = 100000;  // beyond this, expired windows are swept

Status ValidQuotaName(std::string_view name) { return ValidateObjectName("quota", name, 256); }

json::array ToArray(const std::vector<std::string>& v) {
  json::array a;
  for (const auto& s : v) a.emplace_back(s);
  return a;
}

}  // namespace

json::object RateLimitQuota::ToJson() const {
  return json::object{{"name", name},
                      {"path", path},
                      {"type", "rate-limit"},
                      {"rate", rate},
                      {"interval", interval.count()},
                      {"block_interval", block_interval.count()},
                      {"role", ""},
                      {"inheritable", inheritable}};
}

Result<RateLimitQuota> RateLimitQuota::FromJson(const json::object& o) {
  RateLimitQuota q;
  ARCA_ASSIGN_OR_RETURN(auto name, GetStringField(o, "name"));
  ARCA_ASSIGN_OR_RETURN(auto path, GetStringField(o, "path"));
  if (!name) return Internal("stored quota without a name");
  q.name = *name;
  q.path = path.value_or("");
  if (auto it = o.find("rate"); it != o.end() && it->value().is_number()) {
    q.rate = it->value().to_number<double>();
  }
  if (auto it = o.find("interval"); it != o.end() && it->value().is_int64()) {
    q.interval = std::chrono::seconds(it->value().as_int64());
  }
  if (auto it = o.find("block_interval"); it != o.end() && it->value().is_int64()) {
    q.block_interval = std::chrono::seconds(it->value().as_int64());
  }
  if (auto it = o.find("inheritable"); it != o.end() && it->value().is_bool()) {
    q.inheritable = it->value().as_bool();
  }
  return q;
}

QuotaConfig QuotaConfig::Defaults() {
  QuotaConfig c;
  c.rate_limit_exempt_paths = {"sys/generate-recovery-token/attempt",
                               "sys/generate-recovery-token/update",
                               "sys/generate-root/attempt",
                               "sys/generate-root/update",
                               "sys/health",
                               "sys/seal-status",
                               "sys/unseal"};
  return c;
}

json::object QuotaConfig::ToJson() const {
  return json::object{{"rate_limit_exempt_paths", ToArray(rate_limit_exempt_paths)},
                      {"enable_rate_limit_audit_logging", enable_rate_limit_audit_logging},
                      {"enable_rate_limit_response_headers", enable_rate_limit_response_headers}};
}

Status QuotaManager::Load() {
  std::map<std::string, RateLimitQuota> loaded;
  ARCA_ASSIGN_OR_RETURN(auto names, view_.List(kQuotaPrefix));
  for (const auto& n : names) {
    ARCA_ASSIGN_OR_RETURN(auto v, logical::GetJson(view_, kQuotaPrefix + n));
    if (!v || !v->is_object()) continue;
    ARCA_ASSIGN_OR_RETURN(RateLimitQuota q, RateLimitQuota::FromJson(v->as_object()));
    loaded[q.name] = std::move(q);
  }
  QuotaConfig cfg = QuotaConfig::Defaults();
  ARCA_ASSIGN_OR_RETURN(auto c, logical::GetJson(view_, kConfigKey));
  if (c && c->is_object()) {
    const auto& o = c->as_object();
    if (auto it = o.find("rate_limit_exempt_paths"); it != o.end() && it->value().is_array()) {
      cfg.rate_limit_exempt_paths.clear();
      for (const auto& p : it->value().as_array()) {
        if (p.is_string()) cfg.rate_limit_exempt_paths.emplace_back(p.as_string());
      }
    }
    if (auto it = o.find("enable_rate_limit_audit_logging"); it != o.end() && it->value().is_bool()) {
      cfg.enable_rate_limit_audit_logging = it->value().as_bool();
    }
    if (auto it = o.find("enable_rate_limit_response_headers");
        it != o.end() && it->value().is_bool()) {
      cfg.enable_rate_limit_response_headers = it->value().as_bool();
    }
  }
  std::unique_lock lock(mu_);
  quotas_ = std::move(loaded);
  config_ = std::move(cfg);
  RefreshFlag();
  return OkStatus();
}

void QuotaManager::Reset() {
  {
    std::unique_lock lock(mu_);
    quotas_.clear();
    config_ = QuotaConfig::Defaults();
    RefreshFlag();
  }
  std::lock_guard lock(windows_mu_);
  windows_.clear();
}

void QuotaManager::RefreshFlag() { any_.store(!quotas_.empty(), std::memory_order_release); }

Status QuotaManager::Put(const RateLimitQuota& q) {
  ARCA_RETURN_IF_ERROR(ValidQuotaName(q.name));
  if (!(q.rate > 0) || !std::isfinite(q.rate)) {
    return InvalidRequest("invalid rate: it must be positive");
  }
  if (q.interval.count() < 1) return InvalidRequest("interval must be at least one second");
  if (q.block_interval.count() < 0) return InvalidRequest("block_interval must not be negative");
  std::unique_lock lock(mu_);
  // Two quotas on the same path would make the choice arbitrary: Vault refuses it too.
  for (const auto& [name, other] : quotas_) {
    if (name != q.name && other.path == q.path) {
      return InvalidRequest("quota with the path \"" + q.path + "\" already exists: " + name);
    }
  }
  ARCA_RETURN_IF_ERROR(logical::PutJson(view_, kQuotaPrefix + q.name, q.ToJson()));
  quotas_[q.name] = q;
  RefreshFlag();
  lock.unlock();
  std::lock_guard wl(windows_mu_);
  std::erase_if(windows_, [&](const auto& kv) { return kv.first.starts_with(q.name + "\n"); });
  return OkStatus();
}

std::optional<RateLimitQuota> QuotaManager::Get(const std::string& name) const {
  std::shared_lock lock(mu_);
  auto it = quotas_.find(name);
  if (it == quotas_.end()) return std::nullopt;
  return it->second;
}

Status QuotaManager::Delete(const std::string& name) {
  ARCA_RETURN_IF_ERROR(ValidQuotaName(name));
  std::unique_lock lock(mu_);
  ARCA_RETURN_IF_ERROR(view_.Delete(kQuotaPrefix + name));
  quotas_.erase(name);
  RefreshFlag();
  return OkStatus();
}

Status QuotaManager::DeleteUnderMount(std::string_view mount_path) {
  std::vector<std::string> doomed;
  {
    std::shared_lock lock(mu_);
    for (const auto& [name, q] : quotas_) {
      if (!q.path.empty() && q.path.starts_with(mount_path)) doomed.push_back(name);
    }
  }
  for (const auto& n : doomed) ARCA_RETURN_IF_ERROR(Delete(n));
  return OkStatus();
}

std::vector<std::string> QuotaManager::List() const {
  std::shared_lock lock(mu_);
  std::vector<std::string> out;
  for (const auto& [name, q] : quotas_) out.push_back(name);
  return out;
}

QuotaConfig QuotaManager::Config() const {
  std::shared_lock lock(mu_);
  return config_;
}

Status QuotaManager::SetConfig(const QuotaConfig& c) {
  std::unique_lock lock(mu_);
  ARCA_RETURN_IF_ERROR(logical::PutJson(view_, kConfigKey, c.ToJson()));
  config_ = c;
  return OkStatus();
}

const RateLimitQuota* QuotaManager::Match(std::string_view path, std::string_view mount) const {
  const RateLimitQuota* exact = nullptr;
  const RateLimitQuota* prefix = nullptr;
  const RateLimitQuota* on_mount = nullptr;
  const RateLimitQuota* global = nullptr;
  for (const auto& [name, q] : quotas_) {
    const std::string& p = q.path;
    if (p.empty()) {
      global = &q;
    } else if (p.back() == '*') {
      std::string_view stem(p.data(), p.size() - 1);
      if (path.starts_with(stem) && (!prefix || stem.size() > prefix->path.size() - 1)) {
        prefix = &q;
      }
    } else if (!mount.empty() && p == mount) {
      on_mount = &q;
    } else if (p == path) {
      exact = &q;
    }
  }
  if (exact) return exact;
  if (prefix) return prefix;
  if (on_mount) return on_mount;
  return global;
}

QuotaManager::Decision QuotaManager::Check(std::string_view path, std::string_view mount,
                                           std::string_view client,
                                           std::chrono::steady_clock::time_point now) {
  Decision d;
  if (!any_.load(std::memory_order_acquire)) return d;
  RateLimitQuota q;
  {
    std::shared_lock lock(mu_);
    if (logical::PathMatchesAny(path, config_.rate_limit_exempt_paths)) return d;
    const RateLimitQuota* m = Match(path, mount);
    if (!m) return d;
    q = *m;
    d.response_headers = config_.enable_rate_limit_response_headers;
    d.audit_rejections = config_.enable_rate_limit_audit_logging;
  }
  const int64_t limit = std::max<int64_t>(1, static_cast<int64_t>(std::floor(q.rate)));
  d.quota = q.name;
  d.limit = q.rate;
  auto seconds_until = [now](std::chrono::steady_clock::time_point t) {
    auto s = std::chrono::ceil<std::chrono::seconds>(t - now).count();
    return std::max<int64_t>(s, 0);
  };
  std::string key = q.name + "\n" + std::string(client);
  std::lock_guard lock(windows_mu_);
  if (windows_.size() > kMaxWindows) {
    std::erase_if(windows_, [&](const auto& kv) {
      return kv.second.start + q.interval <= now && kv.second.blocked_until <= now;
    });
  }
  Window& w = windows_[key];
  if (w.blocked_until > now) {
    d.allowed = false;
    d.retry_after = std::max<int64_t>(1, seconds_until(w.blocked_until));
    d.reset_seconds = d.retry_after;
    return d;
  }
  if (w.count == 0 || w.start + q.interval <= now) {
    w.start = now;
    w.count = 0;
  }
  const auto window_end = w.start + q.interval;
  d.reset_seconds = seconds_until(window_end);
  if (w.count >= limit) {
    d.allowed = false;
    if (q.block_interval.count() > 0) w.blocked_until = now + q.block_interval;
    d.retry_after = std::max<int64_t>(
        1, q.block_interval.count() > 0 ? q.block_interval.count() : d.reset_seconds);
    return d;
  }
  ++w.count;
  d.remaining = limit - w.count;
  return d;
}

}  // namespace arca::core
