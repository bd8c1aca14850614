// The PKI secrets engine (Vault's pki): issuers and keys, roles, issuance and signing,
// revocation with CRLs and an OCSP responder, tidy, and (through acme/AcmeServer) ACME.
//
// NewPkiBackend builds a mount. PkiEngine is the mount's state: the issuer cache (parsed
// certificates and keys, invalidated on every issuer/key change), a small pool of
// pre-generated RSA keys refilled off the request path, the CRL cache, and the PkiInternal
// interface the ACME server signs through.
//
// Thread-safety: handlers run concurrently. Caches are guarded by mutexes; issuer/key/CRL
// read-modify-write sequences are serialized by write_mu_.
#pragma once

#include <atomic>
#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>

#include "engines/pki/pki_internal_api.h"
#include "engines/pki/pki_store.h"
#include "engines/pki/role.h"
#include "engines/pki/x509_util.h"
#include "logical/backend.h"
#include "logical/framework/framework_backend.h"

namespace arca::pki {

namespace acme {
class AcmeServer;
}

Result<std::unique_ptr<logical::Backend>> NewPkiBackend(const logical::BackendConfig& config);
// The same with an injected clock (unix seconds), for tests that move time instead of waiting.
Result<std::unique_ptr<logical::Backend>> NewPkiBackendWithClock(
    const logical::BackendConfig& config, std::function<int64_t()> now);

// An issuer with its parsed certificate and key (key null when the mount lacks it).
struct LoadedIssuer {
  IssuerEntry entry;
  X509Ptr cert;
  PkeyPtr key;
  std::string key_type;
};

// What an issuance needs beyond the role.
struct IssueRequest {
  std::string issuer_ref;  // "" -> the role's issuer_ref
  std::string common_name;
  std::vector<std::string> alt_names, ip_sans, uri_sans, other_sans;
  bool exclude_cn_from_sans = false;
  std::chrono::seconds ttl{0};  // 0: the role's / mount's default
  std::string not_after;        // RFC 3339, overrides ttl
  std::string subject_serial_number;
  EVP_PKEY* public_key = nullptr;
  X509_REQ* csr = nullptr;  // sign: names and key from the CSR
  bool verbatim = false;    // sign-verbatim: the CSR's subject and extensions as they are
  bool truncate_to_issuer = false;  // ACME: end at the issuer's notAfter instead of failing
};

struct IssueResult {
  X509Ptr cert;
  std::shared_ptr<const LoadedIssuer> issuer;
  std::string serial;
  std::vector<std::string> warnings;
};

class PkiEngine : public PkiInternal {
 public:
  PkiEngine(const logical::SystemView* system, std::function<int64_t()> now);
  ~PkiEngine() override;

  // PkiInternal (ACME).
  Result<IssuedCertificate> SignCsr(logical::Storage& s, std::string_view issuer_ref,
                                    std::string_view role, std::span<const uint8_t> csr_der,
                                    std::optional<std::chrono::seconds> ttl,
                                    const AcmeSignOptions& options) override;
  Status CheckAcmeIdentifier(logical::Storage& s, std::string_view role, std::string_view type,
                             std::string_view value) override;
  Status Revoke(logical::Storage& s, std::string_view serial_number) override;
  Result<std::string> CertificatePem(logical::Storage& s, std::string_view serial_number) override;

  std::vector<logical::framework::Path> Paths();
  std::vector<std::string> UnauthenticatedPaths() const;
  std::map<std::string, logical::framework::SecretType> Secrets();
  void Periodic(logical::Storage& s);
  void InvalidateIssuers();

  // --- used by the path files ---
  int64_t Now() const { return now_(); }
  std::chrono::seconds DefaultTtl() const;
  std::chrono::seconds MaxTtl() const;
  // "default"/""/id/name -> the loaded issuer. NotFound-style InvalidRequest for unknown refs.
  Result<std::shared_ptr<const LoadedIssuer>> Issuer(logical::Storage& s, std::string_view ref);
  Result<std::optional<Role>> LoadRole(logical::Storage& s, std::string_view name);
  // The role an ACME directory issues with: the named one, or AcmeSignVerbatimRole() for "".
  // NotFound for an unknown name.
  Result<Role> AcmeRole(logical::Storage& s, std::string_view name);
  // Builds, signs and (unless no_store) stores a certificate.
  Result<IssueResult> IssueCertificate(logical::Storage& s, const Role& role, const IssueRequest& req);
  // A key for issue/:role: from the pool for RSA when available, else generated now.
  Result<PkeyPtr> NewLeafKey(std::string_view type, int bits);
  // Revokes a stored certificate; `already` is set when it was revoked before.
  Result<int64_t> RevokeSerial(logical::Storage& s, std::string_view serial, bool* already);
  // The issuer's current CRL (DER), rebuilt when missing, stale or `force`.
  Result<std::string> Crl(logical::Storage& s, std::string_view issuer_id, bool force = false);
  Status RebuildAllCrls(logical::Storage& s);
  // Saves a new issuer (and its key unless key_id is given), making it the default when there
  // is none. Returns the issuer id.
  Result<std::string> ImportIssuer(logical::Storage& s, X509* cert, EVP_PKEY* key,
                                   const std::string& issuer_name, const std::string& key_name,
                                   std::string* key_id_out);
  std::mutex& write_mu() { return write_mu_; }
  acme::AcmeServer& acme() { return *acme_; }

  // Tidy bookkeeping for tidy-status.
  json::object TidyStatus() const;
  void RecordTidy(json::object status);

 private:
  void RefillKeyPool();

  const logical::SystemView* system_;
  std::function<int64_t()> now_;
  std::unique_ptr<acme::AcmeServer> acme_;

  std::shared_mutex cache_mu_;
  std::map<std::string, std::shared_ptr<const LoadedIssuer>> issuers_;  // by id, guarded
  std::map<std::string, std::string> issuer_names_;                     // name -> id, guarded
  std::string default_issuer_;                                          // guarded; "" = unknown
  bool default_known_ = false;
  // Bumped by InvalidateIssuers: an issuer loaded while it ran is not cached (another node's
  // write, applied on a read-serving standby).
  uint64_t issuers_gen_ = 0;  // guarded by cache_mu_

  std::mutex pool_mu_;
  std::deque<PkeyPtr> rsa2048_pool_;  // guarded by pool_mu_
  std::atomic<int> rsa2048_wanted_{0};

  std::mutex crl_mu_;
  std::map<std::string, std::pair<int64_t, std::string>> crls_;  // issuer -> (built at, DER)
  bool crl_dirty_ = true;

  std::mutex write_mu_;
  mutable std::mutex tidy_mu_;
  json::object tidy_status_;
};

}  // namespace arca::pki
