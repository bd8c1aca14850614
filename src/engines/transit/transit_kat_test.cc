// Known-answer tests of derived and convergent transit keys against Vault's documented scheme
// (sdk/helper/keysutil in Vault: DeriveKey and SymmetricEncryptRaw), so that a difference from
// Vault cannot pass unnoticed:
//
//   derived key   = HKDF-SHA256(ikm = stored key, salt = none, info = context), as many bytes as
//                   the cipher's key (AES-128: 16, AES-256 and ChaCha20: 32); for ed25519 the
//                   ikm is Vault's 64-byte private key (seed || public key) and the first 32
//                   bytes are the seed of the derived key.
//   convergent v3 = the same HKDF stream read for key size + 32 bytes; the 32 bytes after the
//                   key are an HMAC key, and nonce = HMAC-SHA256(that key, plaintext)[:12].
//   ciphertext    = "vault:v<N>:" base64(nonce || ciphertext || tag).
//
// The checks below recompute everything with raw OpenSSL (EVP_KDF HKDF, HMAC, EVP AEAD), never
// with Arca's own crypto wrappers, and the fixed vectors were computed outside Arca (commands in
// the comments).
#include <gtest/gtest.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/kdf.h>

#include <string>
#include <string_view>

#include "common/encoding.h"
#include "engines/transit/key_ops.h"
#include "engines/transit/policy.h"
#include "engines/transit/transit_test_util.h"

namespace arca::engines::transit {
namespace {

const unsigned char* U(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

// ---- independent computations (raw OpenSSL) ----

// HKDF-SHA256 with no salt, through EVP_KDF.
std::string RawHkdf(std::string_view ikm, std::string_view info, size_t n) {
  EVP_KDF* kdf = EVP_KDF_fetch(nullptr, "HKDF", nullptr);
  EVP_KDF_CTX* ctx = EVP_KDF_CTX_new(kdf);
  EVP_KDF_free(kdf);
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, const_cast<char*>("SHA256"), 0),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, const_cast<char*>(ikm.data()),
                                        ikm.size()),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, const_cast<char*>(info.data()),
                                        info.size()),
      OSSL_PARAM_construct_end()};
  std::string out(n, '\0');
  const bool ok = EVP_KDF_derive(ctx, reinterpret_cast<unsigned char*>(out.data()), n, params) == 1;
  EVP_KDF_CTX_free(ctx);
  return ok ? out : "";
}

std::string RawHmacSha256(std::string_view key, std::string_view msg) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), U(msg), msg.size(), mac, &len) ==
      nullptr) {
    return "";
  }
  return std::string(reinterpret_cast<char*>(mac), len);
}

const EVP_CIPHER* RawCipher(KeyType type) {
  switch (type) {
    case KeyType::kAes128Gcm96:
      return EVP_aes_128_gcm();
    case KeyType::kAes256Gcm96:
      return EVP_aes_256_gcm();
    default:
      return EVP_chacha20_poly1305();
  }
}

// Opens nonce(12) || ciphertext || tag(16); nullopt when authentication fails.
std::optional<std::string> RawAeadOpen(KeyType type, std::string_view key,
                                       std::string_view sealed) {
  if (sealed.size() < 12 + 16) return std::nullopt;
  std::string_view nonce = sealed.substr(0, 12);
  std::string_view body = sealed.substr(12, sealed.size() - 28);
  std::string_view tag = sealed.substr(sealed.size() - 16);
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  std::string out(body.size() + 16, '\0');
  int len = 0;
  int fin = 0;
  bool ok = EVP_DecryptInit_ex(ctx, RawCipher(type), nullptr, nullptr, nullptr) == 1 &&
            EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_IVLEN, 12, nullptr) == 1 &&
            EVP_DecryptInit_ex(ctx, nullptr, nullptr, U(key), U(nonce)) == 1 &&
            EVP_DecryptUpdate(ctx, reinterpret_cast<unsigned char*>(out.data()), &len, U(body),
                              static_cast<int>(body.size())) == 1 &&
            EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, 16,
                                const_cast<unsigned char*>(U(tag))) == 1 &&
            EVP_DecryptFinal_ex(ctx, reinterpret_cast<unsigned char*>(out.data()) + len, &fin) == 1;
  EVP_CIPHER_CTX_free(ctx);
  if (!ok) return std::nullopt;
  out.resize(static_cast<size_t>(len + fin));
  return out;
}

