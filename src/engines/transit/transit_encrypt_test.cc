#include <gtest/gtest.h>

#include "common/encoding.h"
#include "engines/transit/cipher.h"
#include "engines/transit/transit_test_util.h"

namespace arca::engines::transit {
namespace {

using logical::Operation;

class TransitEncryptTypes : public TransitTest,
                            public ::testing::WithParamInterface<const char*> {};

TEST_P(TransitEncryptTypes, RoundTripAndVaultFormat) {
  const std::string type = GetParam();
  MustWrite("keys/k", R"({"type":")" + type + R"("})");
  const std::string pt = "the quick brown fox";
  json::object enc = MustWrite("encrypt/k", R"({"plaintext":")" + B64(pt) + R"("})");
  const std::string ct = Str(enc["ciphertext"]);
  ASSERT_TRUE(ct.starts_with("vault:v1:")) << ct;
  EXPECT_EQ(enc["key_version"].as_int64(), 1);
  auto body = Base64Decode(std::string_view(ct).substr(9));
  ASSERT_TRUE(body.has_value());
  if (type == "rsa-2048") {
    EXPECT_EQ(body->size(), 256u);
  } else {
    const size_t nonce = type == "xchacha20-poly1305" ? 24 : 12;
    EXPECT_EQ(body->size(), nonce + pt.size() + 16);
  }
  json::object dec = MustWrite("decrypt/k", R"({"ciphertext":")" + ct + R"("})");
  EXPECT_EQ(Str(dec["plaintext"]), B64(pt));
  // Fresh nonces: encrypting again gives a different ciphertext.
  EXPECT_NE(Str(MustWrite("encrypt/k", R"({"plaintext":")" + B64(pt) + R"("})")["ciphertext"]), ct);
}

INSTANTIATE_TEST_SUITE_P(TransitAll, TransitEncryptTypes,
                         ::testing::Values("aes128-gcm96", "aes256-gcm96", "chacha20-poly1305",
                                           "xchacha20-poly1305", "rsa-2048"),
                         [](const auto& info) {
                           std::string n = info.param;
                           for (char& ch : n) {
                             if (ch == '-') ch = '_';
                           }
                           return n;
                         });

TEST_F(TransitTest, XChaCha20Poly1305TestVector) {
  // draft-irtf-cfrg-xchacha-03, appendix A.3.1.
  std::string key;
  for (int i = 0x80; i < 0xa0; ++i) key.push_back(static_cast<char>(i));
  std::string iv;
  for (int i = 0x40; i < 0x58; ++i) iv.push_back(static_cast<char>(i));
  const std::string pt =
      "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the "
      "future, sunscreen would be it.";
  auto aad = HexDecode("50515253c0c1c2c3c4c5c6c7");
  ASSERT_TRUE(aad.has_value());
  auto sealed =
      AeadSeal(KeyType::kXChaCha20Poly1305, SecureBytes::FromString(key).span(), iv, pt, *aad);
  ASSERT_TRUE(sealed.has_value()) << sealed.error().ToString();
  ASSERT_EQ(sealed->size(), 24 + pt.size() + 16);
  EXPECT_EQ(HexEncode(sealed->substr(24, 16)), "bd6d179d3e83d43b9576579493c0e939");
  EXPECT_EQ(HexEncode(sealed->substr(sealed->size() - 16)), "c0875924c1c7987947deafd8780acf49");
  auto opened =
      AeadOpen(KeyType::kXChaCha20Poly1305, SecureBytes::FromString(key).span(), *sealed, *aad);
  ASSERT_TRUE(opened.has_value());
  EXPECT_EQ(*opened, pt);
  EXPECT_FALSE(
      AeadOpen(KeyType::kXChaCha20Poly1305, SecureBytes::FromString(key).span(), *sealed, "x"));
}

TEST_F(TransitTest, TamperedCiphertextIs400) {
  for (const char* type : {"aes256-gcm96", "chacha20-poly1305", "xchacha20-poly1305"}) {
    SCOPED_TRACE(type);
    MustWrite(std::string("keys/") + type, R"({"type":")" + std::string(type) + R"("})");
    std::string ct = Str(MustWrite(std::string("encrypt/") + type,
                                   R"({"plaintext":")" + B64("secret") + R"("})")["ciphertext"]);
    auto raw = Base64Decode(std::string_view(ct).substr(9));
    ASSERT_TRUE(raw.has_value());
    (*raw)[raw->size() / 2] ^= 0x01;
    std::string bad = "vault:v1:" + Base64Encode(*raw);
    ExpectBadRequest(Write(std::string("decrypt/") + type, R"({"ciphertext":")" + bad + R"("})"),
                     "message authentication failed");
  }
}

TEST_F(TransitTest, MalformedCiphertextsAre400) {
  MustWrite("keys/k");
  struct Case {
    const char* ct;
    const char* msg;
  } cases[] = {
      {"nope", "no prefix"},
      {"vault:v1", "wrong number of fields"},
      {"vault:vx:AAAA", "version number could not be decoded"},
      {"vault:v9:AAAA", "invalid key version"},
      {"vault:v1:!!!", "could not decode base64"},
      {"vault:v1:AAAA", "message authentication failed"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.ct);
    ExpectBadRequest(Write("decrypt/k", std::string(R"({"ciphertext":")") + c.ct + R"("})"), c.msg);
  }
  ExpectBadRequest(Write("decrypt/k"), "missing ciphertext");
  ExpectBadRequest(Write("decrypt/missing", R"({"ciphertext":"vault:v1:AAAA"})"),
                   "encryption key not found");
  ExpectBadRequest(Write("encrypt/k", R"({"plaintext":"%%%"})"), "base64-decode plaintext");
}

TEST_F(TransitTest, MinDecryptionVersionRefusesOldCiphertext) {
  MustWrite("keys/k");
  std::string v1 = Str(MustWrite("encrypt/k", R"({"plaintext":"aGk="})")["ciphertext"]);
  MustWrite("keys/k/rotate");
  MustWrite("keys/k/config", R"({"min_decryption_version":2})");
  ExpectBadRequest(Write("decrypt/k", R"({"ciphertext":")" + v1 + R"("})"), "too old");
}

TEST_F(TransitTest, DerivedKeysNeedTheRightContext) {
  MustWrite("keys/d", R"({"derived":true})");
  json::object d = MustRead("keys/d");
  EXPECT_EQ(Str(d["kdf"]), "hkdf_sha256");
  ExpectBadRequest(Write("encrypt/d", R"({"plaintext":"aGk="})"), "missing 'context'");
  const std::string ctx = B64("tenant-1");
  std::string ct = Str(
      MustWrite("encrypt/d", R"({"plaintext":"aGk=","context":")" + ctx + R"("})")["ciphertext"]);
  EXPECT_EQ(Str(MustWrite("decrypt/d", R"({"ciphertext":")" + ct + R"(","context":")" + ctx +
                                           R"("})")["plaintext"]),
            "aGk=");
  ExpectBadRequest(Write("decrypt/d", R"({"ciphertext":")" + ct + R"(","context":")" +
                                          B64("tenant-2") + R"("})"),
                   "message authentication failed");
  ExpectBadRequest(Write("decrypt/d", R"({"ciphertext":")" + ct + R"("})"), "missing 'context'");
  ExpectBadRequest(Write("decrypt/d", R"({"ciphertext":")" + ct + R"(","context":"***"})"),
                   "base64-decode context");
}

