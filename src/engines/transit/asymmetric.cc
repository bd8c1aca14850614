#include "engines/transit/asymmetric.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <array>

#include "common/encoding.h"

namespace arca::engines::transit {
namespace {

struct PkeyCtxDeleter {
  void operator()(EVP_PKEY_CTX* c) const { EVP_PKEY_CTX_free(c); }
};
struct MdCtxDeleter {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
struct BioDeleter {
  void operator()(BIO* b) const { BIO_free(b); }
};
struct SigDeleter {
  void operator()(ECDSA_SIG* s) const { ECDSA_SIG_free(s); }
};
using PkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, PkeyCtxDeleter>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, MdCtxDeleter>;
using BioPtr = std::unique_ptr<BIO, BioDeleter>;
using SigPtr = std::unique_ptr<ECDSA_SIG, SigDeleter>;

const unsigned char* Bytes(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

PkeyPtr Wrap(EVP_PKEY* k) { return PkeyPtr(k, EVP_PKEY_free); }

std::unexpected<Error> OpenSslError(std::string what) {
  ERR_clear_error();
  return Internal(std::move(what));
}

std::string BioText(BIO* bio) {
  char* data = nullptr;
  long n = BIO_get_mem_data(bio, &data);
  return std::string(data, n > 0 ? static_cast<size_t>(n) : 0);
}

size_t EcdsaCoordinateSize(KeyType type) {
  switch (type) {
    case KeyType::kEcdsaP256:
      return 32;
    case KeyType::kEcdsaP384:
      return 48;
    default:
      return 66;
  }
}

Result<std::string> DerToJws(KeyType type, std::string_view der) {
  const unsigned char* p = Bytes(der);
  SigPtr sig(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size())));
  if (!sig) return OpenSslError("could not parse the ECDSA signature");
  const size_t n = EcdsaCoordinateSize(type);
  std::string out(2 * n, '\0');
  auto* o = reinterpret_cast<unsigned char*>(out.data());
  if (BN_bn2binpad(ECDSA_SIG_get0_r(sig.get()), o, static_cast<int>(n)) < 0 ||
      BN_bn2binpad(ECDSA_SIG_get0_s(sig.get()), o + n, static_cast<int>(n)) < 0) {
    return OpenSslError("could not encode the ECDSA signature");
  }
  return out;
}

// r||s -> DER; nullopt-like empty string when malformed.
std::string JwsToDer(KeyType type, std::string_view raw) {
  const size_t n = EcdsaCoordinateSize(type);
  if (raw.size() != 2 * n) return {};
  SigPtr sig(ECDSA_SIG_new());
  BIGNUM* r = BN_bin2bn(Bytes(raw), static_cast<int>(n), nullptr);
  BIGNUM* s = BN_bin2bn(Bytes(raw) + n, static_cast<int>(n), nullptr);
  if (!sig || r == nullptr || s == nullptr || ECDSA_SIG_set0(sig.get(), r, s) != 1) {
    BN_free(r);
    BN_free(s);
    return {};
  }
  unsigned char* der = nullptr;
  int len = i2d_ECDSA_SIG(sig.get(), &der);
  if (len <= 0) return {};
  std::string out(reinterpret_cast<char*>(der), static_cast<size_t>(len));
  OPENSSL_free(der);
  return out;
}

Status CheckOptions(KeyType type, const SignOptions& opts) {
  if (type == KeyType::kEd25519 && opts.prehashed) {
    return InvalidRequest("prehashed signing is not supported for ed25519 keys");
  }
  if (opts.hash_none) {
    if (!IsRsa(type) || opts.pss || !opts.prehashed) {
      return InvalidRequest(
          "hash_algorithm \"none\" requires an RSA key, signature_algorithm pkcs1v15 and "
          "prehashed input");
    }
  }
  if (opts.jws && !IsEcdsa(type)) {
    return InvalidRequest("marshaling_algorithm jws is only supported for ECDSA keys");
  }
  return OkStatus();
}

// Applies RSA padding options to a signing/verification context.
bool ConfigureRsa(EVP_PKEY_CTX* pctx, const SignOptions& opts, const EVP_MD* md) {
  if (!opts.pss) return EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) == 1;
  return EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) == 1 &&
         EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, opts.salt_length) == 1 &&
         (md == nullptr || EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, md) == 1);
}