// Verifies an ed25519 signature with the key made from a raw 32-byte seed; also returns that
// key's raw public key in *pub.
bool RawEd25519Verify(std::string_view seed, std::string_view msg, std::string_view sig,
                      std::string* pub) {
  EVP_PKEY* key = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, U(seed), seed.size());
  if (key == nullptr) return false;
  pub->assign(32, '\0');
  size_t pub_len = 32;
  EVP_PKEY_get_raw_public_key(key, reinterpret_cast<unsigned char*>(pub->data()), &pub_len);
  EVP_MD_CTX* md = EVP_MD_CTX_new();
  const bool ok = EVP_DigestVerifyInit(md, nullptr, nullptr, nullptr, key) == 1 &&
                  EVP_DigestVerify(md, U(sig), sig.size(), U(msg), msg.size()) == 1;
  EVP_MD_CTX_free(md);
  EVP_PKEY_free(key);
  return ok;
}

// The sealed bytes of "vault:v<N>:<base64>".
std::string Payload(std::string_view versioned) {
  auto colon = versioned.find(':', 6);
  if (colon == std::string_view::npos) return "";
  return Base64Decode(versioned.substr(colon + 1)).value_or("");
}

struct Cipher {
  const char* name;
  KeyType type;
  size_t key_size;
};
constexpr Cipher kCiphers[] = {{"aes128-gcm96", KeyType::kAes128Gcm96, 16},
                               {"aes256-gcm96", KeyType::kAes256Gcm96, 32},
                               {"chacha20-poly1305", KeyType::kChaCha20Poly1305, 32}};

// ---- through the engine, checked by independent computation ----

TEST_F(TransitTest, DerivedKeyIsHkdfOfTheKeyWithTheContext) {
  const std::string context = "user-1234";
  const std::string plaintext = "derived secret";
  for (const Cipher& c : kCiphers) {
    SCOPED_TRACE(c.name);
    const std::string name = std::string("d-") + c.name;
    MustWrite("keys/" + name,
              std::string(R"({"derived":true,"exportable":true,"type":")") + c.name + R"("})");
    std::string ct =
        Str(MustWrite("encrypt/" + name, R"({"plaintext":")" + B64(plaintext) + R"(","context":")" +
                                             B64(context) + R"("})")["ciphertext"]);
    ASSERT_TRUE(ct.starts_with("vault:v1:")) << ct;
    auto key = Base64Decode(
        Str(MustRead("export/encryption-key/" + name + "/1")["keys"].as_object()["1"]));
    ASSERT_TRUE(key.has_value());
    ASSERT_EQ(key->size(), c.key_size);
    const std::string sealed = Payload(ct);
    const std::string derived = RawHkdf(*key, context, c.key_size);
    ASSERT_EQ(derived.size(), c.key_size);
    EXPECT_EQ(RawAeadOpen(c.type, derived, sealed), plaintext);
    // The check has teeth: neither the stored key nor another context's key opens it.
    EXPECT_EQ(RawAeadOpen(c.type, *key, sealed), std::nullopt);
    EXPECT_EQ(RawAeadOpen(c.type, RawHkdf(*key, "user-1235", c.key_size), sealed), std::nullopt);
    // Not convergent: a fresh random nonce each time.
    std::string again =
        Str(MustWrite("encrypt/" + name, R"({"plaintext":")" + B64(plaintext) + R"(","context":")" +
                                             B64(context) + R"("})")["ciphertext"]);
    EXPECT_NE(again, ct);
  }
}

TEST_F(TransitTest, ConvergentNonceIsHmacOfThePlaintextUnderTheDerivedHmacKey) {
  const std::string context = "tenant-42";
  const std::string plaintext = "4111 1111 1111 1111";
  for (const Cipher& c : kCiphers) {
    SCOPED_TRACE(c.name);
    const std::string name = std::string("c-") + c.name;
    MustWrite("keys/" + name, std::string(R"({"derived":true,"convergent_encryption":true,)") +
                                  R"("exportable":true,"type":")" + c.name + R"("})");
    EXPECT_EQ(MustRead("keys/" + name)["convergent_encryption_version"].as_int64(), 3);
    const std::string req =
        R"({"plaintext":")" + B64(plaintext) + R"(","context":")" + B64(context) + R"("})";
    std::string ct = Str(MustWrite("encrypt/" + name, req)["ciphertext"]);
    EXPECT_EQ(Str(MustWrite("encrypt/" + name, req)["ciphertext"]), ct);  // deterministic
    auto key = Base64Decode(
        Str(MustRead("export/encryption-key/" + name + "/1")["keys"].as_object()["1"]));
    ASSERT_TRUE(key.has_value());
    // Vault reads key size + 32 bytes from the HKDF stream: the key, then the nonce's HMAC key.
    const std::string stream = RawHkdf(*key, context, c.key_size + 32);
    ASSERT_EQ(stream.size(), c.key_size + 32);
    const std::string enc_key = stream.substr(0, c.key_size);
    const std::string nonce = RawHmacSha256(stream.substr(c.key_size), plaintext).substr(0, 12);
    const std::string sealed = Payload(ct);
    ASSERT_GE(sealed.size(), 12u);
    EXPECT_EQ(Base64Encode(sealed.substr(0, 12)), Base64Encode(nonce));
    EXPECT_EQ(RawAeadOpen(c.type, enc_key, sealed), plaintext);
    // Another plaintext gets another nonce, as the HMAC predicts.
    const std::string other = "4111 1111 1111 1112";
    std::string ct2 =
        Str(MustWrite("encrypt/" + name, R"({"plaintext":")" + B64(other) + R"(","context":")" +
                                             B64(context) + R"("})")["ciphertext"]);
    EXPECT_EQ(Base64Encode(Payload(ct2).substr(0, 12)),
              Base64Encode(RawHmacSha256(stream.substr(c.key_size), other).substr(0, 12)));
    EXPECT_NE(ct2, ct);
    // The engine still decrypts its own output.
    EXPECT_EQ(Str(MustWrite("decrypt/" + name, R"({"ciphertext":")" + ct + R"(","context":")" +
                                                   B64(context) + R"("})")["plaintext"]),
              B64(plaintext));
  }
}