TEST_F(TransitTest, ConvergentEncryptionIsDeterministicPerContext) {
  MustWrite("keys/c", R"({"derived":true,"convergent_encryption":true})");
  EXPECT_EQ(MustRead("keys/c")["convergent_encryption_version"].as_int64(), 3);
  auto enc = [&](const std::string& pt, const std::string& ctx) {
    return Str(MustWrite("encrypt/c", R"({"plaintext":")" + B64(pt) + R"(","context":")" +
                                          B64(ctx) + R"("})")["ciphertext"]);
  };
  EXPECT_EQ(enc("same", "ctx"), enc("same", "ctx"));
  EXPECT_NE(enc("same", "ctx"), enc("other", "ctx"));
  EXPECT_NE(enc("same", "ctx"), enc("same", "ctx2"));
  std::string ct = enc("same", "ctx");
  EXPECT_EQ(Str(MustWrite("decrypt/c", R"({"ciphertext":")" + ct + R"(","context":")" + B64("ctx") +
                                           R"("})")["plaintext"]),
            B64("same"));
  ExpectBadRequest(Write("encrypt/c", R"({"plaintext":"aGk=","context":"Yw==","nonce":"AAAA"})"),
                   "nonce not allowed");
}

TEST_F(TransitTest, AssociatedDataIsAuthenticated) {
  MustWrite("keys/k");
  const std::string aad = B64("header");
  std::string ct = Str(MustWrite(
      "encrypt/k", R"({"plaintext":"aGk=","associated_data":")" + aad + R"("})")["ciphertext"]);
  EXPECT_EQ(Str(MustWrite("decrypt/k", R"({"ciphertext":")" + ct + R"(","associated_data":")" +
                                           aad + R"("})")["plaintext"]),
            "aGk=");
  ExpectBadRequest(Write("decrypt/k", R"({"ciphertext":")" + ct + R"("})"),
                   "message authentication failed");
}

