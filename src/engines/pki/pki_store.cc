#include "engines/pki/pki_store.h"

#include "engines/pki/x509_util.h"

namespace arca::pki {
namespace {

Result<std::optional<json::object>> LoadObj(logical::Storage& s, const std::string& key) {
  ARCA_ASSIGN_OR_RETURN(auto v, logical::GetJson(s, key));
  if (!v) return std::optional<json::object>();
  if (!v->is_object()) return std::unexpected(Internal("corrupt PKI entry " + key));
  return std::optional<json::object>(v->as_object());
}

Result<std::vector<std::string>> ListIds(logical::Storage& s, std::string_view prefix) {
  ARCA_ASSIGN_OR_RETURN(auto keys, s.List(prefix));
  std::vector<std::string> out;
  for (auto& k : keys) {
    if (!k.empty() && k.back() != '/') out.push_back(std::move(k));
  }
  return out;
}

}  // namespace

std::string StorageSerial(std::string_view serial) {
  std::string out = NormalizeSerial(serial);
  for (char& c : out) {
    if (c == ':') c = '-';
  }
  return out;
}

Result<std::optional<IssuerEntry>> LoadIssuer(logical::Storage& s, std::string_view id) {
  ARCA_ASSIGN_OR_RETURN(auto o, LoadObj(s, "issuer/" + std::string(id)));
  if (!o) return std::optional<IssuerEntry>();
  IssuerEntry e;
  e.id = StringOr(*o, "issuer_id");
  e.name = StringOr(*o, "issuer_name");
  e.key_id = StringOr(*o, "key_id");
  e.certificate = StringOr(*o, "certificate");
  e.ca_chain = StringsOf(*o, "ca_chain");
  e.leaf_not_after_behavior = StringOr(*o, "leaf_not_after_behavior", "err");
  e.usage = StringOr(*o, "usage", e.usage);
  e.issuing_certificates = StringsOf(*o, "issuing_certificates");
  e.crl_distribution_points = StringsOf(*o, "crl_distribution_points");
  e.ocsp_servers = StringsOf(*o, "ocsp_servers");
  return std::optional<IssuerEntry>(std::move(e));
}

Status SaveIssuer(logical::Storage& s, const IssuerEntry& e) {
  return logical::PutJson(s, "issuer/" + e.id,
                          json::object{{"issuer_id", e.id},
                                       {"issuer_name", e.name},
                                       {"key_id", e.key_id},
                                       {"certificate", e.certificate},
                                       {"ca_chain", ToJsonArray(e.ca_chain)},
                                       {"leaf_not_after_behavior", e.leaf_not_after_behavior},
                                       {"usage", e.usage},
                                       {"issuing_certificates", ToJsonArray(e.issuing_certificates)},
                                       {"crl_distribution_points", ToJsonArray(e.crl_distribution_points)},
                                       {"ocsp_servers", ToJsonArray(e.ocsp_servers)}});
}

Result<std::vector<std::string>> ListIssuerIds(logical::Storage& s) { return ListIds(s, "issuer/"); }
Status DeleteIssuer(logical::Storage& s, std::string_view id) { return s.Delete("issuer/" + std::string(id)); }

Result<std::optional<KeyEntry>> LoadKey(logical::Storage& s, std::string_view id) {
  ARCA_ASSIGN_OR_RETURN(auto o, LoadObj(s, "key/" + std::string(id)));
  if (!o) return std::optional<KeyEntry>();
  KeyEntry k;
  k.id = StringOr(*o, "key_id");
  k.name = StringOr(*o, "key_name");
  k.type = StringOr(*o, "key_type");
  k.bits = static_cast<int>(IntOr(*o, "key_bits"));
  k.private_key = StringOr(*o, "private_key");
  return std::optional<KeyEntry>(std::move(k));
}

Status SaveKey(logical::Storage& s, const KeyEntry& k) {
  return logical::PutJson(s, "key/" + k.id,
                          json::object{{"key_id", k.id}, {"key_name", k.name}, {"key_type", k.type},
                                       {"key_bits", k.bits}, {"private_key", k.private_key}});
}

Result<std::vector<std::string>> ListKeyIds(logical::Storage& s) { return ListIds(s, "key/"); }
Status DeleteKey(logical::Storage& s, std::string_view id) { return s.Delete("key/" + std::string(id)); }

Result<std::string> DefaultIssuerId(logical::Storage& s) {
  ARCA_ASSIGN_OR_RETURN(auto o, LoadObj(s, "config/issuers"));
  return o ? StringOr(*o, "default") : std::string();
}

Status SetDefaultIssuerId(logical::Storage& s, std::string_view id) {
  return logical::PutJson(s, "config/issuers", json::object{{"default", std::string(id)}});
}

Result<std::string> DefaultKeyId(logical::Storage& s) {
  ARCA_ASSIGN_OR_RETURN(auto o, LoadObj(s, "config/keys"));
  return o ? StringOr(*o, "default") : std::string();
}

Status SetDefaultKeyId(logical::Storage& s, std::string_view id) {
  return logical::PutJson(s, "config/keys", json::object{{"default", std::string(id)}});
}

Result<std::optional<CertEntry>> LoadCert(logical::Storage& s, std::string_view serial) {
  ARCA_ASSIGN_OR_RETURN(auto o, LoadObj(s, "certs/" + StorageSerial(serial)));
  if (!o) return std::optional<CertEntry>();
  CertEntry c;
  c.serial = NormalizeSerial(serial);
  c.certificate = StringOr(*o, "certificate");
  c.issuer_id = StringOr(*o, "issuer_id");
  c.expiration = IntOr(*o, "expiration");
  c.revocation_time = IntOr(*o, "revocation_time");
  return std::optional<CertEntry>(std::move(c));
}

Status SaveCert(logical::Storage& s, const CertEntry& c) {
  return logical::PutJson(s, "certs/" + StorageSerial(c.serial),
                          json::object{{"certificate", c.certificate},
                                       {"issuer_id", c.issuer_id},
                                       {"expiration", c.expiration},
                                       {"revocation_time", c.revocation_time}});
}

Status DeleteCert(logical::Storage& s, std::string_view serial) {
  return s.Delete("certs/" + StorageSerial(serial));
}

Result<std::vector<std::string>> ListCertSerials(logical::Storage& s) {
  ARCA_ASSIGN_OR_RETURN(auto ids, ListIds(s, "certs/"));
  for (auto& id : ids) id = NormalizeSerial(id);
  return ids;
}

Result<std::vector<std::string>> ListRevokedSerials(logical::Storage& s) {
  ARCA_ASSIGN_OR_RETURN(auto ids, ListIds(s, "revoked/"));
  for (auto& id : ids) id = NormalizeSerial(id);
  return ids;
}

Status MarkRevoked(logical::Storage& s, const CertEntry& c) {
  return logical::PutJson(s, "revoked/" + StorageSerial(c.serial),
                          json::object{{"issuer_id", c.issuer_id},
                                       {"revocation_time", c.revocation_time},
                                       {"expiration", c.expiration}});
}

Status UnmarkRevoked(logical::Storage& s, std::string_view serial) {
  return s.Delete("revoked/" + StorageSerial(serial));
}

json::object CrlConfigJson(const CrlConfig& c) {
  return {{"expiry", c.expiry},
          {"disable", c.disable},
          {"ocsp_disable", c.ocsp_disable},
          {"auto_rebuild", c.auto_rebuild},
          {"auto_rebuild_grace_period", c.auto_rebuild_grace_period},
          {"enable_delta", c.enable_delta},
          {"ocsp_expiry", c.ocsp_expiry}};
}

Result<CrlConfig> LoadCrlConfig(logical::Storage& s) {
  ARCA_ASSIGN_OR_RETURN(auto o, LoadObj(s, "config/crl"));
  CrlConfig c;
  if (!o) return c;
  c.expiry = StringOr(*o, "expiry", c.expiry);
  c.disable = BoolOr(*o, "disable");
  c.ocsp_disable = BoolOr(*o, "ocsp_disable");
  c.auto_rebuild = BoolOr(*o, "auto_rebuild");
  c.auto_rebuild_grace_period = StringOr(*o, "auto_rebuild_grace_period", c.auto_rebuild_grace_period);
  c.enable_delta = BoolOr(*o, "enable_delta");
  c.ocsp_expiry = StringOr(*o, "ocsp_expiry", c.ocsp_expiry);
  return c;
}

Status SaveCrlConfig(logical::Storage& s, const CrlConfig& c) {
  return logical::PutJson(s, "config/crl", CrlConfigJson(c));
}

json::object UrlsConfigJson(const UrlsConfig& c) {
  return {{"issuing_certificates", ToJsonArray(c.issuing_certificates)},
          {"crl_distribution_points", ToJsonArray(c.crl_distribution_points)},
          {"ocsp_servers", ToJsonArray(c.ocsp_servers)},
          {"enable_templating", c.enable_templating}};
}

Result<UrlsConfig> LoadUrlsConfig(logical::Storage& s) {
  ARCA_ASSIGN_OR_RETURN(auto o, LoadObj(s, "config/urls"));
  UrlsConfig c;
  if (!o) return c;
  c.issuing_certificates = StringsOf(*o, "issuing_certificates");
  c.crl_distribution_points = StringsOf(*o, "crl_distribution_points");
  c.ocsp_servers = StringsOf(*o, "ocsp_servers");
  c.enable_templating = BoolOr(*o, "enable_templating");
  return c;
}

Status SaveUrlsConfig(logical::Storage& s, const UrlsConfig& c) {
  return logical::PutJson(s, "config/urls", UrlsConfigJson(c));
}

}  // namespace arca::pki
