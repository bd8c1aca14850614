// Test-only helper (header-only, included by tests): certificates and CRLs made with OpenSSL for
// the cert auth method's tests. EC P-256 keys. Throws std::runtime_error on OpenSSL failure.
#pragma once

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace arca::auth::cert::testing {

// A certificate with its key.
class TestCert {
 public:
  TestCert() = default;
  TestCert(X509* cert, EVP_PKEY* key) : cert_(cert, X509_free), key_(key, EVP_PKEY_free) {}

  X509* cert() const { return cert_.get(); }
  EVP_PKEY* key() const { return key_.get(); }
  std::string Pem() const {
    BIO* b = BIO_new(BIO_s_mem());
    PEM_write_bio_X509(b, cert_.get());
    return Drain(b);
  }
  std::string KeyPem() const {
    BIO* b = BIO_new(BIO_s_mem());
    PEM_write_bio_PrivateKey(b, key_.get(), nullptr, nullptr, 0, nullptr, nullptr);
    return Drain(b);
  }
  std::string Der() const {
    unsigned char* der = nullptr;
    int len = i2d_X509(cert_.get(), &der);
    std::string out(reinterpret_cast<char*>(der), static_cast<size_t>(len));
    OPENSSL_free(der);
    return out;
  }

  static std::string Drain(BIO* b) {
    char* data = nullptr;
    long len = BIO_get_mem_data(b, &data);
    std::string out(data, static_cast<size_t>(len));
    BIO_free(b);
    return out;
  }

 private:
  std::shared_ptr<X509> cert_;
  std::shared_ptr<EVP_PKEY> key_;
};

struct CertSpec {
  std::string cn = "client";
  bool ca = false;
  long serial = 1;
  long not_before_s = -3600;     // relative to now
  long not_after_s = 24 * 3600;  // relative to now
  std::string ou;                // one OU, if set
  std::string san;               // "DNS:a.example,email:x@y,URI:spiffe://t/w"
  std::string eku;               // "clientAuth", "serverAuth", ...; none if empty
  // Extra extensions: {oid, UTF8String value}.
  std::vector<std::pair<std::string, std::string>> utf8_extensions;
};

inline void AddExt(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
  if (!ext) throw std::runtime_error("extension failed: " + value);
  X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
}

// Issues a certificate per `spec`, signed by `issuer` (self-signed when null).
inline TestCert Issue(const CertSpec& spec, const TestCert* issuer = nullptr) {
  EVP_PKEY* key = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
  if (!key) throw std::runtime_error("keygen failed");
  X509* cert = X509_new();
  X509_set_version(cert, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert), spec.serial);
  X509_gmtime_adj(X509_getm_notBefore(cert), spec.not_before_s);
  X509_gmtime_adj(X509_getm_notAfter(cert), spec.not_after_s);
  X509_NAME* name = X509_get_subject_name(cert);
  if (!spec.ou.empty()) {
    X509_NAME_add_entry_by_txt(name, "OU", MBSTRING_UTF8,
                               reinterpret_cast<const unsigned char*>(spec.ou.c_str()), -1, -1, 0);
  }
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                             reinterpret_cast<const unsigned char*>(spec.cn.c_str()), -1, -1, 0);
  X509_set_issuer_name(cert, issuer ? X509_get_subject_name(issuer->cert()) : name);
  X509_set_pubkey(cert, key);
  X509* ext_issuer = issuer ? issuer->cert() : cert;
  AddExt(cert, ext_issuer, NID_basic_constraints, spec.ca ? "critical,CA:TRUE" : "CA:FALSE");
  AddExt(cert, ext_issuer, NID_subject_key_identifier, "hash");
  if (issuer) AddExt(cert, ext_issuer, NID_authority_key_identifier, "keyid:always");
  if (spec.ca) AddExt(cert, ext_issuer, NID_key_usage, "critical,keyCertSign,cRLSign");
  if (!spec.san.empty()) AddExt(cert, ext_issuer, NID_subject_alt_name, spec.san);
  if (!spec.eku.empty()) AddExt(cert, ext_issuer, NID_ext_key_usage, spec.eku);
  for (const auto& [oid, value] : spec.utf8_extensions) {
    ASN1_OBJECT* obj = OBJ_txt2obj(oid.c_str(), 1);
    ASN1_UTF8STRING* str = ASN1_UTF8STRING_new();
    ASN1_STRING_set(str, value.data(), static_cast<int>(value.size()));
    unsigned char* der = nullptr;
    int len = i2d_ASN1_UTF8STRING(str, &der);
    ASN1_OCTET_STRING* data = ASN1_OCTET_STRING_new();
    ASN1_OCTET_STRING_set(data, der, len);
    X509_EXTENSION* ext = X509_EXTENSION_create_by_OBJ(nullptr, obj, 0, data);
    X509_add_ext(cert, ext, -1);
    X509_EXTENSION_free(ext);
    ASN1_OCTET_STRING_free(data);
    OPENSSL_free(der);
    ASN1_UTF8STRING_free(str);
    ASN1_OBJECT_free(obj);
  }
  if (!X509_sign(cert, issuer ? issuer->key() : key, EVP_sha256())) {
    throw std::runtime_error("sign failed");
  }
  return TestCert(cert, key);
}

// A PEM CRL issued by `ca` revoking `serials`.
inline std::string MakeCrl(const TestCert& ca, const std::vector<long>& serials) {
  X509_CRL* crl = X509_CRL_new();
  X509_CRL_set_version(crl, 1);
  X509_CRL_set_issuer_name(crl, X509_get_subject_name(ca.cert()));
  ASN1_TIME* now = ASN1_TIME_adj(nullptr, time(nullptr), 0, 0);
  ASN1_TIME* next = ASN1_TIME_adj(nullptr, time(nullptr), 1, 0);
  X509_CRL_set1_lastUpdate(crl, now);
  X509_CRL_set1_nextUpdate(crl, next);
  for (long s : serials) {
    X509_REVOKED* r = X509_REVOKED_new();
    ASN1_INTEGER* serial = ASN1_INTEGER_new();
    ASN1_INTEGER_set(serial, s);
    X509_REVOKED_set_serialNumber(r, serial);
    X509_REVOKED_set_revocationDate(r, now);
    X509_CRL_add0_revoked(crl, r);
    ASN1_INTEGER_free(serial);
  }
  X509_CRL_sort(crl);
  if (!X509_CRL_sign(crl, ca.key(), EVP_sha256())) throw std::runtime_error("CRL sign failed");
  BIO* b = BIO_new(BIO_s_mem());
  PEM_write_bio_X509_CRL(b, crl);
  ASN1_TIME_free(now);
  ASN1_TIME_free(next);
  X509_CRL_free(crl);
  return TestCert::Drain(b);
}

}  // namespace arca::auth::cert::testing