TEST_F(TransitTest, EncryptCreatesTheKeyOnlyForCreate) {
  // The core turns the write into kCreate when the existence check says the key is absent.
  logical::Request req;
  req.operation = Operation::kUpdate;
  req.path = "encrypt/auto";
  req.storage = &storage_;
  auto check = backend_->HandleExistenceCheck(req);
  ASSERT_TRUE(check.has_value());
  EXPECT_TRUE(check->supported);
  EXPECT_FALSE(check->exists);
  ExpectBadRequest(Write("encrypt/auto", R"({"plaintext":"aGk="})"), "encryption key not found");
  auto created =
      Do(Operation::kCreate, "encrypt/auto", R"({"plaintext":"aGk=","type":"chacha20-poly1305"})");
  ASSERT_TRUE(created.has_value()) << created.error().ToString();
  EXPECT_TRUE(Str(created->data["ciphertext"]).starts_with("vault:v1:"));
  EXPECT_EQ(Str(MustRead("keys/auto")["type"]), "chacha20-poly1305");
  check = backend_->HandleExistenceCheck(req);
  ASSERT_TRUE(check.has_value());
  EXPECT_TRUE(check->exists);
  // A batch with a context creates a derived key.
  ASSERT_TRUE(Do(Operation::kCreate, "encrypt/auto2",
                 R"({"batch_input":[{"plaintext":"aGk=","context":"Yw=="}]})")
                  .has_value());
  EXPECT_TRUE(MustRead("keys/auto2")["derived"].as_bool());
}

TEST_F(TransitTest, BatchEncryptDecryptWithReferences) {
  MustWrite("keys/k");
  json::object enc =
      MustWrite("encrypt/k",
                R"({"batch_input":[{"plaintext":"YQ==","reference":"r1"},{"plaintext":"Yg=="}]})");
  const json::array& res = enc["batch_results"].as_array();
  ASSERT_EQ(res.size(), 2u);
  EXPECT_EQ(Str(res[0].as_object().at("reference")), "r1");
  EXPECT_EQ(res[1].as_object().at("key_version").as_int64(), 1);
  json::array dec_in;
  for (const auto& r : res) {
    json::object item;
    item["ciphertext"] = r.as_object().at("ciphertext");
    dec_in.push_back(std::move(item));
  }
  json::object body;
  body["batch_input"] = dec_in;
  json::object dec = MustWrite("decrypt/k", json::serialize(body));
  const json::array& out = dec["batch_results"].as_array();
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(Str(out[0].as_object().at("plaintext")), "YQ==");
  EXPECT_EQ(Str(out[1].as_object().at("plaintext")), "Yg==");
}

