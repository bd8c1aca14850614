// Persistent objects of a PKI mount (JSON in the mount's storage view, i.e. through the barrier):
//   config/issuers {default}      issuer/<id>       key/<id>       role/<name>
//   certs/<serial-with-dashes>    revoked/<serial>  crls/<issuer id>
//   config/crl                    config/urls
// Private keys are stored PEM inside key/<id>; they never leave except through the endpoints
// that Vault also lets return them (exported generation).
//
// Thread-safety: stateless functions; PkiEngine serializes read-modify-write sequences.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/json.h"
#include "common/status.h"
#include "logical/storage.h"

namespace arca::pki {

struct IssuerEntry {
  std::string id;
  std::string name;
  std::string key_id;  // empty when the key is not in this mount
  std::string certificate;  // PEM
  std::vector<std::string> ca_chain;  // PEM: this issuer, then its parents when known
  std::string leaf_not_after_behavior = "err";  // err | truncate | permit
  std::string usage = "read-only,issuing-certificates,crl-signing,ocsp-signing";
  std::vector<std::string> issuing_certificates, crl_distribution_points, ocsp_servers;
};

struct KeyEntry {
  std::string id;
  std::string name;
  std::string type;  // rsa | ec | ed25519
  int bits = 0;
  std::string private_key;  // PEM
};

struct CertEntry {
  std::string serial;       // colon form
  std::string certificate;  // PEM
  std::string issuer_id;
  int64_t expiration = 0;
  int64_t revocation_time = 0;  // 0 = not revoked
};

struct CrlConfig {
  std::string expiry = "72h";
  bool disable = false;
  bool ocsp_disable = false;
  bool auto_rebuild = false;
  std::string auto_rebuild_grace_period = "12h";
  bool enable_delta = false;
  std::string ocsp_expiry = "12h";
};

struct UrlsConfig {
  std::vector<std::string> issuing_certificates, crl_distribution_points, ocsp_servers;
  bool enable_templating = false;
};

std::string StorageSerial(std::string_view serial);  // "1a:2b" -> "1a-2b"

Result<std::optional<IssuerEntry>> LoadIssuer(logical::Storage& s, std::string_view id);
Status SaveIssuer(logical::Storage& s, const IssuerEntry& e);
Result<std::vector<std::string>> ListIssuerIds(logical::Storage& s);
Status DeleteIssuer(logical::Storage& s, std::string_view id);

Result<std::optional<KeyEntry>> LoadKey(logical::Storage& s, std::string_view id);
Status SaveKey(logical::Storage& s, const KeyEntry& k);
Result<std::vector<std::string>> ListKeyIds(logical::Storage& s);
Status DeleteKey(logical::Storage& s, std::string_view id);

Result<std::string> DefaultIssuerId(logical::Storage& s);  // "" when none
Status SetDefaultIssuerId(logical::Storage& s, std::string_view id);
Result<std::string> DefaultKeyId(logical::Storage& s);
Status SetDefaultKeyId(logical::Storage& s, std::string_view id);

Result<std::optional<CertEntry>> LoadCert(logical::Storage& s, std::string_view serial);
Status SaveCert(logical::Storage& s, const CertEntry& c);
Status DeleteCert(logical::Storage& s, std::string_view serial);
Result<std::vector<std::string>> ListCertSerials(logical::Storage& s);     // colon form
Result<std::vector<std::string>> ListRevokedSerials(logical::Storage& s);  // colon form
Status MarkRevoked(logical::Storage& s, const CertEntry& c);
Status UnmarkRevoked(logical::Storage& s, std::string_view serial);

Result<CrlConfig> LoadCrlConfig(logical::Storage& s);
Status SaveCrlConfig(logical::Storage& s, const CrlConfig& c);
json::object CrlConfigJson(const CrlConfig& c);
Result<UrlsConfig> LoadUrlsConfig(logical::Storage& s);
Status SaveUrlsConfig(logical::Storage& s, const UrlsConfig& c);
json::object UrlsConfigJson(const UrlsConfig& c);


}  // namespace arca::pki
