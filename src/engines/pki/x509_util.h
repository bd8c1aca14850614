// OpenSSL helpers of the PKI engine: owners for X509/EVP_PKEY/X509_REQ/X509_CRL, key
// generation for Vault's key types, PEM/DER conversion, serial numbers in Vault's colon-hex
// form. Everything cryptographic is OpenSSL's.
//
// Thread-safety: free functions, no shared state. X509 and EVP_PKEY objects held in shared_ptr
// are only read after construction and may be shared between threads.
#pragma once

#include <openssl/types.h>
#include <openssl/x509.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace arca::pki {

struct X509Free {
  void operator()(X509* x) const;
};
struct PkeyFree {
  void operator()(EVP_PKEY* k) const;
};
struct ReqFree {
  void operator()(X509_REQ* r) const;
};
using X509Ptr = std::unique_ptr<X509, X509Free>;
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;
using ReqPtr = std::unique_ptr<X509_REQ, ReqFree>;

// Validates Vault's (key_type, key_bits) and fills in the default bits: rsa 2048 (2048, 3072,
// 4096, 8192), ec 256 (224, 256, 384, 521), ed25519 0. "any" is not a key type to generate.
Result<int> NormalizeKeyBits(std::string_view key_type, int key_bits);
Result<PkeyPtr> GenerateKey(std::string_view key_type, int key_bits);

std::string KeyType(EVP_PKEY* key);  // "rsa", "ec", "ed25519" or ""
int KeyBits(EVP_PKEY* key);          // RSA modulus bits, EC field bits, 0 for ed25519

// Private keys: "der" format (Vault's default name) = PKCS#1 for RSA, SEC1 for EC, PKCS#8 for
// Ed25519, PEM-armoured; "pkcs8" = PKCS#8 for all.
std::string PrivateKeyPem(EVP_PKEY* key, std::string_view format = "der");
Result<PkeyPtr> ParsePrivateKeyPem(std::string_view pem);
// PEM-armoured public key (SubjectPublicKeyInfo).
std::string PublicKeyPem(EVP_PKEY* key);

std::string CertPem(X509* cert);
std::string CertDer(X509* cert);
Result<X509Ptr> ParseCertPem(std::string_view pem);
Result<X509Ptr> ParseCertDer(std::string_view der);
// Every certificate and private key in a PEM bundle, in order.
struct PemBundle {
  std::vector<X509Ptr> certs;
  std::vector<PkeyPtr> keys;
};
Result<PemBundle> ParsePemBundle(std::string_view pem);

// A CSR from PEM ("-----BEGIN CERTIFICATE REQUEST-----") or DER; its signature is checked.
Result<ReqPtr> ParseCsr(std::string_view pem_or_der);
std::string CsrPem(X509_REQ* req);

// Vault's serial form: lower-case hex byte pairs joined by ':' ("1a:2b:...").
std::string SerialString(const ASN1_INTEGER* serial);
std::string SerialOf(X509* cert);
// Storage form: ':' -> '-'. Accepts either form and returns the colon form normalized.
std::string NormalizeSerial(std::string_view serial);

int64_t NotAfter(X509* cert);   // unix seconds
int64_t NotBefore(X509* cert);
std::string CommonName(X509_NAME* name);

// The last OpenSSL error as text, or `fallback`.
std::string OpenSslError(std::string_view fallback);

}  // namespace arca::pki
