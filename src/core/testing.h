// Test helpers for the core: an in-memory core with KV v1 registered, and request shortcuts.
// Header-only; used by tests in core/ and tests/integration/.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "common/json.h"
#include "core/core.h"
#include "core/token/token_entry.h"
#include "engines/cubbyhole/cubbyhole.h"
#include "engines/kv/kv.h"
#include "storage/backend.h"

namespace arca::core {

inline json::object ParseRaw(const logical::Response& r) {
  if (!r.raw) return r.data;
  auto o = ParseJsonObject(r.raw->body);
  return o ? *o : json::object{};
}

// A clock for CoreConfig::clock that moves only when a test advances it (token expiry and leases
// follow it). It starts at the real time.
struct ManualClock {
  std::atomic<int64_t> now{UnixNow()};
  void Advance(std::chrono::seconds s) { now += s.count(); }
  std::function<std::chrono::system_clock::time_point()> Fn() {
    return
        [this] { return std::chrono::system_clock::time_point(std::chrono::seconds(now.load())); };
  }
};

// Polls `done` (state the test can observe but has no hook to wait on) until it holds or a
// generous deadline passes. Returns whether it held.
template <class Pred>
bool Eventually(Pred done) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::yield();
  }
  return true;
}

struct TestCore {
  // With `clock`, the core's tokens and leases run on it (it must outlive the core).
  explicit TestCore(std::unique_ptr<storage::Backend> physical = nullptr,
                    ManualClock* clock = nullptr) {
    CoreConfig cfg;
    cfg.physical = physical ? std::move(physical) : *storage::NewInmemBackend({});
    if (clock != nullptr) cfg.clock = clock->Fn();
    cfg.secret_engines["kv"] = engines::kv::NewKvBackend;
    cfg.secret_engines["cubbyhole"] = engines::cubbyhole::NewCubbyholeBackend;
    core = std::make_unique<Core>(std::move(cfg));
  }

  Result<logical::Response> Do(logical::Operation op, std::string path, json::object data = {},
                               std::string token = "") {
    logical::Request req;
    req.operation = op;
    req.path = std::move(path);
    req.data = std::move(data);
    req.client_token = std::move(token);
    return core->HandleRequest(req);
  }

  // Initializes with 3 shares / threshold 2, unseals, returns the root token.
  std::string InitAndUnseal() {
    auto r = core->Initialize({3, 2});
    if (!r) return "";
    keys = r->keys_hex;
    if (!core->UnsealWithKeys(keys)) return "";
    return r->root_token;
  }

  std::unique_ptr<Core> core;
  std::vector<std::string> keys;
};

}  // namespace arca::core
