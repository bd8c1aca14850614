// Test helpers: an ACME client key that builds signed flattened JWS bodies, as a real client
// (lego, certbot) sends them. Signing is OpenSSL's.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/encoding.h"
#include "common/json.h"

namespace arca::pki::acme::testing {

struct PkeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;

inline std::string BnBytes(const BIGNUM* bn, int len) {
  std::string out(len, '\0');
  BN_bn2binpad(bn, reinterpret_cast<unsigned char*>(out.data()), len);
  return out;
}

// kind: "ec256", "ec384", "ed25519", "rsa2048".
class TestKey {
 public:
  explicit TestKey(std::string kind = "ec256") : kind_(std::move(kind)) {
    if (kind_ == "ec256" || kind_ == "ec384") {
      key_.reset(EVP_EC_gen(kind_ == "ec256" ? "P-256" : "P-384"));
    } else if (kind_ == "ed25519") {
      key_.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
    } else {
      key_.reset(EVP_RSA_gen(2048));
    }
  }
  EVP_PKEY* pkey() const { return key_.get(); }

  json::object Jwk() const {
    if (kind_ == "ed25519") {
      std::string raw(32, '\0');
      size_t len = 32;
      EVP_PKEY_get_raw_public_key(key_.get(), reinterpret_cast<unsigned char*>(raw.data()), &len);
      return {{"kty", "OKP"}, {"crv", "Ed25519"}, {"x", Base64UrlEncode(raw)}};
    }
    if (kind_ == "rsa2048") {
      BIGNUM* n = nullptr;
      BIGNUM* e = nullptr;
      EVP_PKEY_get_bn_param(key_.get(), "n", &n);
      EVP_PKEY_get_bn_param(key_.get(), "e", &e);
      json::object o{{"kty", "RSA"},
                     {"n", Base64UrlEncode(BnBytes(n, BN_num_bytes(n)))},
                     {"e", Base64UrlEncode(BnBytes(e, BN_num_bytes(e)))}};
      BN_free(n);
      BN_free(e);
      return o;
    }
    int len = kind_ == "ec256" ? 32 : 48;
    BIGNUM* x = nullptr;
    BIGNUM* y = nullptr;
    EVP_PKEY_get_bn_param(key_.get(), "qx", &x);
    EVP_PKEY_get_bn_param(key_.get(), "qy", &y);
    json::object o{{"kty", "EC"},
                   {"crv", kind_ == "ec256" ? "P-256" : "P-384"},
                   {"x", Base64UrlEncode(BnBytes(x, len))},
                   {"y", Base64UrlEncode(BnBytes(y, len))}};
    BN_free(x);
    BN_free(y);
    return o;
  }

  std::string Alg() const {
    if (kind_ == "ed25519") return "EdDSA";
    if (kind_ == "rsa2048") return "RS256";
    return kind_ == "ec256" ? "ES256" : "ES384";
  }

  std::string Sign(std::string_view input) const {
    const char* md = kind_ == "ed25519" ? nullptr : (kind_ == "ec384" ? "SHA384" : "SHA256");
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    EVP_DigestSignInit_ex(ctx, nullptr, md, nullptr, nullptr, key_.get(), nullptr);
    size_t len = 0;
    EVP_DigestSign(ctx, nullptr, &len, reinterpret_cast<const unsigned char*>(input.data()),
                   input.size());
    std::string sig(len, '\0');
    EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(sig.data()), &len,
                   reinterpret_cast<const unsigned char*>(input.data()), input.size());
    EVP_MD_CTX_free(ctx);
    sig.resize(len);
    if (kind_ != "ec256" && kind_ != "ec384") return sig;
    const auto* p = reinterpret_cast<const unsigned char*>(sig.data());
    ECDSA_SIG* es = d2i_ECDSA_SIG(nullptr, &p, sig.size());
    int n = kind_ == "ec256" ? 32 : 48;
    std::string raw = BnBytes(ECDSA_SIG_get0_r(es), n) + BnBytes(ECDSA_SIG_get0_s(es), n);
    ECDSA_SIG_free(es);
    return raw;
  }

