// CORS settings (Vault's sys/config/cors), shared by the core, which stores them, and the HTTP
// layer, which answers preflight requests and adds Access-Control-Allow-Origin.
//
// Thread-safety: a value type; published as an immutable shared_ptr<const CorsConfig>.
#pragma once

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

namespace arca {

// The request headers Vault always allows in CORS requests.
inline const std::vector<std::string>& DefaultCorsHeaders() {
  static const std::vector<std::string> kHeaders = {
      "Content-Type",        "X-Requested-With",           "X-Vault-AWS-IAM-Server-ID",
      "X-Vault-MFA",         "X-Vault-No-Request-Forwarding", "X-Vault-Wrap-Format",
      "X-Vault-Wrap-TTL",    "X-Vault-Policy-Override",    "Authorization",
      "X-Vault-Token"};
  return kHeaders;
}

struct CorsConfig {
  bool enabled = false;
  std::vector<std::string> allowed_origins;  // "*" = any origin
  std::vector<std::string> allowed_headers;  // the defaults plus the configured ones

  bool OriginAllowed(std::string_view origin) const {
    if (origin.empty()) return false;
    return std::any_of(allowed_origins.begin(), allowed_origins.end(),
                       [&](const std::string& o) { return o == "*" || o == origin; });
  }
};

}  // namespace arca
