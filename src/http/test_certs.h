// Test-only helper (header-only, included by *_test.cc): a throwaway PKI written to a temp dir.
// A CA, a server certificate for 127.0.0.1/localhost and a client certificate signed by the CA,
// and a client certificate from an unrelated CA. EC P-256 keys, via OpenSSL's EVP/X509 APIs.
#pragma once

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <string>

namespace arca::http::testing {

struct TestPki {
  std::string dir;
  std::string ca_cert;
  std::string server_cert, server_key;
  std::string client_cert, client_key;
  std::string rogue_cert, rogue_key;  // client cert+key not signed by ca_cert
  std::string other_key;              // a key matching none of the certificates
};

namespace detail {

inline EVP_PKEY* NewKey() {
  EVP_PKEY* k = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
  if (!k) throw std::runtime_error("keygen failed");
  return k;
}

inline void AddExt(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  if (!ext) throw std::runtime_error("extension failed");
  X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
}

// Issues a certificate for `key` named `cn`, signed by issuer/issuer_key (self-signed if null).
inline X509* Issue(EVP_PKEY* key, const char* cn, X509* issuer, EVP_PKEY* issuer_key, bool ca,
                   const char* san, long serial) {
  X509* cert = X509_new();
  X509_set_version(cert, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert), serial);
  X509_gmtime_adj(X509_getm_notBefore(cert), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert), 24 * 3600);
  X509_NAME* name = X509_get_subject_name(cert);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(cn),
                             -1, -1, 0);
  X509_set_issuer_name(cert, issuer ? X509_get_subject_name(issuer) : name);
  X509_set_pubkey(cert, key);
  X509* ext_issuer = issuer ? issuer : cert;
  AddExt(cert, ext_issuer, NID_basic_constraints, ca ? "critical,CA:TRUE" : "CA:FALSE");
  if (ca) AddExt(cert, ext_issuer, NID_key_usage, "critical,keyCertSign,cRLSign");
  if (san) AddExt(cert, ext_issuer, NID_subject_alt_name, san);
  if (!X509_sign(cert, issuer_key ? issuer_key : key, EVP_sha256())) {
    throw std::runtime_error("sign failed");
  }
  return cert;
}

inline std::string WriteCert(const std::string& path, X509* cert) {
  FILE* f = std::fopen(path.c_str(), "w");
  PEM_write_X509(f, cert);
  std::fclose(f);
  return path;
}

inline std::string WriteKey(const std::string& path, EVP_PKEY* key) {
  FILE* f = std::fopen(path.c_str(), "w");
  PEM_write_PrivateKey(f, key, nullptr, nullptr, 0, nullptr, nullptr);
  std::fclose(f);
  return path;
}

}  // namespace detail

// Creates the PKI in a fresh temp dir (removed by RemoveTestPki).
inline TestPki MakeTestPki() {
  using namespace detail;
  std::string tmpl = (std::filesystem::temp_directory_path() / "arca-http-pki-XXXXXX").string();
  if (!mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
  TestPki pki;
  pki.dir = tmpl;
  EVP_PKEY* ca_key = NewKey();
  X509* ca = Issue(ca_key, "arca test CA", nullptr, nullptr, true, nullptr, 1);
  EVP_PKEY* server_key = NewKey();
  X509* server = Issue(server_key, "localhost", ca, ca_key, false, "IP:127.0.0.1,DNS:localhost", 2);
  EVP_PKEY* client_key = NewKey();
  X509* client = Issue(client_key, "client", ca, ca_key, false, nullptr, 3);
  EVP_PKEY* rogue_ca_key = NewKey();
  X509* rogue_ca = Issue(rogue_ca_key, "rogue CA", nullptr, nullptr, true, nullptr, 4);
  EVP_PKEY* rogue_key = NewKey();
  X509* rogue = Issue(rogue_key, "rogue client", rogue_ca, rogue_ca_key, false, nullptr, 5);
  EVP_PKEY* other_key = NewKey();

  pki.ca_cert = WriteCert(pki.dir + "/ca.pem", ca);
  pki.server_cert = WriteCert(pki.dir + "/server.pem", server);
  pki.server_key = WriteKey(pki.dir + "/server-key.pem", server_key);
  pki.client_cert = WriteCert(pki.dir + "/client.pem", client);
  pki.client_key = WriteKey(pki.dir + "/client-key.pem", client_key);
  pki.rogue_cert = WriteCert(pki.dir + "/rogue.pem", rogue);
  pki.rogue_key = WriteKey(pki.dir + "/rogue-key.pem", rogue_key);
  pki.other_key = WriteKey(pki.dir + "/other-key.pem", other_key);

  for (X509* c : {ca, server, client, rogue_ca, rogue}) X509_free(c);
  for (EVP_PKEY* k : {ca_key, server_key, client_key, rogue_ca_key, rogue_key, other_key}) {
    EVP_PKEY_free(k);
  }
  return pki;
}

// The DER encoding of the first certificate in a PEM file ("" if none).
inline std::string PemFileToDer(const std::string& path) {
  FILE* f = std::fopen(path.c_str(), "r");
  if (!f) return "";
  X509* cert = PEM_read_X509(f, nullptr, nullptr, nullptr);
  std::fclose(f);
  if (!cert) return "";
  unsigned char* der = nullptr;
  int len = i2d_X509(cert, &der);
  X509_free(cert);
  if (len <= 0) return "";
  std::string out(reinterpret_cast<const char*>(der), static_cast<size_t>(len));
  OPENSSL_free(der);
  return out;
}

inline void RemoveTestPki(const TestPki& pki) {
  std::error_code ec;
  std::filesystem::remove_all(pki.dir, ec);
}

}  // namespace arca::http::testing
