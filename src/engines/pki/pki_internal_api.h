#pragma once
#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>
#include "common/status.h"
#include "logical/storage.h"
namespace arca::pki {
struct IssuedCertificate {
  std::string serial_number;
  std::string certificate_pem;
  std::vector<std::string> ca_chain_pem;
  int64_t expiration;
};
// How an ACME certificate is signed (config/acme decides).
struct AcmeSignOptions {
  // Vault's allow_role_ext_key_usage: false = ServerAuth is the only extended key usage whatever
  // the role says; true = the role's server/client/code-signing/email flags, ext_key_usage and
  // ext_key_usage_oids apply.
  bool allow_role_ext_key_usage = false;
};
class PkiInternal {
 public:
  virtual ~PkiInternal() = default;
  // Signs an ACME CSR under `role` ("" = the implicit sign-verbatim role). Only the CSR's key, CN
  // and SANs are used (the caller has matched them to the order's identifiers): no other subject
  // attribute of the CSR reaches the certificate.
  virtual Result<IssuedCertificate> SignCsr(logical::Storage& s, std::string_view issuer_ref,
                                            std::string_view role, std::span<const uint8_t> csr_der,
                                            std::optional<std::chrono::seconds> ttl,
                                            const AcmeSignOptions& options) = 0;
  // Whether `role` ("" = sign-verbatim) may issue for an ACME identifier (`type` "dns" or "ip").
  // Errors: InvalidRequest naming the identifier when the role refuses it, NotFound for an
  // unknown role.
  virtual Status CheckAcmeIdentifier(logical::Storage& s, std::string_view role,
                                     std::string_view type, std::string_view value) = 0;
  virtual Status Revoke(logical::Storage& s, std::string_view serial_number) = 0;
  virtual Result<std::string> CertificatePem(logical::Storage& s, std::string_view serial_number) = 0;
};
}
