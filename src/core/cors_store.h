// The CORS settings of sys/config/cors, persisted in the barrier at "core/cors" as
// {"enabled": bool, "allowed_origins": [...], "allowed_headers": [...]} (the configured
// headers only; the defaults are added when loaded).
//
// Thread-safety: all methods are safe for concurrent use. Get() is lock-free when CORS is
// disabled (one atomic load) and otherwise copies a shared_ptr; writers serialise on mu_.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/cors.h"
#include "common/status.h"
#include "logical/storage.h"

namespace arca::core {

inline constexpr std::string_view kCorsConfigPath = "core/cors";

class CorsStore {
 public:
  // Reads the persisted settings (none = disabled). Errors: storage, a corrupt entry.
  Status Load(logical::Storage& storage);
  // The settings in force, or null when CORS is disabled.
  std::shared_ptr<const CorsConfig> Get() const;
  // Enables CORS for `origins` (at least one; "*" alone or explicit origins) with the default
  // headers plus `headers`. Errors: InvalidRequest (no origin, "*" mixed with others), storage
  // (nothing changes).
  Status Enable(logical::Storage& storage, std::vector<std::string> origins,
                std::vector<std::string> headers);
  // Disables CORS and forgets the lists.
  Status Disable(logical::Storage& storage);

 private:
  void Publish(std::shared_ptr<const CorsConfig> c);  // REQUIRES: mu_ held
  mutable std::mutex mu_;
  std::shared_ptr<const CorsConfig> current_;  // guarded by mu_
  std::atomic<bool> enabled_{false};           // mirrors current_ != null for the fast path
};

}  // namespace arca::core
