// Rate limit quotas (sys/quotas/rate-limit/:name, sys/quotas/config).
//
// A quota applies `rate` requests per `interval` to each client IP address separately (per
// node, not replicated, as in Vault). Its path picks the requests it covers: "" = every path,
// "secret/" = one mount, "secret/app/x" = one path, "secret/app/*" = a prefix. The most
// specific quota matching a request wins: exact path, then the longest prefix, then the mount,
// then the global one. A client over its limit is refused (429) until the interval ends, or for
// `block_interval` when the quota has one.
//
// Counting is a fixed window per (quota, client): the first request opens a window of
// `interval`, at most `rate` requests pass in it.
//
// Thread-safety: every method is thread-safe. Check() takes no lock when no quota exists.
#pragma once

#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/json.h"
#include "common/status.h"
#include "logical/storage.h"

namespace arca::core {

struct RateLimitQuota {
  std::string name;
  std::string path;  // "" (global), "mount/", "mount/exact/path" or "mount/prefix/*"
  double rate = 0;   // requests per interval, > 0
  std::chrono::seconds interval{1};
  std::chrono::seconds block_interval{0};
  bool inheritable = true;

  json::object ToJson() const;  // Vault's read shape (with type "rate-limit")
  static Result<RateLimitQuota> FromJson(const json::object& o);
};

struct QuotaConfig {
  std::vector<std::string> rate_limit_exempt_paths;  // exact, or prefix when ending in '*'
  bool enable_rate_limit_audit_logging = false;
  bool enable_rate_limit_response_headers = false;

  static QuotaConfig Defaults();  // Vault's default exempt paths
  json::object ToJson() const;
};

class QuotaManager {
 public:
  // `view` holds the quotas ("rate-limit/<name>") and the config ("config"); it must outlive
  // the manager.
  explicit QuotaManager(logical::Storage& view) : view_(view) {}

  // Loads everything from storage (at unseal); Reset() forgets it (at seal).
  Status Load();
  void Reset();

  // Errors: InvalidRequest for a bad name/rate/interval.
  Status Put(const RateLimitQuota& q);
  std::optional<RateLimitQuota> Get(const std::string& name) const;
  Status Delete(const std::string& name);  // deleting a missing quota succeeds
  std::vector<std::string> List() const;
  // Deletes the quotas whose path lies under `mount_path` ("secret/"); for unmounts.
  Status DeleteUnderMount(std::string_view mount_path);

  QuotaConfig Config() const;
  Status SetConfig(const QuotaConfig& c);

  struct Decision {
    bool allowed = true;
    std::string quota;            // the quota that applied ("" = none)
    double limit = 0;             // X-Ratelimit-Limit
    int64_t remaining = 0;        // X-Ratelimit-Remaining
    int64_t reset_seconds = 0;    // X-Ratelimit-Reset (seconds until the window ends)
    int64_t retry_after = 0;      // Retry-After when refused
    bool response_headers = false;  // config.enable_rate_limit_response_headers
    bool audit_rejections = false;  // config.enable_rate_limit_audit_logging
  };
  // Counts one request on `path` (full API path without /v1/) in mount `mount` ("secret/")
  // from `client`.
  Decision Check(std::string_view path, std::string_view mount, std::string_view client,
                 std::chrono::steady_clock::time_point now = std::chrono::steady_clock::now());

 private:
  struct Window {
    std::chrono::steady_clock::time_point start, blocked_until;
    int64_t count = 0;
  };
  const RateLimitQuota* Match(std::string_view path, std::string_view mount) const;  // mu_ held
  void RefreshFlag();  // mu_ held exclusively

  logical::Storage& view_;
  mutable std::shared_mutex mu_;
  std::map<std::string, RateLimitQuota> quotas_;  // guarded by mu_
  QuotaConfig config_ = QuotaConfig::Defaults();  // guarded by mu_
  std::atomic<bool> any_{false};                  // !quotas_.empty()

  std::mutex windows_mu_;
  std::unordered_map<std::string, Window> windows_;  // "<quota>\n<client>"; windows_mu_
};

}  // namespace arca::core