TEST_F(TransitTest, BatchReportsPerItemErrors) {
  MustWrite("keys/k");
  auto r = Write("encrypt/k",
                 R"({"batch_input":[{"plaintext":"YQ=="},{"plaintext":"%%"},{"plaintext":5}]})");
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status_code, 400);
  const json::array& res = r->data["batch_results"].as_array();
  ASSERT_EQ(res.size(), 3u);
  EXPECT_TRUE(res[0].as_object().contains("ciphertext"));
  EXPECT_NE(Str(res[1].as_object().at("error")).find("base64-decode plaintext"), std::string::npos);
  EXPECT_TRUE(res[2].as_object().contains("error"));
  auto partial = Write("encrypt/k", R"({"partial_failure_response_code":207,)"
                                    R"("batch_input":[{"plaintext":"YQ=="},{"plaintext":"%%"}]})");
  ASSERT_TRUE(partial.has_value());
  EXPECT_EQ(partial->status_code, 207);
  // Every item failed: 400 regardless.
  auto all = Write("encrypt/k", R"({"partial_failure_response_code":207,)"
                                R"("batch_input":[{"plaintext":"%%"}]})");
  ASSERT_TRUE(all.has_value());
  EXPECT_EQ(all->status_code, 400);
  auto dec = Write("decrypt/k", R"({"batch_input":[{"ciphertext":"vault:v1:AAAA"}]})");
  ASSERT_TRUE(dec.has_value());
  EXPECT_EQ(dec->status_code, 400);
}

TEST_F(TransitTest, MalformedBatchInputIs400) {
  MustWrite("keys/k");
  ExpectBadRequest(Write("encrypt/k", R"({"batch_input":"not json"})"), "batch input");
  ExpectBadRequest(Write("encrypt/k", R"({"batch_input":{"plaintext":"YQ=="}})"), "not a list");
  ExpectBadRequest(Write("encrypt/k", R"({"batch_input":[1]})"), "not an object");
  ExpectBadRequest(Write("encrypt/k", R"({"batch_input":[]})"), "missing batch input");
  // A JSON string holding the batch is accepted (CLI form).
  json::object ok = MustWrite("encrypt/k", R"({"batch_input":"[{\"plaintext\":\"YQ==\"}]"})");
  EXPECT_EQ(ok["batch_results"].as_array().size(), 1u);
}

TEST_F(TransitTest, RewrapMovesToLatestVersion) {
  MustWrite("keys/k");
  std::string v1 = Str(MustWrite("encrypt/k", R"({"plaintext":"aGk="})")["ciphertext"]);
  MustWrite("keys/k/rotate");
  json::object rw = MustWrite("rewrap/k", R"({"ciphertext":")" + v1 + R"("})");
  std::string v2 = Str(rw["ciphertext"]);
  EXPECT_TRUE(v2.starts_with("vault:v2:"));
  EXPECT_EQ(rw["key_version"].as_int64(), 2);
  EXPECT_EQ(Str(MustWrite("decrypt/k", R"({"ciphertext":")" + v2 + R"("})")["plaintext"]), "aGk=");
  ExpectBadRequest(Write("rewrap/k", R"({"ciphertext":"vault:v1:AAAA"})"),
                   "message authentication failed");
}

TEST_F(TransitTest, DataKeys) {
  MustWrite("keys/k");
  json::object pt = MustWrite("datakey/plaintext/k", R"({"bits":512})");
  auto key = Base64Decode(Str(pt["plaintext"]));
  ASSERT_TRUE(key.has_value());
  EXPECT_EQ(key->size(), 64u);
  json::object dec = MustWrite("decrypt/k", R"({"ciphertext":")" + Str(pt["ciphertext"]) + R"("})");
  EXPECT_EQ(Str(dec["plaintext"]), Str(pt["plaintext"]));
  json::object wrapped = MustWrite("datakey/wrapped/k");
  EXPECT_FALSE(wrapped.contains("plaintext"));
  EXPECT_TRUE(Str(wrapped["ciphertext"]).starts_with("vault:v1:"));
  ExpectBadRequest(Write("datakey/other/k"), "must be 'plaintext' or 'wrapped'");
  ExpectBadRequest(Write("datakey/plaintext/k", R"({"bits":100})"), "invalid bits");
  ExpectBadRequest(Write("datakey/plaintext/none"), "encryption key not found");
}

TEST_F(TransitTest, SigningKeysCannotEncrypt) {
  MustWrite("keys/e", R"({"type":"ed25519"})");
  ExpectBadRequest(Write("encrypt/e", R"({"plaintext":"aGk="})"), "does not support encryption");
  ExpectBadRequest(Write("decrypt/e", R"({"ciphertext":"vault:v1:AAAA"})"),
                   "does not support decryption");
}

}  // namespace
}  // namespace arca::engines::transit
