// Shared parts of the cert auth method's paths (private to src/auth/cert/): the stored entry
// and configuration, the backend state and the path constructors.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "auth/cert/cert.h"
#include "auth/token_fields.h"
#include "common/json.h"
#include "logical/framework/path.h"
#include "logical/storage.h"

namespace arca::auth::cert {

// certs/:name, stored at cert/<name> (docs/formats/auth-cert.md).
struct CertEntry {
  std::string name;
  std::string certificate;  // PEM, one or more certificates
  std::string display_name;
  std::vector<std::string> allowed_names;  // deprecated: CN, DNS or email SAN
  std::vector<std::string> allowed_common_names;
  std::vector<std::string> allowed_dns_sans;
  std::vector<std::string> allowed_email_sans;
  std::vector<std::string> allowed_uri_sans;
  std::vector<std::string> allowed_organizational_units;
  std::vector<std::string> required_extensions;  // "oid:glob"
  std::vector<std::string> allowed_metadata_extensions;
  // Stored and echoed; OCSP checking itself is not supported (ocsp_enabled must stay false).
  std::string ocsp_ca_certificates;
  bool ocsp_enabled = false;
  std::vector<std::string> ocsp_servers_override;
  bool ocsp_fail_open = false;
  bool ocsp_query_all_servers = false;
  TokenFields token;

  json::object ToJson() const;
  static Result<CertEntry> FromJson(const json::object& o);
};

// config
struct Config {
  bool disable_binding = false;
  bool enable_identity_alias_metadata = false;
  int64_t ocsp_cache_size = 100;
};

struct State {
  const logical::SystemView* system = nullptr;  // the mount's; outlives the backend
  CertOptions opts;

  // The revoked serial numbers of every stored CRL, by CRL name; loaded from storage on first
  // use and dropped when a CRL changes (here or through InvalidateKey). Guarded by mu.
  std::mutex mu;
  std::optional<std::map<std::string, std::set<std::string>>> crls;

  std::chrono::system_clock::time_point Now() const {
    return opts.clock ? opts.clock() : std::chrono::system_clock::now();
  }
  void DropCrls() {
    std::lock_guard lock(mu);
    crls.reset();
  }
};

Result<logical::Storage*> StorageOf(const logical::Request& req);
Result<std::optional<CertEntry>> LoadCert(logical::Storage& s, const std::string& name);
Result<Config> LoadConfig(logical::Storage& s);
// The revoked serials of all CRLs (cached in `st`).
Result<std::map<std::string, std::set<std::string>>> LoadCrls(State& st, logical::Storage& s);
std::string Lower(std::string s);

logical::framework::Path PathCertsList();
logical::framework::Path PathCerts(std::shared_ptr<State> st);
logical::framework::Path PathCrlsList();
logical::framework::Path PathCrls(std::shared_ptr<State> st);
logical::framework::Path PathConfig();
logical::framework::Path PathLogin(std::shared_ptr<State> st);

}  // namespace arca::auth::cert
