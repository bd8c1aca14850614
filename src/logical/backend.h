// logical::Backend: a mounted secrets engine, auth method or the system backend.
//
// The core routes a request to the backend of the longest matching mount, with `req.path`
// relative to the mount and `req.storage` the mount's own storage view. Backends are
// synchronous and must be safe for concurrent HandleRequest calls.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "logical/lockout.h"
#include "logical/request.h"
#include "logical/response.h"
#include "logical/storage.h"

namespace spdlog {
class logger;
}

namespace arca::logical {

// Paths with special treatment, relative to the mount. An entry ending in '*' is a prefix.
struct SpecialPaths {
  std::vector<std::string> root;             // need sudo (root token until policies exist)
  std::vector<std::string> unauthenticated;  // no token needed
};

// Result of an existence check: whether the backend implements one for the path, and whether
// the target exists (exists -> update capability, otherwise create).
struct ExistenceCheck {
  bool supported = false;
  bool exists = false;
};

// What the core lets a backend know about its mount and the system.
class SystemView {
 public:
  virtual ~SystemView() = default;
  virtual std::chrono::seconds DefaultLeaseTtl() const = 0;
  virtual std::chrono::seconds MaxLeaseTtl() const = 0;
  // A password from the named password policy (`sys/policies/password/:name`), or from the
  // default policy (20 characters of [a-zA-Z0-9-], one of each class) when `policy` is empty.
  // Errors: InvalidRequest when the named policy does not exist. The default implementation
  // (used by test fakes) knows only the default policy. Thread-safe.
  virtual Result<std::string> GeneratePassword(std::string_view policy) const;
  // Auth mounts: the lockout settings tuned on the mount (`user_lockout_config`), if any.
  virtual std::optional<LockoutConfig> UserLockoutConfig() const { return std::nullopt; }
};

enum class BackendKind { kLogical, kCredential };

class Backend {
 public:
  virtual ~Backend() = default;

  // Handles one request. Errors: InvalidRequest (400), NotFound (404: unknown path),
  // Unsupported (405: the path lacks the operation), Internal (500).
  virtual Result<Response> HandleRequest(Request& req) = 0;

  // Decides create vs update for POST/PUT. Called before HandleRequest for write operations.
  virtual Result<ExistenceCheck> HandleExistenceCheck(Request& req) { return ExistenceCheck{}; }

  virtual const SpecialPaths& GetSpecialPaths() const {
    static const SpecialPaths kNone;
    return kNone;
  }

  // A key of this backend's storage changed underneath it (HA standby, replication): `key` is
  // relative to the mount's storage view. Backends that keep storage data in memory drop it.
  virtual void InvalidateKey(std::string_view key) {}
  // Whether a read-serving HA standby may answer `op` on `path` (relative to the mount) itself:
  // the operation only reads storage (Core::StandbyMayServe). The request is still forwarded
  // when it turns out to write (the standby's storage refuses any write). Default: false.
  // Called without a token, for every request a standby receives: keep it cheap.
  virtual bool StandbySafe(Operation op, std::string_view path) const { return false; }
  // The mount is being removed or the core sealed.
  virtual void Cleanup() {}

  // Background work (rotations, rebuilds, tidies). The core calls it on a background thread
  // about every `kPeriodicInterval` while unsealed and active, never twice at once for one
  // backend, but concurrently with HandleRequest. `storage` is the mount's storage view.
  virtual void Periodic(Storage& storage) {}
  static constexpr std::chrono::seconds kPeriodicInterval{5};

  virtual std::string_view Type() const = 0;
  virtual BackendKind Kind() const { return BackendKind::kLogical; }
};

struct BackendConfig {
  Storage* storage = nullptr;        // the mount's view; outlives the backend
  const SystemView* system = nullptr;
  std::string backend_uuid;
  std::string mount_path;            // "secret/"
  std::map<std::string, std::string> options;  // mount options, e.g. {"version": "2"}
  std::shared_ptr<spdlog::logger> logger;
  // The server's `disable_cache`: keep no read cache of decoded storage entries.
  bool disable_cache = false;
};

using Factory = std::function<Result<std::unique_ptr<Backend>>(const BackendConfig&)>;

// Matches a path against SpecialPaths-style patterns: exact, a prefix when ending in '*', and
// '+' standing for exactly one path segment ("issuer/+/crl", "roles/+/acme/*") as in Vault.
bool PathMatchesAny(std::string_view path, const std::vector<std::string>& patterns);

}  // namespace arca::logical
