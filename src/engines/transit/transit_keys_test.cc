#include <gtest/gtest.h>

#include "engines/transit/transit_test_util.h"

namespace arca::engines::transit {
namespace {

using logical::Operation;

TEST_F(TransitTest, TypeIsTransit) { EXPECT_EQ(backend_->Type(), "transit"); }

TEST_F(TransitTest, CreateDefaultKeyAndReadVaultFields) {
  MustWrite("keys/k1");
  json::object d = MustRead("keys/k1");
  EXPECT_EQ(Str(d["name"]), "k1");
  EXPECT_EQ(Str(d["type"]), "aes256-gcm96");
  EXPECT_EQ(d["latest_version"].as_int64(), 1);
  EXPECT_EQ(d["min_decryption_version"].as_int64(), 1);
  EXPECT_EQ(d["min_encryption_version"].as_int64(), 0);
  EXPECT_EQ(d["min_available_version"].as_int64(), 0);
  EXPECT_FALSE(d["deletion_allowed"].as_bool());
  EXPECT_FALSE(d["derived"].as_bool());
  EXPECT_FALSE(d["exportable"].as_bool());
  EXPECT_FALSE(d["allow_plaintext_backup"].as_bool());
  EXPECT_TRUE(d["supports_encryption"].as_bool());
  EXPECT_TRUE(d["supports_decryption"].as_bool());
  EXPECT_TRUE(d["supports_derivation"].as_bool());
  EXPECT_FALSE(d["supports_signing"].as_bool());
  EXPECT_EQ(d["auto_rotate_period"].as_int64(), 0);
  EXPECT_EQ(d["keys"].as_object()["1"].as_int64(), now_.load());
}

struct TypeCase {
  const char* type;
  bool encryption;
  bool signing;
  bool derivation;
  const char* asym_name;  // nullptr for symmetric types
};

class TransitKeyTypes : public TransitTest, public ::testing::WithParamInterface<TypeCase> {};

TEST_P(TransitKeyTypes, CreateReadsSupportFlags) {
  const TypeCase& c = GetParam();
  MustWrite("keys/t", std::string(R"({"type":")") + c.type + R"("})");
  json::object d = MustRead("keys/t");
  EXPECT_EQ(Str(d["type"]), c.type);
  EXPECT_EQ(d["supports_encryption"].as_bool(), c.encryption);
  EXPECT_EQ(d["supports_signing"].as_bool(), c.signing);
  EXPECT_EQ(d["supports_derivation"].as_bool(), c.derivation);
  const json::value& v1 = d["keys"].as_object()["1"];
  if (c.asym_name == nullptr) {
    EXPECT_TRUE(v1.is_int64());
  } else {
    ASSERT_TRUE(v1.is_object());
    EXPECT_EQ(Str(v1.as_object().at("name")), c.asym_name);
    EXPECT_EQ(Str(v1.as_object().at("creation_time")), "2023-11-14T22:13:20Z");
    std::string pub = Str(v1.as_object().at("public_key"));
    if (std::string_view(c.type) == "ed25519") {
      auto raw = Base64Decode(pub);
      ASSERT_TRUE(raw.has_value());
      EXPECT_EQ(raw->size(), 32u);
    } else {
      EXPECT_TRUE(pub.starts_with("-----BEGIN PUBLIC KEY-----")) << pub;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(
    TransitAll, TransitKeyTypes,
    ::testing::Values(TypeCase{"aes128-gcm96", true, false, true, nullptr},
                      TypeCase{"aes256-gcm96", true, false, true, nullptr},
                      TypeCase{"chacha20-poly1305", true, false, true, nullptr},
                      TypeCase{"xchacha20-poly1305", true, false, true, nullptr},
                      TypeCase{"ed25519", false, true, true, "ed25519"},
                      TypeCase{"ecdsa-p256", false, true, false, "P-256"},
                      TypeCase{"ecdsa-p384", false, true, false, "P-384"},
                      TypeCase{"ecdsa-p521", false, true, false, "P-521"},
                      TypeCase{"rsa-2048", true, true, false, "rsa-2048"},
                      TypeCase{"rsa-3072", true, true, false, "rsa-3072"},
                      TypeCase{"hmac", false, false, false, nullptr}),
    [](const auto& info) {
      std::string n = info.param.type;
      for (char& ch : n) {
        if (ch == '-') ch = '_';
      }
      return n;
    });

TEST_F(TransitTest, CreateRejectsBadOptions) {
  ExpectBadRequest(Write("keys/x", R"({"type":"des"})"), "unknown key type");
  ExpectBadRequest(Write("keys/x", R"({"convergent_encryption":true})"),
                   "convergent encryption requires derivation");
  ExpectBadRequest(Write("keys/x", R"({"type":"ecdsa-p256","derived":true})"),
                   "not supported for keys of type ecdsa-p256");
  ExpectBadRequest(Write("keys/x", R"({"auto_rotate_period":"30m"})"), "at least an hour");
  ExpectBadRequest(Write("keys/x", R"({"type":"hmac","key_size":16})"), "invalid key_size");
  ExpectBadRequest(Write("keys/x", R"({"key_size":64})"), "only valid for hmac");
  // Nothing was created by the failures.
  auto r = Read("keys/x");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().kind(), ErrorKind::kNotFound);
}

TEST_F(TransitTest, CreatingAnExistingKeyKeepsItAndWarns) {
  MustWrite("keys/k", R"({"type":"chacha20-poly1305"})");
  auto r = Write("keys/k", R"({"type":"aes128-gcm96"})");
  ASSERT_TRUE(r.has_value());
  ASSERT_EQ(r->warnings.size(), 1u);
  EXPECT_EQ(Str(MustRead("keys/k")["type"]), "chacha20-poly1305");
}

TEST_F(TransitTest, HmacKeySize) {
  MustWrite("keys/h", R"({"type":"hmac","key_size":64})");
  EXPECT_EQ(MustRead("keys/h")["key_size"].as_int64(), 64);
}

TEST_F(TransitTest, ListKeys) {
  auto empty = Do(Operation::kList, "keys/");
  ASSERT_TRUE(empty.has_value());
  EXPECT_TRUE(empty->empty_list);
  MustWrite("keys/b");
  MustWrite("keys/a");
  auto r = Do(Operation::kList, "keys");
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(json::serialize(r->data["keys"]), R"(["a","b"])");
}

TEST_F(TransitTest, DeleteNeedsDeletionAllowed) {
  MustWrite("keys/k");
  ExpectBadRequest(Do(Operation::kDelete, "keys/k"), "deletion is not allowed");
  EXPECT_TRUE(Read("keys/k").has_value());
  MustWrite("keys/k/config", R"({"deletion_allowed":true})");
  ASSERT_TRUE(Do(Operation::kDelete, "keys/k").has_value());
  EXPECT_FALSE(Read("keys/k").has_value());
  EXPECT_EQ(storage_.size(), 0u);
  ExpectBadRequest(Do(Operation::kDelete, "keys/k"), "not found");
  // A deleted key is gone from the cache too: encrypt does not find it.
  ExpectBadRequest(Write("encrypt/k", R"({"plaintext":"aGk="})"), "encryption key not found");
}

TEST_F(TransitTest, RotateAddsVersionsAndEncryptsWithLatest) {
  MustWrite("keys/k");
  now_ += 10;
  json::object d = MustWrite("keys/k/rotate");
  EXPECT_EQ(d["latest_version"].as_int64(), 2);
  EXPECT_EQ(d["keys"].as_object()["2"].as_int64(), now_.load());
  json::object enc = MustWrite("encrypt/k", R"({"plaintext":"aGk="})");
  EXPECT_TRUE(Str(enc["ciphertext"]).starts_with("vault:v2:"));
  EXPECT_EQ(enc["key_version"].as_int64(), 2);
  ExpectBadRequest(Write("keys/missing/rotate"), "key not found");
}

TEST_F(TransitTest, ConfigValidation) {
  MustWrite("keys/k");
  MustWrite("keys/k/rotate");
  MustWrite("keys/k/rotate");
  ExpectBadRequest(Write("keys/k/config", R"({"min_decryption_version":4})"),
                   "latest key version is 3");
  ExpectBadRequest(Write("keys/k/config", R"({"min_encryption_version":5})"),
                   "latest key version is 3");
  ExpectBadRequest(
      Write("keys/k/config", R"({"min_decryption_version":3,"min_encryption_version":2})"),
      "should not be less than min decryption version");
  ExpectBadRequest(Write("keys/k/config", R"({"min_decryption_version":-1})"), "positive");
  ExpectBadRequest(Write("keys/k/config", R"({"auto_rotate_period":"10m"})"), "at least an hour");
  // The failures changed nothing.
  EXPECT_EQ(MustRead("keys/k")["min_decryption_version"].as_int64(), 1);
  json::object d =
      MustWrite("keys/k/config", R"({"min_decryption_version":2,"min_encryption_version":3,)"
                                 R"("exportable":true,"auto_rotate_period":"2h"})");
  EXPECT_EQ(d["min_decryption_version"].as_int64(), 2);
  EXPECT_EQ(d["min_encryption_version"].as_int64(), 3);
  EXPECT_EQ(d["auto_rotate_period"].as_int64(), 7200);
  EXPECT_TRUE(d["exportable"].as_bool());
  ExpectBadRequest(Write("keys/k/config", R"({"exportable":false})"), "cannot be disabled");
  ExpectBadRequest(Write("keys/missing/config", R"({"deletion_allowed":true})"), "key not found");
}

TEST_F(TransitTest, MinEncryptionVersionLimitsExplicitVersions) {
  MustWrite("keys/k");
  MustWrite("keys/k/rotate");
  MustWrite("keys/k/config", R"({"min_encryption_version":2})");
  ExpectBadRequest(Write("encrypt/k", R"({"plaintext":"aGk=","key_version":1})"),
                   "less than the minimum encryption key version");
  ExpectBadRequest(Write("encrypt/k", R"({"plaintext":"aGk=","key_version":3})"),
                   "higher than latest");
  EXPECT_EQ(
      MustWrite("encrypt/k", R"({"plaintext":"aGk=","key_version":2})")["key_version"].as_int64(),
      2);
}

TEST_F(TransitTest, TrimRemovesOldVersions) {
  MustWrite("keys/k");
  std::string v1 = Str(MustWrite("encrypt/k", R"({"plaintext":"aGk="})")["ciphertext"]);
  MustWrite("keys/k/rotate");
  MustWrite("keys/k/rotate");
  ExpectBadRequest(Write("keys/k/trim", R"({"min_available_version":2})"),
                   "greater than minimum decryption version");
  MustWrite("keys/k/config", R"({"min_decryption_version":2})");
  ExpectBadRequest(Write("keys/k/trim", R"({"min_available_version":0})"), "positive");
  json::object d = MustWrite("keys/k/trim", R"({"min_available_version":2})");
  EXPECT_EQ(d["min_available_version"].as_int64(), 2);
  EXPECT_FALSE(d["keys"].as_object().contains("1"));
  EXPECT_TRUE(d["keys"].as_object().contains("2"));
  ExpectBadRequest(Write("keys/k/trim", R"({"min_available_version":1})"), "decremented");
  ExpectBadRequest(Write("decrypt/k", R"({"ciphertext":")" + v1 + R"("})"), "too old");
  ExpectBadRequest(Write("keys/k/config", R"({"min_decryption_version":1})"),
                   "less than min available");
}

TEST_F(TransitTest, AutoRotateHappensLazilyOnUse) {
  MustWrite("keys/k", R"({"auto_rotate_period":"1h"})");
  now_ += 3599;
  EXPECT_EQ(MustWrite("encrypt/k", R"({"plaintext":"aGk="})")["key_version"].as_int64(), 1);
  now_ += 1;
  EXPECT_EQ(MustWrite("encrypt/k", R"({"plaintext":"aGk="})")["key_version"].as_int64(), 2);
  // Persisted: a fresh backend over the same storage sees version 2.
  logical::BackendConfig config;
  config.storage = &storage_;
  auto fresh = NewTransitBackendWithClock(config, [this] { return now_.load(); });
  ASSERT_TRUE(fresh.has_value());
  logical::Request req;
  req.operation = Operation::kRead;
  req.path = "keys/k";
  req.storage = &storage_;
  auto r = (*fresh)->HandleRequest(req);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->data["latest_version"].as_int64(), 2);
}

TEST_F(TransitTest, CacheIsInvalidatedByInvalidateKey) {
  MustWrite("keys/k");
  EXPECT_EQ(MustRead("keys/k")["latest_version"].as_int64(), 1);
  // Another node rotated the key: storage changes underneath the cache.
  logical::BackendConfig config;
  config.storage = &storage_;
  auto other = NewTransitBackendWithClock(config, [this] { return now_.load(); });
  ASSERT_TRUE(other.has_value());
  logical::Request req;
  req.operation = Operation::kUpdate;
  req.path = "keys/k/rotate";
  req.storage = &storage_;
  ASSERT_TRUE((*other)->HandleRequest(req).has_value());
  EXPECT_EQ(MustRead("keys/k")["latest_version"].as_int64(), 1);  // cached
  backend_->InvalidateKey("policy/k");
  EXPECT_EQ(MustRead("keys/k")["latest_version"].as_int64(), 2);
}

TEST_F(TransitTest, KeyNamesAreValidated) {
  auto r = Write("keys/bad/name/x");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().kind(), ErrorKind::kNotFound);
}

}  // namespace
}  // namespace arca::engines::transit
