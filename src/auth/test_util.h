// Test helpers for auth methods: a real in-memory Core with userpass and approle registered
// (low bcrypt cost, injectable clock). Header-only; used by auth/*_test.cc.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <string>

#include "auth/approle.h"
#include "auth/userpass.h"
#include "core/testing.h"

namespace arca::auth::testing {

class FakeClock {
 public:
  std::chrono::system_clock::time_point Now() const {
    return std::chrono::system_clock::time_point(std::chrono::seconds(now_.load()));
  }
  void Advance(std::chrono::seconds s) { now_ += s.count(); }

 private:
  std::atomic<int64_t> now_{1'700'000'000};
};

struct AuthCore {
  AuthCore() {
    t.core.reset();
    core::CoreConfig cfg;
    cfg.physical = *storage::NewInmemBackend({});
    cfg.secret_engines["kv"] = engines::kv::NewKvBackend;
    cfg.secret_engines["cubbyhole"] = engines::cubbyhole::NewCubbyholeBackend;
    cfg.auth_methods["userpass"] = [this](const logical::BackendConfig& c) {
      return NewUserpassBackend(c, UserpassOptions{.bcrypt_cost = kMinBcryptCost,
                                                   .clock = [this] { return clock.Now(); }});
    };
    cfg.auth_methods["approle"] = [this](const logical::BackendConfig& c) {
      return NewApproleBackend(c, ApproleOptions{.clock = [this] { return clock.Now(); }});
    };
    t.core = std::make_unique<core::Core>(std::move(cfg));
    root = t.InitAndUnseal();
  }

  Result<logical::Response> Do(logical::Operation op, std::string path, json::object data = {},
                               std::string token = "", std::string addr = "127.0.0.1") {
    logical::Request req;
    req.operation = op;
    req.path = std::move(path);
    req.data = std::move(data);
    req.client_token = std::move(token);
    req.remote_addr = std::move(addr);
    return t.core->HandleRequest(req);
  }
  Result<logical::Response> Root(logical::Operation op, std::string path, json::object data = {}) {
    return Do(op, std::move(path), std::move(data), root);
  }

  FakeClock clock;
  core::TestCore t;
  std::string root;
};

}  // namespace arca::auth::testing