  // A flattened JWS. `kid` empty = embed the jwk. `payload` nullopt = POST-as-GET.
  json::object Jws(const std::string& url, const std::string& nonce, const std::string& kid,
                   const std::optional<json::object>& payload) const {
    json::object header{{"alg", Alg()}, {"nonce", nonce}, {"url", url}};
    if (kid.empty()) {
      header["jwk"] = Jwk();
    } else {
      header["kid"] = kid;
    }
    std::string p64 = Base64UrlEncode(json::serialize(header));
    std::string b64 = payload ? Base64UrlEncode(json::serialize(*payload)) : std::string();
    return {{"protected", p64}, {"payload", b64}, {"signature", Base64UrlEncode(Sign(p64 + "." + b64))}};
  }

 private:
  std::string kind_;
  PkeyPtr key_;
};

// A TCP listener that never accepts: the kernel completes connections into its backlog, and
// nothing is ever sent. Pending() tells (without waiting) whether a connection has arrived,
// which the validators' connect() has completed by the time they return.
class SilentListener {
 public:
  // `address`: an IPv4 or IPv6 literal to bind; port 0 = any free port. ok() is false when the
  // address cannot be bound here (e.g. no IPv6).
  explicit SilentListener(const std::string& address, int port = 0, int backlog = 16) {
    sockaddr_storage ss{};
    socklen_t len = 0;
    auto* v4 = reinterpret_cast<sockaddr_in*>(&ss);
    auto* v6 = reinterpret_cast<sockaddr_in6*>(&ss);
    if (inet_pton(AF_INET, address.c_str(), &v4->sin_addr) == 1) {
      v4->sin_family = AF_INET;
      v4->sin_port = htons(static_cast<uint16_t>(port));
      len = sizeof *v4;
    } else if (inet_pton(AF_INET6, address.c_str(), &v6->sin6_addr) == 1) {
      v6->sin6_family = AF_INET6;
      v6->sin6_port = htons(static_cast<uint16_t>(port));
      len = sizeof *v6;
    } else {
      return;
    }
    fd_ = ::socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) return;
    if (ss.ss_family == AF_INET6) {
      int one = 1;
      ::setsockopt(fd_, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
    }
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&ss), len) != 0 || ::listen(fd_, backlog) != 0 ||
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&ss), &len) != 0) {
      ::close(fd_);
      fd_ = -1;
      return;
    }
    port_ = ntohs(ss.ss_family == AF_INET ? v4->sin_port : v6->sin6_port);
  }
  ~SilentListener() {
    if (fd_ >= 0) ::close(fd_);
  }
  SilentListener(const SilentListener&) = delete;
  SilentListener& operator=(const SilentListener&) = delete;
  bool ok() const { return fd_ >= 0; }
  int port() const { return port_; }
  bool Pending() const {
    pollfd p{fd_, POLLIN, 0};
    return ::poll(&p, 1, 0) > 0;
  }
  // Accepts and closes the pending connections.
  void Drain() {
    while (Pending()) {
      int c = ::accept(fd_, nullptr, nullptr);
      if (c < 0) return;
      ::close(c);
    }
  }

 private:
  int fd_ = -1;
  int port_ = 0;
};

// A DER CSR for `names` (first one the CN, all of them DNS SANs), signed by `key`.
inline std::string MakeCsrDer(const TestKey& key, const std::vector<std::string>& names) {
  X509_REQ* req = X509_REQ_new();
  X509_NAME* subject = X509_NAME_new();
  if (!names.empty()) {
    X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_UTF8,
                               reinterpret_cast<const unsigned char*>(names[0].c_str()), -1, -1, 0);
  }
  X509_REQ_set_subject_name(req, subject);
  X509_NAME_free(subject);
  X509_REQ_set_pubkey(req, key.pkey());
  if (!names.empty()) {
    std::string san;
    for (const auto& n : names) san += (san.empty() ? "DNS:" : ",DNS:") + n;
    STACK_OF(X509_EXTENSION)* exts = sk_X509_EXTENSION_new_null();
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, nullptr, NID_subject_alt_name, san.c_str());
    sk_X509_EXTENSION_push(exts, ext);
    X509_REQ_add_extensions(req, exts);
    sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
  }
  X509_REQ_sign(req, key.pkey(), EVP_PKEY_id(key.pkey()) == EVP_PKEY_ED25519 ? nullptr : EVP_sha256());
  unsigned char* der = nullptr;
  int len = i2d_X509_REQ(req, &der);
  std::string out(reinterpret_cast<char*>(der), len);
  OPENSSL_free(der);
  X509_REQ_free(req);
  return out;
}

}  // namespace arca::pki::acme::testing