// Sets up a raw (prehashed) sign/verify context.
Result<PkeyCtxPtr> PrehashedCtx(KeyType type, EVP_PKEY* key, const SignOptions& opts, bool sign) {
  PkeyCtxPtr pctx(EVP_PKEY_CTX_new_from_pkey(nullptr, key, nullptr));
  if (!pctx) return OpenSslError("could not create a signing context");
  if ((sign ? EVP_PKEY_sign_init(pctx.get()) : EVP_PKEY_verify_init(pctx.get())) != 1) {
    return OpenSslError("could not initialise signing");
  }
  const EVP_MD* md = opts.hash_none ? nullptr : DigestFor(opts.hash);
  if (md != nullptr && EVP_PKEY_CTX_set_signature_md(pctx.get(), md) != 1) {
    return OpenSslError("could not set the signature digest");
  }
  if (IsRsa(type) && !ConfigureRsa(pctx.get(), opts, md)) {
    return OpenSslError("could not set the RSA padding");
  }
  return pctx;
}

}  // namespace

const EVP_MD* DigestFor(crypto::HashAlgorithm alg) {
  static const std::array<EVP_MD*, 9> kDigests = [] {
    constexpr const char* kNames[] = {"SHA1",     "SHA2-224", "SHA2-256", "SHA2-384", "SHA2-512",
                                      "SHA3-224", "SHA3-256", "SHA3-384", "SHA3-512"};
    std::array<EVP_MD*, 9> out{};
    for (size_t i = 0; i < out.size(); ++i) out[i] = EVP_MD_fetch(nullptr, kNames[i], nullptr);
    return out;
  }();
  return kDigests[static_cast<size_t>(alg)];
}

Result<SecureBytes> GenerateAsymmetricKey(KeyType type) {
  EVP_PKEY* raw = nullptr;
  switch (type) {
    case KeyType::kEd25519:
      raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
      break;
    case KeyType::kEcdsaP256:
      raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
      break;
    case KeyType::kEcdsaP384:
      raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-384");
      break;
    case KeyType::kEcdsaP521:
      raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-521");
      break;
    case KeyType::kRsa2048:
      raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t{2048});
      break;
    case KeyType::kRsa3072:
      raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t{3072});
      break;
    case KeyType::kRsa4096:
      raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t{4096});
      break;
    default:
      return InvalidRequest("not an asymmetric key type");
  }
  if (raw == nullptr) return OpenSslError("key generation failed");
  PkeyPtr key = Wrap(raw);
  return PrivateKeyDer(key.get());
}

Result<SecureBytes> PrivateKeyDer(EVP_PKEY* key) {
  PKCS8_PRIV_KEY_INFO* p8 = EVP_PKEY2PKCS8(key);
  if (p8 == nullptr) return OpenSslError("could not encode the private key");
  unsigned char* der = nullptr;
  int len = i2d_PKCS8_PRIV_KEY_INFO(p8, &der);
  PKCS8_PRIV_KEY_INFO_free(p8);
  if (len <= 0) return OpenSslError("could not encode the private key");
  SecureBytes out(der, static_cast<size_t>(len));
  OPENSSL_clear_free(der, static_cast<size_t>(len));
  return out;
}

Result<PkeyPtr> ParsePrivateKey(KeyType type, std::span<const uint8_t> der) {
  const unsigned char* p = der.data();
  EVP_PKEY* raw = d2i_AutoPrivateKey(nullptr, &p, static_cast<long>(der.size()));
  if (raw == nullptr) {
    ERR_clear_error();
    return InvalidRequest("could not parse the private key");
  }
  PkeyPtr key = Wrap(raw);
  bool ok = false;
  if (type == KeyType::kEd25519) {
    ok = EVP_PKEY_is_a(raw, "ED25519");
  } else if (IsEcdsa(type)) {
    char group[64] = {};
    size_t glen = 0;
    const char* want = type == KeyType::kEcdsaP256   ? "prime256v1"
                       : type == KeyType::kEcdsaP384 ? "secp384r1"
                                                     : "secp521r1";
    ok = EVP_PKEY_is_a(raw, "EC") &&
         EVP_PKEY_get_group_name(raw, group, sizeof(group), &glen) == 1 &&
         std::string_view(group, glen) == want;
  } else if (IsRsa(type)) {
    const int bits = type == KeyType::kRsa2048 ? 2048 : type == KeyType::kRsa3072 ? 3072 : 4096;
    ok = EVP_PKEY_is_a(raw, "RSA") && EVP_PKEY_get_bits(raw) == bits;
  }
  ERR_clear_error();
  if (!ok) return InvalidRequest("the private key does not match the key type");
  return key;
}

