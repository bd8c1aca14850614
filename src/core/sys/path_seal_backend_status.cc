// sys/seal-backend-status (Vault 1.16+): the health of the seal's key service. Unauthenticated,
// answered while sealed, a bare object:
//   {"healthy": bool, "unhealthy_since": RFC 3339 (only when unhealthy),
//    "backends": [{"name": <seal type>, "healthy": bool, "unhealthy_since": ...}]}
// The Shamir seal has no key service: it is always healthy.
#include <chrono>
#include <ctime>

#include "core/sys/paths.h"

namespace arca::core::sys {
namespace {

std::string Rfc3339(std::chrono::system_clock::time_point t) {
  std::time_t tt = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace

std::vector<logical::framework::Path> SealBackendStatusPaths(Core& core) {
  namespace fw = logical::framework;
  fw::Path p;
  p.pattern = "seal-backend-status";
  p.help_synopsis = "Returns the health of the seal's key service.";
  p.operations[logical::Operation::kRead] = {
      [&core](logical::Request&, fw::FieldData&) -> Result<logical::Response> {
        Core::SealHealth h = core.CheckSealHealth();
        json::object backend;
        backend["name"] = core.seal_access() ? std::string(core.seal_access()->Type()) : "shamir";
        backend["healthy"] = h.healthy;
        json::object d;
        d["healthy"] = h.healthy;
        if (!h.healthy && h.unhealthy_since) {
          backend["unhealthy_since"] = Rfc3339(*h.unhealthy_since);
          d["unhealthy_since"] = Rfc3339(*h.unhealthy_since);
        }
        json::array backends;
        backends.emplace_back(std::move(backend));
        d["backends"] = std::move(backends);
        logical::Response resp;
        resp.raw = logical::RawBody{200, "application/json", json::serialize(d)};
        return resp;
      },
      "Seal backend health."};
  return {std::move(p)};
}

}  // namespace arca::core::sys
