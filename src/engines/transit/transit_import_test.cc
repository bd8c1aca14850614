#include <gtest/gtest.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "common/encoding.h"
#include "engines/transit/asymmetric.h"
#include "engines/transit/cipher.h"
#include "engines/transit/transit_test_util.h"

namespace arca::engines::transit {
namespace {

// Client side of Vault's BYOK scheme: base64(RSA-OAEP-SHA256(ephemeral) || KWP(material)).
std::string WrapForImport(const std::string& wrapping_pem, std::string_view material) {
  BIO* bio = BIO_new_mem_buf(wrapping_pem.data(), static_cast<int>(wrapping_pem.size()));
  EVP_PKEY* pub = PEM_read_bio_PUBKEY(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  if (pub == nullptr) return "";
  std::string ephemeral(32, '\x5a');
  auto rsa = RsaOaepEncrypt(pub, ephemeral);
  EVP_PKEY_free(pub);
  if (!rsa) return "";
  EVP_CIPHER* kwp = EVP_CIPHER_fetch(nullptr, "AES-256-WRAP-PAD", nullptr);
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  std::string out(material.size() + 16, '\0');
  int len = 0;
  int fin = 0;
  EVP_CIPHER_CTX_set_flags(ctx, EVP_CIPHER_CTX_FLAG_WRAP_ALLOW);
  bool ok = EVP_EncryptInit_ex2(ctx, kwp, reinterpret_cast<const unsigned char*>(ephemeral.data()),
                                nullptr, nullptr) == 1 &&
            EVP_EncryptUpdate(ctx, reinterpret_cast<unsigned char*>(out.data()), &len,
                              reinterpret_cast<const unsigned char*>(material.data()),
                              static_cast<int>(material.size())) == 1 &&
            EVP_EncryptFinal_ex(ctx, reinterpret_cast<unsigned char*>(out.data()) + len, &fin) == 1;
  EVP_CIPHER_CTX_free(ctx);
  EVP_CIPHER_free(kwp);
  if (!ok) return "";
  out.resize(static_cast<size_t>(len + fin));
  return Base64Encode(*rsa + out);
}

TEST_F(TransitTest, ByokImportAndImportVersion) {
  const std::string pem = Str(MustRead("wrapping_key")["public_key"]);
  ASSERT_TRUE(pem.starts_with("-----BEGIN PUBLIC KEY-----"));
  EXPECT_EQ(Str(MustRead("wrapping_key")["public_key"]), pem);  // stable

  const std::string aes_key(32, '\x11');
  const std::string wrapped = WrapForImport(pem, aes_key);
  ASSERT_FALSE(wrapped.empty());
  json::object d = MustWrite("keys/imp/import", R"({"ciphertext":")" + wrapped + R"("})");
  EXPECT_TRUE(d["imported_key"].as_bool());
  EXPECT_EQ(d["latest_version"].as_int64(), 1);
  // The engine encrypts with exactly the imported key.
  std::string ct =
      Str(MustWrite("encrypt/imp", R"({"plaintext":")" + B64("byok") + R"("})")["ciphertext"]);
  auto body = Base64Decode(std::string_view(ct).substr(9));
  ASSERT_TRUE(body.has_value());
  auto pt = AeadOpen(KeyType::kAes256Gcm96, SecureBytes::FromString(aes_key).span(), *body, "");
  ASSERT_TRUE(pt.has_value());
  EXPECT_EQ(*pt, "byok");

  ExpectBadRequest(Write("keys/imp/import", R"({"ciphertext":")" + wrapped + R"("})"),
                   "existing key");
  ExpectBadRequest(Write("keys/imp/rotate"), "does not allow rotation");
  json::object v2 =
      MustWrite("keys/imp/import_version",
                R"({"ciphertext":")" + WrapForImport(pem, std::string(32, '\x22')) + R"("})");
  EXPECT_EQ(v2["latest_version"].as_int64(), 2);

  // Wrong material size, tampering, bad hash function.
  ExpectBadRequest(Write("keys/short/import",
                         R"({"ciphertext":")" + WrapForImport(pem, std::string(20, 'x')) + R"("})"),
                   "invalid key size");
  auto raw = Base64Decode(wrapped);
  ASSERT_TRUE(raw.has_value());
  (*raw)[raw->size() - 1] ^= 1;
  ExpectBadRequest(Write("keys/t/import", R"({"ciphertext":")" + Base64Encode(*raw) + R"("})"),
                   "failed to unwrap");
  ExpectBadRequest(
      Write("keys/t/import", R"({"ciphertext":")" + wrapped + R"(","hash_function":"MD5"})"),
      "unsupported hash_function");
  ExpectBadRequest(Write("keys/t/import", R"({"ciphertext":"AAAA"})"), "too short");
  ExpectBadRequest(Write("keys/k2/import_version", R"({"ciphertext":")" + wrapped + R"("})"),
                   "key not found");

  // An asymmetric key arrives as PKCS#8 DER.
  auto der = GenerateAsymmetricKey(KeyType::kEd25519);
  ASSERT_TRUE(der.has_value());
  json::object ed =
      MustWrite("keys/ed/import", R"({"type":"ed25519","allow_rotation":true,)"
                                  R"("ciphertext":")" +
                                      WrapForImport(pem, std::string(der->view())) + R"("})");
  auto parsed = ParsePrivateKey(KeyType::kEd25519, der->span());
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(Str(ed["keys"].as_object()["1"].as_object()["public_key"]),
            *PublicKeyText(KeyType::kEd25519, parsed->get()));
  EXPECT_EQ(MustWrite("keys/ed/rotate")["latest_version"].as_int64(), 2);
}

}  // namespace
}  // namespace arca::engines::transit