Result<PkeyPtr> Ed25519FromSeed(std::span<const uint8_t> seed) {
  EVP_PKEY* raw = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, seed.data(), seed.size());
  if (raw == nullptr) return OpenSslError("could not build the ed25519 key");
  return Wrap(raw);
}

Result<std::string> PublicKeyText(KeyType type, EVP_PKEY* key) {
  if (type == KeyType::kEd25519) {
    unsigned char pub[32];
    size_t len = sizeof(pub);
    if (EVP_PKEY_get_raw_public_key(key, pub, &len) != 1) {
      return OpenSslError("could not read the public key");
    }
    return Base64Encode(std::string_view(reinterpret_cast<char*>(pub), len));
  }
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PUBKEY(bio.get(), key) != 1) {
    return OpenSslError("could not encode the public key");
  }
  return BioText(bio.get());
}

Result<std::string> PrivateKeyText(KeyType type, EVP_PKEY* key) {
  if (type == KeyType::kEd25519) {
    std::string both(64, '\0');
    size_t priv_len = 32;
    size_t pub_len = 32;
    auto* b = reinterpret_cast<unsigned char*>(both.data());
    if (EVP_PKEY_get_raw_private_key(key, b, &priv_len) != 1 ||
        EVP_PKEY_get_raw_public_key(key, b + 32, &pub_len) != 1) {
      SecureWipe(both);
      return OpenSslError("could not read the private key");
    }
    std::string out = Base64Encode(both);
    SecureWipe(both);
    return out;
  }
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PrivateKey_traditional(bio.get(), key, nullptr, nullptr, 0, nullptr,
                                                   nullptr) != 1) {
    return OpenSslError("could not encode the private key");
  }
  return BioText(bio.get());
}

Result<std::string> Sign(KeyType type, EVP_PKEY* key, std::string_view input,
                         const SignOptions& opts) {
  ARCA_RETURN_IF_ERROR(CheckOptions(type, opts));
  std::string sig;
  size_t len = 0;
  if (opts.prehashed) {
    ARCA_ASSIGN_OR_RETURN(PkeyCtxPtr pctx, PrehashedCtx(type, key, opts, true));
    if (EVP_PKEY_sign(pctx.get(), nullptr, &len, Bytes(input), input.size()) != 1) {
      ERR_clear_error();
      return InvalidRequest("failed to sign the input: wrong length for a prehashed digest");
    }
    sig.resize(len);
    if (EVP_PKEY_sign(pctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len, Bytes(input),
                      input.size()) != 1) {
      ERR_clear_error();
      return InvalidRequest("failed to sign the input: wrong length for a prehashed digest");
    }
  } else {
    MdCtxPtr mctx(EVP_MD_CTX_new());
    EVP_PKEY_CTX* pctx = nullptr;
    const EVP_MD* md = type == KeyType::kEd25519 ? nullptr : DigestFor(opts.hash);
    const char* mdname = md == nullptr ? nullptr : EVP_MD_get0_name(md);
    if (!mctx ||
        EVP_DigestSignInit_ex(mctx.get(), &pctx, mdname, nullptr, nullptr, key, nullptr) != 1 ||
        (IsRsa(type) && !ConfigureRsa(pctx, opts, md)) ||
        EVP_DigestSign(mctx.get(), nullptr, &len, Bytes(input), input.size()) != 1) {
      return OpenSslError("signing failed");
    }
    sig.resize(len);
    if (EVP_DigestSign(mctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len, Bytes(input),
                       input.size()) != 1) {
      return OpenSslError("signing failed");
    }
  }
  sig.resize(len);
  if (opts.jws) return DerToJws(type, sig);
  return sig;
}

