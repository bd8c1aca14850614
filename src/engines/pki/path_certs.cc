// Stored certificates, CA and CRL downloads, revocation, OCSP, tidy, config/crl and config/urls.
#include <openssl/ocsp.h>
#include <openssl/x509.h>

#include "common/duration.h"
#include "common/encoding.h"
#include "engines/pki/acme/acme_server.h"
#include "engines/pki/acme/acme_store.h"
#include "engines/pki/cert_builder.h"
#include "engines/pki/pki_paths.h"

namespace arca::pki {

using logical::Operation;
using logical::Request;
using logical::Response;
using logical::framework::FieldData;
using logical::framework::FieldMap;
using logical::framework::FieldSchema;
using logical::framework::FieldType;
using logical::framework::GenericNameRegex;
using logical::framework::Path;

json::object CertResponseData(X509* cert, const LoadedIssuer& issuer, std::string_view format) {
  std::vector<std::string> chain = issuer.entry.ca_chain;
  if (chain.empty()) chain.push_back(issuer.entry.certificate);
  json::object data;
  if (format == "der") {
    data["certificate"] = Base64Encode(CertDer(cert));
    data["issuing_ca"] = Base64Encode(CertDer(issuer.cert.get()));
    json::array der_chain;
    for (const auto& pem : chain) {
      auto c = ParseCertPem(pem);
      if (c) der_chain.emplace_back(Base64Encode(CertDer(c->get())));
    }
    data["ca_chain"] = std::move(der_chain);
  } else {
    std::string pem = CertPem(cert);
    while (!pem.empty() && pem.back() == '\n') pem.pop_back();
    std::string ca = issuer.entry.certificate;
    while (!ca.empty() && ca.back() == '\n') ca.pop_back();
    if (format == "pem_bundle") pem += "\n" + ca;
    data["certificate"] = pem;
    data["issuing_ca"] = ca;
    json::array pem_chain;
    for (auto c : chain) {
      while (!c.empty() && c.back() == '\n') c.pop_back();
      pem_chain.emplace_back(c);
    }
    data["ca_chain"] = std::move(pem_chain);
  }
  data["serial_number"] = SerialOf(cert);
  data["expiration"] = NotAfter(cert);
  return data;
}

Response RawResponse(int status, std::string content_type, std::string body) {
  Response r;
  r.raw = logical::RawBody{status, std::move(content_type), std::move(body)};
  return r;
}

std::string PemWrap(std::string_view type, std::string_view der) {
  std::string b64 = Base64Encode(der);
  std::string out = "-----BEGIN " + std::string(type) + "-----\n";
  for (size_t i = 0; i < b64.size(); i += 64) out += b64.substr(i, 64) + "\n";
  out += "-----END " + std::string(type) + "-----\n";
  return out;
}

std::string OcspRespond(PkiEngine& e, logical::Storage& s, std::string_view request_der) {
  auto encode = [](OCSP_RESPONSE* resp) {
    unsigned char* der = nullptr;
    int len = i2d_OCSP_RESPONSE(resp, &der);
    std::string out(reinterpret_cast<char*>(der), len > 0 ? len : 0);
    OPENSSL_free(der);
    OCSP_RESPONSE_free(resp);
    return out;
  };
  const auto* p = reinterpret_cast<const unsigned char*>(request_der.data());
  OCSP_REQUEST* req = d2i_OCSP_REQUEST(nullptr, &p, static_cast<long>(request_der.size()));
  if (req == nullptr || OCSP_request_onereq_count(req) < 1) {
    OCSP_REQUEST_free(req);
    return encode(OCSP_response_create(OCSP_RESPONSE_STATUS_MALFORMEDREQUEST, nullptr));
  }
  auto crl_cfg = LoadCrlConfig(s);
  if (crl_cfg && crl_cfg->ocsp_disable) {
    OCSP_REQUEST_free(req);
    return encode(OCSP_response_create(OCSP_RESPONSE_STATUS_UNAUTHORIZED, nullptr));
  }
  auto ids = ListIssuerIds(s);
  OCSP_BASICRESP* basic = OCSP_BASICRESP_new();
  std::shared_ptr<const LoadedIssuer> signer;
  const int64_t now = e.Now();
  const int64_t next = now + 12 * 3600;
  for (int i = 0; i < OCSP_request_onereq_count(req); ++i) {
    OCSP_CERTID* cid = OCSP_onereq_get0_id(OCSP_request_onereq_get0(req, i));
    ASN1_OBJECT* md_obj = nullptr;
    ASN1_INTEGER* serial = nullptr;
    OCSP_id_get0_info(nullptr, &md_obj, nullptr, &serial, cid);
    const EVP_MD* md = EVP_get_digestbyobj(md_obj);
    std::shared_ptr<const LoadedIssuer> issuer;
    for (const auto& id : ids ? *ids : std::vector<std::string>{}) {
      auto candidate = e.Issuer(s, id);
      if (!candidate || !(*candidate)->key || md == nullptr) continue;
      OCSP_CERTID* mine = OCSP_cert_id_new(md, X509_get_subject_name((*candidate)->cert.get()),
                                           X509_get0_pubkey_bitstr((*candidate)->cert.get()), serial);
      bool match = mine != nullptr && OCSP_id_issuer_cmp(mine, cid) == 0;
      OCSP_CERTID_free(mine);
      if (match) {
        issuer = *candidate;
        break;
      }
    }
    if (!issuer || (signer && signer != issuer)) {
      OCSP_BASICRESP_free(basic);
      OCSP_REQUEST_free(req);
      return encode(OCSP_response_create(OCSP_RESPONSE_STATUS_UNAUTHORIZED, nullptr));
    }
    signer = issuer;
    const std::string serial_text = SerialString(serial);
    auto cert = LoadCert(s, serial_text);
    int status = V_OCSP_CERTSTATUS_UNKNOWN;
    ASN1_TIME* revoked_at = nullptr;
    if (cert && *cert && (*cert)->issuer_id == issuer->entry.id) {
      if ((*cert)->revocation_time != 0) {
        status = V_OCSP_CERTSTATUS_REVOKED;
        revoked_at = ASN1_TIME_set(nullptr, static_cast<time_t>((*cert)->revocation_time));
      } else {
        status = V_OCSP_CERTSTATUS_GOOD;
      }
    }
    ASN1_TIME* this_update = ASN1_TIME_set(nullptr, static_cast<time_t>(now));
    ASN1_TIME* next_update = ASN1_TIME_set(nullptr, static_cast<time_t>(next));
    OCSP_basic_add1_status(basic, cid, status, status == V_OCSP_CERTSTATUS_REVOKED ? OCSP_REVOKED_STATUS_UNSPECIFIED : 0,
                           revoked_at, this_update, next_update);
    ASN1_TIME_free(revoked_at);
    ASN1_TIME_free(this_update);
    ASN1_TIME_free(next_update);
  }
  OCSP_copy_nonce(basic, req);
  OCSP_REQUEST_free(req);
  if (OCSP_basic_sign(basic, signer->cert.get(), signer->key.get(), SigningDigest(signer->key.get()), nullptr, 0) != 1) {
    OCSP_BASICRESP_free(basic);
    return encode(OCSP_response_create(OCSP_RESPONSE_STATUS_INTERNALERROR, nullptr));
  }
  OCSP_RESPONSE* resp = OCSP_response_create(OCSP_RESPONSE_STATUS_SUCCESSFUL, basic);
  OCSP_BASICRESP_free(basic);
  return encode(resp);
}

namespace {

Path Make(std::string pattern, FieldMap fields, std::map<Operation, logical::framework::OperationSpec> ops, std::string help) {
  Path p;
  p.pattern = std::move(pattern);
  p.fields = std::move(fields);
  p.operations = std::move(ops);
  p.help_synopsis = std::move(help);
  return p;
}

std::string CaChainPem(const LoadedIssuer& issuer) {
  std::string out;
  for (const auto& pem : issuer.entry.ca_chain) out += pem;
  if (out.empty()) out = issuer.entry.certificate;
  return out;
}

Result<Response> RevokeHandler(PkiEngine& e, Request& req, FieldData& f, bool with_key) {
  std::string serial = f.GetString("serial_number");
  std::string cert_pem = f.GetString("certificate");
  if (serial.empty() == cert_pem.empty()) {
    return std::unexpected(InvalidRequest("exactly one of serial_number and certificate must be given"));
  }
  if (!cert_pem.empty()) {
    ARCA_ASSIGN_OR_RETURN(X509Ptr cert, ParseCertPem(cert_pem));
    serial = SerialOf(cert.get());
    ARCA_ASSIGN_OR_RETURN(auto stored, LoadCert(*req.storage, serial));
    if (!stored || stored->certificate != CertPem(cert.get())) {
      return std::unexpected(InvalidRequest("certificate with serial " + serial + " was not issued by this mount"));
    }
  }
  serial = NormalizeSerial(serial);
  if (with_key) {
    std::string key_pem = f.GetString("private_key");
    if (key_pem.empty()) return std::unexpected(InvalidRequest("the private_key field is required"));
    ARCA_ASSIGN_OR_RETURN(PkeyPtr key, ParsePrivateKeyPem(key_pem));
    ARCA_ASSIGN_OR_RETURN(auto stored, LoadCert(*req.storage, serial));
    if (!stored) return std::unexpected(InvalidRequest("certificate with serial " + serial + " not found"));
    ARCA_ASSIGN_OR_RETURN(X509Ptr cert, ParseCertPem(stored->certificate));
    if (X509_check_private_key(cert.get(), key.get()) != 1) {
      return std::unexpected(InvalidRequest("the private key does not match the certificate"));
    }
  }
  bool already = false;
  ARCA_ASSIGN_OR_RETURN(int64_t when, e.RevokeSerial(*req.storage, serial, &already));
  Response r = Response::WithData({{"revocation_time", when},
                                   {"revocation_time_rfc3339", acme::FormatRfc3339(when)},
                                   {"state", "revoked"}});
  if (already) r.warnings.push_back("certificate with serial " + serial + " already revoked");
  return r;
}

Result<Response> Tidy(PkiEngine& e, Request& req, FieldData& f) {
  const bool certs = f.GetBool("tidy_cert_store");
  const bool revoked = f.GetBool("tidy_revoked_certs");
  std::chrono::seconds buffer = f.GetDuration("safety_buffer");
  // Vault's checks and results for the arguments clients send: a buffer must be positive; a
  // tidy with no operation enabled is accepted (202) with a warning naming the operations.
  if (buffer.count() < 1) {
    return std::unexpected(InvalidRequest("safety_buffer must be greater than zero"));
  }
  const bool any = certs || revoked || f.GetBool("tidy_acme");
  const int64_t started = e.Now();
  int64_t deleted = 0, revoked_deleted = 0;
  ARCA_ASSIGN_OR_RETURN(auto serials, ListCertSerials(*req.storage));
  for (const auto& serial : serials) {
    ARCA_ASSIGN_OR_RETURN(auto c, LoadCert(*req.storage, serial));
    if (!c || c->expiration + buffer.count() > started) continue;
    if (c->revocation_time != 0 && !revoked) continue;
    if (c->revocation_time == 0 && !certs) continue;
    ARCA_RETURN_IF_ERROR(DeleteCert(*req.storage, serial));
    ++deleted;
    if (c->revocation_time != 0) {
      ARCA_RETURN_IF_ERROR(UnmarkRevoked(*req.storage, serial));
      ++revoked_deleted;
    }
  }
  if (revoked_deleted > 0) ARCA_RETURN_IF_ERROR(e.RebuildAllCrls(*req.storage));
  if (f.GetBool("tidy_acme")) e.acme().Tidy(*req.storage);
  e.RecordTidy({{"state", "Finished"},
                {"error", nullptr},
                {"time_started", acme::FormatRfc3339(started)},
                {"time_finished", acme::FormatRfc3339(e.Now())},
                {"tidy_cert_store", certs},
                {"tidy_revoked_certs", revoked},
                {"safety_buffer", buffer.count()},
                {"cert_store_deleted_count", deleted},
                {"revoked_cert_deleted_count", revoked_deleted}});
  Response r;
  r.warnings.push_back(
      any ? "Tidy operation successfully started. Any information from the operation will be "
            "printed to Vault's server logs."
          : "Manual tidy requested but no tidy operations were set. Enable at least one tidy "
            "operation to be run (tidy_cert_store / tidy_revoked_certs / tidy_acme).");
  r.status_code = 202;
  return r;
}

}  // namespace

std::vector<Path> CertPaths(PkiEngine& e) {
  std::vector<Path> paths;
  paths.push_back(Make("certs/?", {}, {{Operation::kList, {[](Request& req, FieldData&) -> Result<Response> {
                                          ARCA_ASSIGN_OR_RETURN(auto s, ListCertSerials(*req.storage));
                                          return Response::ListResponse(s);
                                        }, "List stored certificates."}}},
                       "Serial numbers of stored certificates."));
  paths.push_back(Make("certs/revoked/?", {}, {{Operation::kList, {[](Request& req, FieldData&) -> Result<Response> {
                                                  ARCA_ASSIGN_OR_RETURN(auto s, ListRevokedSerials(*req.storage));
                                                  return Response::ListResponse(s);
                                                }, "List revoked certificates."}}},
                       "Serial numbers of revoked certificates."));

  // cert/ca, cert/ca_chain, cert/crl and cert/:serial (JSON); cert/:serial/raw(/pem).
  auto read_cert = [&e](Request& req, FieldData& f) -> Result<Response> {
    const std::string serial = f.GetString("serial");
    const std::string raw = f.GetString("raw");
    std::string pem;
    int64_t revocation_time = 0;
    if (serial == "ca" || serial == "ca_chain") {
      ARCA_ASSIGN_OR_RETURN(auto issuer, e.Issuer(*req.storage, "default"));
      pem = serial == "ca" ? issuer->entry.certificate : CaChainPem(*issuer);
      if (serial == "ca_chain" && raw.empty()) {
        return Response::WithData({{"certificate", pem}, {"ca_chain", pem}});
      }
    } else if (serial == "crl" || serial == "delta-crl") {
      ARCA_ASSIGN_OR_RETURN(auto issuer, e.Issuer(*req.storage, "default"));
      ARCA_ASSIGN_OR_RETURN(std::string der, e.Crl(*req.storage, issuer->entry.id));
      pem = PemWrap("X509 CRL", der);
      if (raw == "raw") return RawResponse(200, "application/pkix-crl", der);
    } else {
      ARCA_ASSIGN_OR_RETURN(auto c, LoadCert(*req.storage, serial));
      if (!c) return std::unexpected(NotFound("certificate with serial " + NormalizeSerial(serial) + " not found"));
      pem = c->certificate;
      revocation_time = c->revocation_time;
    }
    if (raw == "raw") {
      ARCA_ASSIGN_OR_RETURN(X509Ptr cert, ParseCertPem(pem));
      return RawResponse(200, "application/pkix-cert", CertDer(cert.get()));
    }
    if (raw == "raw/pem") return RawResponse(200, "application/pem-certificate-chain", pem);
    json::object data{{"certificate", pem}, {"revocation_time", revocation_time}};
    if (revocation_time != 0) data["revocation_time_rfc3339"] = acme::FormatRfc3339(revocation_time);
    return Response::WithData(std::move(data));
  };
  paths.push_back(Make(R"(cert/(?<serial>[0-9A-Fa-f:-]+|ca|ca_chain|crl|delta-crl)(?:/(?<raw>raw|raw/pem))?)",
                       {{"serial", FieldSchema{FieldType::kString, "serial number (colon or hyphen form)"}},
                        {"raw", FieldSchema{FieldType::kString, "raw or raw/pem"}}},
                       {{Operation::kRead, {read_cert, "Read a certificate."}}}, "A stored certificate."));

  auto ca = [&e](Request& req, FieldData& f) -> Result<Response> {
    auto issuer = e.Issuer(*req.storage, "default");
    if (!issuer) return RawResponse(204, "", "");
    const std::string kind = f.GetString("kind");
    if (kind == "ca") return RawResponse(200, "application/pkix-cert", CertDer((*issuer)->cert.get()));
    if (kind == "ca/pem") return RawResponse(200, "application/pem-certificate-chain", (*issuer)->entry.certificate);
    return RawResponse(200, "application/pem-certificate-chain", CaChainPem(**issuer));
  };
  paths.push_back(Make("(?<kind>ca|ca/pem|ca_chain|cert/ca_chain/raw)", {{"kind", FieldSchema{FieldType::kString, "what"}}},
                       {{Operation::kRead, {ca, "The default issuer's certificate."}}}, "CA certificate downloads."));

  auto crl = [&e](Request& req, FieldData& f) -> Result<Response> {
    std::string ref = f.GetString("issuer_ref");
    ARCA_ASSIGN_OR_RETURN(auto issuer, e.Issuer(*req.storage, ref.empty() ? "default" : ref));
    ARCA_ASSIGN_OR_RETURN(std::string der, e.Crl(*req.storage, issuer->entry.id));
    const std::string kind = f.GetString("kind");
    if (kind == "/pem") return RawResponse(200, "application/x-pem-file", PemWrap("X509 CRL", der));
    if (!ref.empty() && kind.empty()) {
      return Response::WithData({{"crl", PemWrap("X509 CRL", der)}});
    }
    return RawResponse(200, "application/pkix-crl", der);
  };
  FieldMap crl_fields = {{"issuer_ref", FieldSchema{FieldType::kString, "issuer"}},
                         {"kind", FieldSchema{FieldType::kString, "format"}}};
  paths.push_back(Make("crl(?<kind>/pem)?", crl_fields, {{Operation::kRead, {crl, "The default issuer's CRL."}}}, "CRL download."));
  paths.push_back(Make("issuer/" + GenericNameRegex("issuer_ref") + "/crl(?<kind>/pem|/der)?", crl_fields,
                       {{Operation::kRead, {crl, "An issuer's CRL."}}}, "An issuer's CRL."));
  paths.push_back(Make("crl/rotate", {}, {{Operation::kRead, {[&e](Request& req, FieldData&) -> Result<Response> {
                                             ARCA_RETURN_IF_ERROR(e.RebuildAllCrls(*req.storage));
                                             return Response::WithData({{"success", true}});
                                           }, "Rebuild the CRLs."}}},
                       "Rebuild every issuer's CRL now."));

  FieldMap revoke_fields = {{"serial_number", FieldSchema{FieldType::kString, "serial number"}},
                            {"certificate", FieldSchema{FieldType::kString, "certificate (PEM)"}},
                            {"private_key", FieldSchema{FieldType::kString, "its private key (PEM)"}}};
  paths.push_back(Make("revoke", revoke_fields, {{Operation::kUpdate, {[&e](Request& r, FieldData& f) { return RevokeHandler(e, r, f, false); }, "Revoke a certificate."}}},
                       "Revoke a certificate by serial number or PEM."));
  paths.push_back(Make("revoke-with-key", revoke_fields, {{Operation::kUpdate, {[&e](Request& r, FieldData& f) { return RevokeHandler(e, r, f, true); }, "Revoke with proof of key."}}},
                       "Revoke a certificate, proving possession of its key."));

  FieldMap crl_cfg_fields = {
      {"expiry", FieldSchema{FieldType::kString, "CRL lifetime"}},
      {"disable", FieldSchema{FieldType::kBool, "publish empty CRLs"}},
      {"ocsp_disable", FieldSchema{FieldType::kBool, "disable the OCSP responder"}},
      {"auto_rebuild", FieldSchema{FieldType::kBool, "rebuild periodically instead of on revocation"}},
      {"auto_rebuild_grace_period", FieldSchema{FieldType::kString, "rebuild before expiry by this much"}},
      {"enable_delta", FieldSchema{FieldType::kBool, "accepted"}},
      {"ocsp_expiry", FieldSchema{FieldType::kString, "OCSP response lifetime"}},
  };
  paths.push_back(Make("config/crl", crl_cfg_fields,
                       {{Operation::kRead, {[](Request& req, FieldData&) -> Result<Response> {
                           ARCA_ASSIGN_OR_RETURN(CrlConfig c, LoadCrlConfig(*req.storage));
                           return Response::WithData(CrlConfigJson(c));
                         }, "Read the CRL configuration."}},
                        {Operation::kUpdate, {[&e](Request& req, FieldData& f) -> Result<Response> {
                           ARCA_ASSIGN_OR_RETURN(CrlConfig c, LoadCrlConfig(*req.storage));
                           for (const char* name : {"expiry", "auto_rebuild_grace_period", "ocsp_expiry"}) {
                             if (!f.Has(name)) continue;
                             std::string v = f.GetString(name);
                             auto d = ParseDuration(v);
                             if (!d || d->count() <= 0) return std::unexpected(InvalidRequest(std::string("invalid ") + name + " \"" + v + "\""));
                           }
                           if (f.Has("expiry")) c.expiry = f.GetString("expiry");
                           if (f.Has("auto_rebuild_grace_period")) c.auto_rebuild_grace_period = f.GetString("auto_rebuild_grace_period");
                           if (f.Has("ocsp_expiry")) c.ocsp_expiry = f.GetString("ocsp_expiry");
                           if (f.Has("disable")) c.disable = f.GetBool("disable");
                           if (f.Has("ocsp_disable")) c.ocsp_disable = f.GetBool("ocsp_disable");
                           if (f.Has("auto_rebuild")) c.auto_rebuild = f.GetBool("auto_rebuild");
                           if (f.Has("enable_delta")) c.enable_delta = f.GetBool("enable_delta");
                           ARCA_RETURN_IF_ERROR(SaveCrlConfig(*req.storage, c));
                           ARCA_RETURN_IF_ERROR(e.RebuildAllCrls(*req.storage));
                           return Response::WithData(CrlConfigJson(c));
                         }, "Configure CRLs."}}},
                       "CRL configuration."));
  FieldMap url_fields = {{"issuing_certificates", FieldSchema{FieldType::kCommaStringSlice, "AIA URLs"}},
                         {"crl_distribution_points", FieldSchema{FieldType::kCommaStringSlice, "CDP URLs"}},
                         {"ocsp_servers", FieldSchema{FieldType::kCommaStringSlice, "OCSP URLs"}},
                         {"enable_templating", FieldSchema{FieldType::kBool, "accepted"}}};
  paths.push_back(Make("config/urls", url_fields,
                       {{Operation::kRead, {[](Request& req, FieldData&) -> Result<Response> {
                           ARCA_ASSIGN_OR_RETURN(UrlsConfig c, LoadUrlsConfig(*req.storage));
                           return Response::WithData(UrlsConfigJson(c));
                         }, "Read the URLs."}},
                        {Operation::kUpdate, {[](Request& req, FieldData& f) -> Result<Response> {
                           ARCA_ASSIGN_OR_RETURN(UrlsConfig c, LoadUrlsConfig(*req.storage));
                           auto set = [&](const char* name, std::vector<std::string>& dst) -> Status {
                             if (!f.Has(name)) return {};
                             auto v = f.GetStringSlice(name);
                             for (const auto& u : v) {
                               if (!u.starts_with("http://") && !u.starts_with("https://") && !u.starts_with("ldap://")) {
                                 return std::unexpected(InvalidRequest(std::string("invalid URL in ") + name + ": \"" + u + "\""));
                               }
                             }
                             dst = v;
                             return {};
                           };
                           ARCA_RETURN_IF_ERROR(set("issuing_certificates", c.issuing_certificates));
                           ARCA_RETURN_IF_ERROR(set("crl_distribution_points", c.crl_distribution_points));
                           ARCA_RETURN_IF_ERROR(set("ocsp_servers", c.ocsp_servers));
                           if (f.Has("enable_templating")) c.enable_templating = f.GetBool("enable_templating");
                           ARCA_RETURN_IF_ERROR(SaveUrlsConfig(*req.storage, c));
                           return Response::WithData(UrlsConfigJson(c));
                         }, "Set the URLs."}}},
                       "URLs put in issued certificates."));

  auto ocsp_post = [&e](Request& req, FieldData&) -> Result<Response> {
    std::string body = req.raw_body;
    return RawResponse(200, "application/ocsp-response", OcspRespond(e, *req.storage, body));
  };
  auto ocsp_get = [&e](Request& req, FieldData& f) -> Result<Response> {
    std::string encoded = f.GetString("req");
    // GET requests carry base64 (URL-decoded by the HTTP layer), maybe URL-safe.
    auto der = Base64Decode(encoded);
    if (!der) der = Base64UrlDecode(encoded);
    if (!der) return RawResponse(200, "application/ocsp-response", OcspRespond(e, *req.storage, ""));
    return RawResponse(200, "application/ocsp-response", OcspRespond(e, *req.storage, *der));
  };
  paths.push_back(Make("ocsp", {}, {{Operation::kUpdate, {ocsp_post, "OCSP (POST)."}}}, "The OCSP responder."));
  paths.push_back(Make("ocsp/(?<req>.+)", {{"req", FieldSchema{FieldType::kString, "base64 OCSP request"}}},
                       {{Operation::kRead, {ocsp_get, "OCSP (GET)."}}}, "The OCSP responder (GET form)."));

  FieldMap tidy_fields = {{"tidy_cert_store", FieldSchema{FieldType::kBool, "delete expired certificates", false}},
                          {"tidy_revoked_certs", FieldSchema{FieldType::kBool, "delete expired revoked certificates", false}},
                          {"tidy_revoked_cert_issuer_associations", FieldSchema{FieldType::kBool, "accepted", false}},
                          {"tidy_expired_issuers", FieldSchema{FieldType::kBool, "accepted", false}},
                          {"tidy_acme", FieldSchema{FieldType::kBool, "delete stale ACME orders", false}},
                          {"safety_buffer", FieldSchema{FieldType::kDuration, "grace after expiry", 259200}},
                          {"pause_duration", FieldSchema{FieldType::kString, "accepted", "0s"}}};
  paths.push_back(Make("tidy", tidy_fields, {{Operation::kUpdate, {[&e](Request& r, FieldData& f) { return Tidy(e, r, f); }, "Tidy the certificate store."}}},
                       "Remove expired certificates."));
  paths.push_back(Make("tidy-status", {}, {{Operation::kRead, {[&e](Request&, FieldData&) -> Result<Response> {
                                              json::object s = e.TidyStatus();
                                              if (s.empty()) s = {{"state", "Inactive"}};
                                              return Response::WithData(std::move(s));
                                            }, "Status of the last tidy."}}},
                       "Status of the last tidy."));
  return paths;
}

}  // namespace arca::pki
