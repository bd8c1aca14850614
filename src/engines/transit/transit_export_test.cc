#include <gtest/gtest.h>

#include "common/encoding.h"
#include "engines/transit/cipher.h"
#include "engines/transit/transit_test_util.h"

namespace arca::engines::transit {
namespace {

using logical::Operation;

TEST_F(TransitTest, ExportNeedsExportable) {
  MustWrite("keys/k");
  ExpectBadRequest(Read("export/encryption-key/k"), "not exportable");
  ExpectBadRequest(Read("export/hmac-key/k"), "not exportable");
  auto missing = Read("export/encryption-key/none");
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().kind(), ErrorKind::kNotFound);
}

TEST_F(TransitTest, ExportEncryptionKeyDecryptsOutsideTheEngine) {
  MustWrite("keys/k", R"({"exportable":true})");
  MustWrite("keys/k/rotate");
  json::object all = MustRead("export/encryption-key/k");
  EXPECT_EQ(Str(all["name"]), "k");
  EXPECT_EQ(Str(all["type"]), "aes256-gcm96");
  EXPECT_EQ(all["keys"].as_object().size(), 2u);
  json::object latest = MustRead("export/encryption-key/k/latest");
  ASSERT_EQ(latest["keys"].as_object().size(), 1u);
  auto key = Base64Decode(Str(latest["keys"].as_object()["2"]));
  ASSERT_TRUE(key.has_value());
  EXPECT_EQ(key->size(), 32u);
  // The exported key opens Arca's ciphertext with plain AES-GCM (crypto/aead.h).
  std::string ct =
      Str(MustWrite("encrypt/k", R"({"plaintext":")" + B64("hello") + R"("})")["ciphertext"]);
  auto body = Base64Decode(std::string_view(ct).substr(9));
  ASSERT_TRUE(body.has_value());
  auto pt = AeadOpen(KeyType::kAes256Gcm96, SecureBytes::FromString(*key).span(), *body, "");
  ASSERT_TRUE(pt.has_value());
  EXPECT_EQ(*pt, "hello");
  ExpectBadRequest(Read("export/encryption-key/k/7"), "cannot be found");
  ExpectBadRequest(Read("export/encryption-key/k/x1"), "invalid key version");
  ExpectBadRequest(Read("export/signing-key/k"), "signing not supported");
  ExpectBadRequest(Read("export/public-key/k"), "public key not available");
  ExpectBadRequest(Read("export/bogus-key/k"), "invalid export type");
}

TEST_F(TransitTest, ExportSigningAndPublicKeys) {
  MustWrite("keys/e", R"({"type":"ed25519","exportable":true})");
  auto priv = Base64Decode(Str(MustRead("export/signing-key/e/1")["keys"].as_object()["1"]));
  ASSERT_TRUE(priv.has_value());
  EXPECT_EQ(priv->size(), 64u);
  std::string pub = Str(MustRead("export/public-key/e")["keys"].as_object()["1"]);
  EXPECT_EQ(Base64Decode(pub)->substr(0), priv->substr(32));
  MustWrite("keys/p", R"({"type":"ecdsa-p256"})");
  // public-key needs no exportable flag.
  EXPECT_TRUE(Str(MustRead("export/public-key/p")["keys"].as_object()["1"])
                  .starts_with("-----BEGIN PUBLIC KEY-----"));
  ExpectBadRequest(Read("export/signing-key/p"), "not exportable");
  MustWrite("keys/p2", R"({"type":"ecdsa-p256","exportable":true})");
  EXPECT_TRUE(Str(MustRead("export/signing-key/p2")["keys"].as_object()["1"])
                  .starts_with("-----BEGIN EC PRIVATE KEY-----"));
}

TEST_F(TransitTest, BackupAndRestore) {
  MustWrite("keys/k");
  ExpectBadRequest(Read("backup/k"), "disallowed");
  MustWrite("keys/k/config", R"({"exportable":true,"allow_plaintext_backup":true})");
  std::string ct = Str(MustWrite("encrypt/k", R"({"plaintext":"aGk="})")["ciphertext"]);
  std::string backup = Str(MustRead("backup/k")["backup"]);
  ExpectBadRequest(Write("restore", R"({"backup":")" + backup + R"("})"), "already exists");
  ASSERT_TRUE(Write("restore/copy", R"({"backup":")" + backup + R"("})").has_value());
  EXPECT_EQ(Str(MustWrite("decrypt/copy", R"({"ciphertext":")" + ct + R"("})")["plaintext"]),
            "aGk=");
  EXPECT_EQ(Str(MustRead("keys/copy")["name"]), "copy");
  ASSERT_TRUE(Write("restore", R"({"backup":")" + backup + R"(","force":true})").has_value());
  ExpectBadRequest(Write("restore", R"({"backup":"%%%"})"), "base64");
  ExpectBadRequest(Write("restore", R"({"backup":")" + B64("{}") + R"("})"), "invalid backup");
  ExpectBadRequest(Write("restore", "{}"), "must be supplied");
  ExpectBadRequest(Read("backup/none"), "key \"none\" not found");
}

TEST_F(TransitTest, CacheConfig) {
  EXPECT_EQ(MustRead("cache-config")["size"].as_int64(), 0);
  ExpectBadRequest(Write("cache-config", R"({"size":5})"), "greater or equal to 10");
  EXPECT_EQ(MustWrite("cache-config", R"({"size":10})")["size"].as_int64(), 10);
  EXPECT_EQ(MustRead("cache-config")["size"].as_int64(), 10);
  // Keys keep working with more keys than the cache holds.
  for (int i = 0; i < 12; ++i) MustWrite("keys/k" + std::to_string(i));
  for (int i = 0; i < 12; ++i) {
    EXPECT_EQ(Str(MustRead("keys/k" + std::to_string(i))["name"]), "k" + std::to_string(i));
  }
  // Persisted: a new backend over the same storage reads it.
  logical::BackendConfig config;
  config.storage = &storage_;
  auto fresh = NewTransitBackend(config);
  ASSERT_TRUE(fresh.has_value());
  logical::Request req;
  req.operation = Operation::kRead;
  req.path = "cache-config";
  req.storage = &storage_;
  auto r = (*fresh)->HandleRequest(req);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->data["size"].as_int64(), 10);
}

}  // namespace
}  // namespace arca::engines::transit