TEST_F(TransitTest, DerivedEd25519KeyIsMadeFromHkdfOfTheFullPrivateKey) {
  const std::string context = "signer-7";
  const std::string input = "sign me";
  MustWrite("keys/ed", R"({"type":"ed25519","derived":true,"exportable":true})");
  std::string sig = Str(MustWrite("sign/ed", R"({"input":")" + B64(input) + R"(","context":")" +
                                                 B64(context) + R"("})")["signature"]);
  ASSERT_TRUE(sig.starts_with("vault:v1:")) << sig;
  // Vault exports (and derives from) the 64-byte private key: seed || public key.
  auto priv = Base64Decode(Str(MustRead("export/signing-key/ed/1")["keys"].as_object()["1"]));
  ASSERT_TRUE(priv.has_value());
  ASSERT_EQ(priv->size(), 64u);
  const std::string seed = RawHkdf(*priv, context, 32);
  std::string pub;
  EXPECT_TRUE(RawEd25519Verify(seed, input, Payload(sig), &pub));
  // Teeth: the seed derived from the 32-byte seed alone, or another context, does not verify.
  std::string ignored;
  EXPECT_FALSE(
      RawEd25519Verify(RawHkdf(priv->substr(0, 32), context, 32), input, Payload(sig), &ignored));
  EXPECT_FALSE(RawEd25519Verify(RawHkdf(*priv, "signer-8", 32), input, Payload(sig), &ignored));
  EXPECT_TRUE(MustWrite("verify/ed", R"({"input":")" + B64(input) + R"(","context":")" +
                                         B64(context) + R"(","signature":")" + sig +
                                         R"("})")["valid"]
                  .as_bool());
}

// ---- fixed vectors: fixed key bytes through Policy::AddVersion (the BYOK import path) ----

// Key 00 01 .. 1f (AES-128: 00 .. 0f), context "arca-kat-context", plaintext
// "the quick brown fox". Expected values computed outside Arca:
//   openssl kdf -keylen 64 -kdfopt digest:SHA256 -kdfopt info:arca-kat-context \
//     -kdfopt hexkey:000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f HKDF
//   -> 75459d93..fd43b8b7 (key) 33847ac8..bfa780e6 (HMAC key)
//   printf 'the quick brown fox' | openssl mac -digest SHA256 \
//     -macopt hexkey:33847ac8d9eabcd068cca96516679b7e5eb5cee47cd369f8631c036ebfa780e6 HMAC
//   -> E294C81CA50B7A6AF7A9FC1D... (nonce = first 12 bytes)
// and the ciphertexts with /usr/bin/python3 (hashlib/hmac for HKDF and the nonce, the
// `cryptography` package's AESGCM / ChaCha20Poly1305 / Ed25519PrivateKey):
//   prk = hmac.new(b'\0'*32, key, sha256).digest(); T(i) = hmac(prk, T(i-1) + ctx + bytes([i]))
//   nonce = hmac.new(okm[ks:ks+32], pt, sha256).digest()[:12]
//   base64(nonce + AESGCM(okm[:ks]).encrypt(nonce, pt, None))
struct Vector {
  KeyType type;
  std::string key;
  const char* ciphertext;
};

std::string Iota(size_t n) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>(i);
  return s;
}

