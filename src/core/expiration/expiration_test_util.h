// Test helpers for the expiration manager: a settable clock and recording callbacks.
#pragma once

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "core/expiration/expiration_manager.h"
#include "logical/storage.h"

namespace arca::core::testing {

inline constexpr int64_t kStart = 1'700'000'000;

// Records every revoke and renew call; leases listed in `fail` (or all, with fail_all) fail.
struct Backend {
  std::mutex mu;
  std::map<std::string, int> revoked;  // lease id -> calls
  std::vector<std::string> order;
  std::set<std::string> fail;
  bool fail_all = false;
  int fail_first_n = 0;  // the first n calls fail
  int calls = 0;
  std::chrono::seconds renew_ttl{0};  // what the backend grants on renew (0 = leave to manager)
  bool renew_fails = false;
  std::function<void(const LeaseEntry&)> on_revoke;  // runs before recording (re-entrancy)

  Status Revoke(const LeaseEntry& e) {
    if (on_revoke) on_revoke(e);
    std::lock_guard lock(mu);
    ++calls;
    if (fail_all || fail.contains(e.lease_id) || calls <= fail_first_n) {
      return Internal("backend unavailable");
    }
    ++revoked[e.lease_id];
    order.push_back(e.lease_id);
    return OkStatus();
  }
  Result<logical::Secret> Renew(const LeaseEntry& e, std::chrono::seconds) {
    if (renew_fails) return InvalidRequest("backend refused renewal");
    logical::Secret s;
    s.ttl = renew_ttl;
    s.renewable = true;
    return s;
  }
  int TotalRevoked() {
    std::lock_guard lock(mu);
    int n = 0;
    for (auto& [id, c] : revoked) n += c;
    return n;
  }
  int Calls() {
    std::lock_guard lock(mu);
    return calls;
  }
};

struct Clock {
  std::atomic<int64_t> now{kStart};
  void Advance(int64_t s) { now += s; }
  std::function<std::chrono::system_clock::time_point()> Fn() {
    return [this] { return std::chrono::system_clock::time_point(std::chrono::seconds(now.load())); };
  }
};

inline std::unique_ptr<ExpirationManager> NewManager(logical::Storage& storage, Backend& backend,
                                                     Clock& clock, ExpirationOptions opts = {}) {
  opts.clock = clock.Fn();
  if (opts.max_sleep == std::chrono::milliseconds(1000)) opts.max_sleep = std::chrono::milliseconds(20);
  return std::make_unique<ExpirationManager>(
      storage, [&backend](const LeaseEntry& e) { return backend.Revoke(e); },
      [&backend](const LeaseEntry& e, std::chrono::seconds inc) { return backend.Renew(e, inc); },
      std::move(opts));
}

inline logical::Secret SecretWith(int64_t ttl, int64_t max_ttl = 0, bool renewable = true) {
  logical::Secret s;
  s.ttl = std::chrono::seconds(ttl);
  s.max_ttl = std::chrono::seconds(max_ttl);
  s.renewable = renewable;
  return s;
}

// Polls `pred` until true or ~5 s passed.
template <typename Pred>
bool WaitFor(Pred pred) {
  for (int i = 0; i < 500; ++i) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return pred();
}

}  // namespace arca::core::testing