Result<bool> Verify(KeyType type, EVP_PKEY* key, std::string_view input, std::string_view signature,
                    const SignOptions& opts) {
  ARCA_RETURN_IF_ERROR(CheckOptions(type, opts));
  std::string der;
  if (opts.jws) {
    der = JwsToDer(type, signature);
    if (der.empty()) return false;
    signature = der;
  }
  int rc = 0;
  if (opts.prehashed) {
    ARCA_ASSIGN_OR_RETURN(PkeyCtxPtr pctx, PrehashedCtx(type, key, opts, false));
    rc =
        EVP_PKEY_verify(pctx.get(), Bytes(signature), signature.size(), Bytes(input), input.size());
  } else {
    MdCtxPtr mctx(EVP_MD_CTX_new());
    EVP_PKEY_CTX* pctx = nullptr;
    const EVP_MD* md = type == KeyType::kEd25519 ? nullptr : DigestFor(opts.hash);
    const char* mdname = md == nullptr ? nullptr : EVP_MD_get0_name(md);
    if (!mctx ||
        EVP_DigestVerifyInit_ex(mctx.get(), &pctx, mdname, nullptr, nullptr, key, nullptr) != 1 ||
        (IsRsa(type) && !ConfigureRsa(pctx, opts, md))) {
      return OpenSslError("verification setup failed");
    }
    rc = EVP_DigestVerify(mctx.get(), Bytes(signature), signature.size(), Bytes(input),
                          input.size());
  }
  ERR_clear_error();
  return rc == 1;
}

Result<std::string> RsaOaepEncrypt(EVP_PKEY* key, std::string_view plaintext, const EVP_MD* md) {
  PkeyCtxPtr pctx(EVP_PKEY_CTX_new_from_pkey(nullptr, key, nullptr));
  if (md == nullptr) md = DigestFor(crypto::HashAlgorithm::kSha256);
  size_t len = 0;
  if (!pctx || EVP_PKEY_encrypt_init(pctx.get()) != 1 ||
      EVP_PKEY_CTX_set_rsa_padding(pctx.get(), RSA_PKCS1_OAEP_PADDING) != 1 ||
      EVP_PKEY_CTX_set_rsa_oaep_md(pctx.get(), md) != 1 ||
      EVP_PKEY_CTX_set_rsa_mgf1_md(pctx.get(), md) != 1 ||
      EVP_PKEY_encrypt(pctx.get(), nullptr, &len, Bytes(plaintext), plaintext.size()) != 1) {
    return OpenSslError("failed to RSA encrypt the plaintext");
  }
  std::string out(len, '\0');
  if (EVP_PKEY_encrypt(pctx.get(), reinterpret_cast<unsigned char*>(out.data()), &len,
                       Bytes(plaintext), plaintext.size()) != 1) {
    ERR_clear_error();
    return InvalidRequest("failed to RSA encrypt the plaintext (too long for the key?)");
  }
  out.resize(len);
  return out;
}

Result<std::string> RsaOaepDecrypt(EVP_PKEY* key, std::string_view ciphertext, const EVP_MD* md) {
  PkeyCtxPtr pctx(EVP_PKEY_CTX_new_from_pkey(nullptr, key, nullptr));
  if (md == nullptr) md = DigestFor(crypto::HashAlgorithm::kSha256);
  size_t len = 0;
  if (!pctx || EVP_PKEY_decrypt_init(pctx.get()) != 1 ||
      EVP_PKEY_CTX_set_rsa_padding(pctx.get(), RSA_PKCS1_OAEP_PADDING) != 1 ||
      EVP_PKEY_CTX_set_rsa_oaep_md(pctx.get(), md) != 1 ||
      EVP_PKEY_CTX_set_rsa_mgf1_md(pctx.get(), md) != 1 ||
      EVP_PKEY_decrypt(pctx.get(), nullptr, &len, Bytes(ciphertext), ciphertext.size()) != 1) {
    ERR_clear_error();
    return InvalidRequest("failed to RSA decrypt the ciphertext");
  }
  std::string out(len, '\0');
  if (EVP_PKEY_decrypt(pctx.get(), reinterpret_cast<unsigned char*>(out.data()), &len,
                       Bytes(ciphertext), ciphertext.size()) != 1) {
    ERR_clear_error();
    SecureWipe(out);
    return InvalidRequest("failed to RSA decrypt the ciphertext");
  }
  out.resize(len);
  return out;
}

}  // namespace arca::engines::transit
