// User lockout (Vault's user_lockout_config): after `threshold` failed logins of one alias
// (username) on one auth mount, each within `counter_reset` of the previous failure, the alias
// is locked for `duration`; a locked alias is refused without checking its password. A
// successful login clears the failures.
//
// LockoutRegistry::Global() holds the state of every mount, keyed by mount accessor, so that
// the system backend can serve Vault's
//   GET  sys/locked-users                              -> LockedUsersResponse("")
//   POST sys/locked-users/:mount_accessor/unlock/:alias -> Unlock(accessor, alias) (204)
// The state lives in memory only (lost on restart; Vault persists it).
//
// Thread-safety: every method of LockoutRegistry is thread-safe.
#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>

#include "common/json.h"
#include "common/status.h"

namespace arca::logical {

struct LockoutConfig {
  int64_t threshold = 5;
  std::chrono::seconds duration = std::chrono::minutes(15);
  std::chrono::seconds counter_reset = std::chrono::minutes(15);
  bool disable = false;

  json::object ToJson() const;  // {lockout_threshold, lockout_duration, lockout_counter_reset,
                                //  lockout_disable} (durations in seconds)
  // Reads those keys (missing keys keep the defaults); Internal on wrong types.
  static Result<LockoutConfig> FromJson(const json::object& o);
};

class LockoutRegistry {
 public:
  using Clock = std::chrono::system_clock;

  // The process-wide registry used by the auth backends and the system backend.
  static LockoutRegistry& Global();

  // Whether `alias` on `accessor` is locked at `now` (an expired lock is forgotten).
  bool IsLocked(std::string_view accessor, std::string_view alias, const LockoutConfig& config,
                Clock::time_point now);
  // Records a failed login; returns true when this failure locked the alias.
  bool RecordFailure(std::string_view accessor, std::string_view alias, const LockoutConfig& config,
                     Clock::time_point now);
  // A successful login: forgets the failures of the alias.
  void RecordSuccess(std::string_view accessor, std::string_view alias);
  // Unlocks the alias (its failures are forgotten). Unlocking an alias that is not locked
  // succeeds, as in Vault.
  void Unlock(std::string_view accessor, std::string_view alias);
  // Forgets a mount (when it is disabled).
  void ForgetMount(std::string_view accessor);

  // Vault's sys/locked-users data: {by_namespace: [{namespace_id: "root", namespace_path: "",
  // counts, mount_accessors: [{mount_accessor, counts, alias_identifiers: [...]}]}], total}.
  // `only_accessor` non-empty restricts it to that mount. Locks past their end are skipped.
  json::object LockedUsersResponse(std::string_view only_accessor, Clock::time_point now);

 private:
  struct Entry {
    int64_t failures = 0;
    Clock::time_point last_failure{};
    Clock::time_point locked_until{};  // epoch = not locked
  };
  using Key = std::pair<std::string, std::string>;  // accessor, alias

  std::mutex mu_;
  std::map<Key, Entry> entries_;  // guarded by mu_
};

}  // namespace arca::logical
