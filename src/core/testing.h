// Test helpers for the core: an in-memory core with KV v1 registered, and request shortcuts.
// Header-only; used by tests in core/ and tests/integration/.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "common/json.h"
#include "core/core.h"
#include "engines/cubbyhole/cubbyhole.h"
#include "engines/kv/kv.h"
#include "storage/backend.h"

namespace arca::core {

inline json::object ParseRaw(const logical::Response& r) {
  if (!r.raw) return r.data;
  auto o = ParseJsonObject(r.raw->body);
  return o ? *o : json::object{};
}

struct TestCore {
  explicit TestCore(std::unique_ptr<storage::Backend> physical = nullptr) {
    CoreConfig cfg;
    cfg.physical = physical ? std::move(physical) : *storage::NewInmemBackend({});
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
