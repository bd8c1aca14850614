// Builds and signs X.509 v3 certificates and CSRs from a plain description (subject fields,
// SANs, validity, CA constraints, key usages, AIA/CDP URLs) with OpenSSL.
//
// Thread-safety: stateless.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engines/pki/x509_util.h"

namespace arca::pki {

struct SubjectFields {
  std::string common_name;
  std::vector<std::string> organization, ou, country, locality, province, street_address,
      postal_code;
  std::string serial_number;  // the subject's serialNumber attribute
};

struct CertSpec {
  SubjectFields subject;
  bool exclude_cn_from_sans = false;
  std::vector<std::string> dns_sans, email_sans, ip_sans, uri_sans;
  std::vector<std::string> other_sans;  // "<oid>;UTF8:<value>"
  int64_t not_before = 0;               // unix seconds
  int64_t not_after = 0;
  bool is_ca = false;
  int max_path_length = -1;  // -1: no constraint
  std::vector<std::string> key_usage;      // Vault names: DigitalSignature, KeyEncipherment, ...
  std::vector<std::string> ext_key_usage;  // ServerAuth, ClientAuth, CodeSigning, EmailProtection, ...
  std::vector<std::string> ext_key_usage_oids;
  std::vector<std::string> issuing_certificates, crl_distribution_points, ocsp_servers;
  std::vector<std::string> policy_identifiers;
};

// Signs `public_key` under `spec` with `signer` (the issuer's key; `issuer` null = self-signed).
// When `spki` is given (a CSR's SubjectPublicKeyInfo) it is copied as it is instead of
// re-encoding `public_key`, which OpenSSL 3.0 makes expensive for decoded keys.
// A random positive 159-bit serial is chosen. Errors: InvalidRequest for unusable input
// (e.g. an IP SAN that does not parse), Internal for OpenSSL failures.
Result<X509Ptr> BuildCertificate(const CertSpec& spec, EVP_PKEY* public_key, X509* issuer,
                                 EVP_PKEY* signer, const X509_PUBKEY* spki = nullptr);

// A CSR for `key` with `spec`'s subject, SANs and (for CAs) basic constraints.
Result<ReqPtr> BuildCsr(const CertSpec& spec, EVP_PKEY* key);

// The digest a key signs with: SHA-256, none for Ed25519.
const EVP_MD* SigningDigest(EVP_PKEY* key);

}  // namespace arca::pki