TEST(TransitKat, ConvergentFixedVectors) {
  const Vector vectors[] = {
      {KeyType::kAes256Gcm96, Iota(32),
       "vault:v1:4pTIHKULemr3qfwdWBf7QA4+Ougr7HaOEv+TCxuXgXX01cmify5Dj+ciu+ZmRqw="},
      {KeyType::kAes128Gcm96, Iota(16),
       "vault:v1:ySWg5FXLOmn1f8PraP7M3H8M4L2Y6MBmgI7NgnaYFgvhdAnvZjcV4VvSy77e7co="},
      {KeyType::kChaCha20Poly1305, Iota(32),
       "vault:v1:4pTIHKULemr3qfwdf6qS9FHPvEosxGri/XjxvyoS3zugdvTecFC4g4GNcxw5rTg="},
  };
  for (const Vector& v : vectors) {
    SCOPED_TRACE(std::string(KeyTypeName(v.type)));
    auto p = Policy::CreateEmpty(
        "kat", {.type = v.type, .derived = true, .convergent = true, .exportable = true});
    ASSERT_TRUE(p.has_value()) << p.error().ToString();
    ASSERT_TRUE(p->AddVersion(SecureBytes::FromString(v.key), 1'700'000'000).has_value());
    auto ct = EncryptValue(*p, "the quick brown fox", "arca-kat-context", "", 0, nullptr);
    ASSERT_TRUE(ct.has_value()) << ct.error().ToString();
    EXPECT_EQ(*ct, v.ciphertext);
    auto pt = DecryptValue(*p, v.ciphertext, "arca-kat-context", "", nullptr);
    ASSERT_TRUE(pt.has_value()) << pt.error().ToString();
    EXPECT_EQ(*pt, "the quick brown fox");
  }
}

TEST(TransitKat, DerivedKeyFixedVectorDecrypts) {
  // A derived, non-convergent key opens the vector made with the same derived key (the nonce
  // is carried in the ciphertext), and refuses a missing or different context.
  auto p = Policy::CreateEmpty("kat", {.type = KeyType::kAes256Gcm96, .derived = true});
  ASSERT_TRUE(p.has_value());
  ASSERT_TRUE(p->AddVersion(SecureBytes::FromString(Iota(32)), 1'700'000'000).has_value());
  const char* vector = "vault:v1:4pTIHKULemr3qfwdWBf7QA4+Ougr7HaOEv+TCxuXgXX01cmify5Dj+ciu+ZmRqw=";
  auto pt = DecryptValue(*p, vector, "arca-kat-context", "", nullptr);
  ASSERT_TRUE(pt.has_value()) << pt.error().ToString();
  EXPECT_EQ(*pt, "the quick brown fox");
  auto missing = DecryptValue(*p, vector, "", "", nullptr);
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().kind(), ErrorKind::kInvalidRequest);
  EXPECT_NE(missing.error().message().find("missing 'context'"), std::string::npos);
  EXPECT_FALSE(DecryptValue(*p, vector, "arca-kat-contexT", "", nullptr).has_value());
}

TEST(TransitKat, DerivedEd25519FixedVector) {
  // Seed 42 x 32; PKCS#8 DER as printed by python's cryptography (PrivateFormat.PKCS8):
  // 302e020100300506032b657004220420 || seed. Derived seed = HKDF(seed || public key, info =
  // "arca-kat-context")[:32] = a1bb9856..510e6dae; signature of "the quick brown fox" by
  // Ed25519PrivateKey.from_private_bytes(derived seed).sign(...) (ed25519 is deterministic).
  std::string der =
      std::string("\x30\x2e\x02\x01\x00\x30\x05\x06\x03\x2b\x65\x70\x04\x22\x04\x20", 16) +
      std::string(32, '\x42');
  auto p = Policy::CreateEmpty("kat", {.type = KeyType::kEd25519, .derived = true});
  ASSERT_TRUE(p.has_value());
  ASSERT_TRUE(p->AddVersion(SecureBytes::FromString(der), 1'700'000'000).has_value());
  auto sig = SignValue(*p, "the quick brown fox", "arca-kat-context", SignOptions{}, 0, nullptr);
  ASSERT_TRUE(sig.has_value()) << sig.error().ToString();
  EXPECT_EQ(*sig,
            "vault:v1:zTDpX9Pb0j4bpKFULZVqv7R+rH3VDKyhizHXymQOa0n33ysgeCDigmxwoZVbGex0SvE9V7K37U"
            "4Danv72aMZBw==");
  auto ok = VerifySignatureValue(*p, "the quick brown fox", *sig, "arca-kat-context", {});
  ASSERT_TRUE(ok.has_value());
  EXPECT_TRUE(*ok);
}

}  // namespace
}  // namespace arca::engines::transit
