// The transit backend: the path table (order matters: the first match wins).
#include <chrono>

#include "engines/transit/internal.h"
#include "engines/transit/transit.h"
#include "logical/framework/framework_backend.h"

namespace arca::engines::transit {
namespace {

constexpr char kHelp[] = R"(
The transit secrets engine handles cryptographic functions on data in transit:
encryption and decryption with named keys, signing and verification, HMACs,
hashes and random bytes. Data sent to it is not stored.
)";

int64_t SystemNow() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void Append(std::vector<Path>& out, std::vector<Path> more) {
  for (auto& p : more) out.push_back(std::move(p));
}

}  // namespace

Result<std::unique_ptr<logical::Backend>> NewTransitBackend(const logical::BackendConfig& config) {
  return NewTransitBackendWithClock(config, {});
}

Result<std::unique_ptr<logical::Backend>> NewTransitBackendWithClock(
    const logical::BackendConfig& config, std::function<int64_t()> now) {
  auto st = std::make_shared<State>(now ? std::move(now) : SystemNow);
  st->storage = config.storage;
  if (config.storage != nullptr) {
    // The cache size persisted by cache-config; unreadable (sealed, absent) means unlimited.
    auto cfg = logical::GetJson(*config.storage, "config/cache");
    if (cfg && *cfg && (*cfg)->is_object()) {
      const json::value* size = (*cfg)->as_object().if_contains("size");
      if (size != nullptr && size->is_int64() && size->as_int64() > 0) {
        st->keys.SetCacheSize(static_cast<size_t>(size->as_int64()));
      }
    }
  }

  logical::framework::FrameworkBackend::Options options;
  options.type = "transit";
  options.help = kHelp;
  // Import before keys (keys/:name/import would otherwise be taken for a sub-path).
  Append(options.paths, ImportPaths(st));
  Append(options.paths, KeyPaths(st));
  Append(options.paths, EncryptPaths(st));
  Append(options.paths, SignPaths(st));
  Append(options.paths, UtilityPaths(st));
  Append(options.paths, ExportPaths(st));
  options.invalidate = [st](std::string_view key) { st->keys.InvalidateKey(key); };
  // A read-serving HA standby answers the cryptographic operations with existing keys and key
  // reads (core.h, StandbyMayServe); one that would write (an upsert creating a key) is
  // forwarded to the active node when the standby's storage refuses the write.
  options.standby_safe = [](logical::Operation op, std::string_view path) {
    using logical::Operation;
    if (op == Operation::kList) return path == "keys" || path == "keys/";
    if (op == Operation::kRead) {
      if (!path.starts_with("keys/")) return false;
      std::string_view name = path.substr(5);
      return !name.empty() && name.find('/') == std::string_view::npos;
    }
    if (op != Operation::kUpdate) return false;
    for (std::string_view p : {"encrypt/", "decrypt/", "rewrap/", "sign/", "verify/", "hmac/",
                               "datakey/", "random/", "hash/"}) {
      if (path.starts_with(p)) return true;
    }
    return path == "random" || path == "hash";
  };
  options.clean = [st] { st->keys.Clear(); };
  ARCA_ASSIGN_OR_RETURN(auto backend,
                        logical::framework::FrameworkBackend::Create(std::move(options)));
  return std::unique_ptr<logical::Backend>(std::move(backend));
}

}  // namespace arca::engines::transit
