// Test-only: a JWT signer with a key made in the test (OpenSSL), for the tests of crypto/jwt.h
// and of the auth methods that verify JWTs. Aborts the test binary on OpenSSL failures.
// Not for production code.
#pragma once

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include <cstdlib>
#include <memory>
#include <string>

#include "common/encoding.h"
#include "common/json.h"

namespace arca::crypto::testing {

class JwtTestSigner {
 public:
  // alg: RS*/PS* (RSA with `rsa_bits`), ES256/384/512, EdDSA.
  explicit JwtTestSigner(std::string alg, int rsa_bits = 2048) : alg_(std::move(alg)) {
    EVP_PKEY* k = nullptr;
    if (alg_[0] == 'R' || alg_[0] == 'P') {
      k = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(rsa_bits));
    } else if (alg_ == "ES256") {
      k = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
      ec_bytes_ = 32;
    } else if (alg_ == "ES384") {
      k = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-384");
      ec_bytes_ = 48;
    } else if (alg_ == "ES512") {
      k = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-521");
      ec_bytes_ = 66;
    } else {
      k = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
    }
    if (k == nullptr) std::abort();
    key_.reset(k, EVP_PKEY_free);
  }

  const std::string& alg() const { return alg_; }

  // "<b64 header>.<b64 payload>.<b64 sig>" with header {"alg": alg_, "typ": "JWT", "kid"?}.
  std::string Sign(const json::object& claims, const std::string& kid = "") const {
    json::object h{{"alg", alg_}, {"typ", "JWT"}};
    if (!kid.empty()) h["kid"] = kid;
    return SignParts(json::serialize(h), json::serialize(claims));
  }
  // Signs arbitrary header and payload texts with this key and algorithm.
  std::string SignParts(const std::string& header, const std::string& payload) const {
    std::string input = Base64UrlEncode(header) + "." + Base64UrlEncode(payload);
    return input + "." + Base64UrlEncode(RawSign(input));
  }
  // The raw JWS signature of `input`.
  std::string RawSign(const std::string& input) const {
    const EVP_MD* md = nullptr;
    if (alg_.ends_with("256")) md = EVP_sha256();
    if (alg_.ends_with("384")) md = EVP_sha384();
    if (alg_.ends_with("512")) md = EVP_sha512();
    std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
    EVP_PKEY_CTX* pctx = nullptr;
    if (EVP_DigestSignInit(ctx.get(), &pctx, alg_ == "EdDSA" ? nullptr : md, nullptr, key_.get()) !=
        1) {
      std::abort();
    }
    if (alg_[0] == 'P') {
      EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING);
      EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST);
    }
    const auto* in = reinterpret_cast<const unsigned char*>(input.data());
    size_t len = 0;
    if (EVP_DigestSign(ctx.get(), nullptr, &len, in, input.size()) != 1) std::abort();
    std::string sig(len, '\0');
    if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len, in,
                       input.size()) != 1) {
      std::abort();
    }
    sig.resize(len);
    if (ec_bytes_ == 0) return sig;
    const unsigned char* p = reinterpret_cast<const unsigned char*>(sig.data());
    ECDSA_SIG* es = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(len));
    if (es == nullptr) std::abort();
    const BIGNUM* r = nullptr;
    const BIGNUM* s = nullptr;
    ECDSA_SIG_get0(es, &r, &s);
    std::string out(2 * ec_bytes_, '\0');
    auto* o = reinterpret_cast<unsigned char*>(out.data());
    BN_bn2binpad(r, o, ec_bytes_);
    BN_bn2binpad(s, o + ec_bytes_, ec_bytes_);
    ECDSA_SIG_free(es);
    return out;
  }

  std::string PublicPem() const {
    std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
    if (PEM_write_bio_PUBKEY(bio.get(), key_.get()) != 1) std::abort();
    char* data = nullptr;
    long len = BIO_get_mem_data(bio.get(), &data);
    return std::string(data, static_cast<size_t>(len));
  }

  // The public JWK, with "kid" and "alg" when given.
  json::object PublicJwk(const std::string& kid = "", bool with_alg = true) const {
    json::object j;
    if (!kid.empty()) j["kid"] = kid;
    if (with_alg) j["alg"] = alg_;
    j["use"] = "sig";
    if (alg_[0] == 'R' || alg_[0] == 'P') {
      j["kty"] = "RSA";
      j["n"] = Base64UrlEncode(Bn(OSSL_PKEY_PARAM_RSA_N, 0));
      j["e"] = Base64UrlEncode(Bn(OSSL_PKEY_PARAM_RSA_E, 0));
    } else if (ec_bytes_ != 0) {
      j["kty"] = "EC";
      j["crv"] = ec_bytes_ == 32 ? "P-256" : ec_bytes_ == 48 ? "P-384" : "P-521";
      j["x"] = Base64UrlEncode(Bn(OSSL_PKEY_PARAM_EC_PUB_X, ec_bytes_));
      j["y"] = Base64UrlEncode(Bn(OSSL_PKEY_PARAM_EC_PUB_Y, ec_bytes_));
    } else {
      j["kty"] = "OKP";
      j["crv"] = "Ed25519";
      size_t len = 32;
      std::string x(32, '\0');
      EVP_PKEY_get_raw_public_key(key_.get(), reinterpret_cast<unsigned char*>(x.data()), &len);
      j["x"] = Base64UrlEncode(x);
    }
    return j;
  }

  // PEM of the private key (PKCS#8), for services started by tests.
  std::string PrivatePem() const {
    std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
    if (PEM_write_bio_PrivateKey(bio.get(), key_.get(), nullptr, nullptr, 0, nullptr, nullptr) !=
        1) {
      std::abort();
    }
    char* data = nullptr;
    long len = BIO_get_mem_data(bio.get(), &data);
    return std::string(data, static_cast<size_t>(len));
  }

 private:
  std::string Bn(const char* name, int pad) const {
    BIGNUM* bn = nullptr;
    if (EVP_PKEY_get_bn_param(key_.get(), name, &bn) != 1) std::abort();
    std::string out(pad > 0 ? pad : BN_num_bytes(bn), '\0');
    BN_bn2binpad(bn, reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(out.size()));
    BN_free(bn);
    return out;
  }

  std::string alg_;
  int ec_bytes_ = 0;
  std::shared_ptr<EVP_PKEY> key_;
};

}  // namespace arca::crypto::testing
