// Rekey with pgp_keys (and backup) and generate-root with pgp_key on a Shamir core, with keys
// from a throw-away GnuPG home: the new shares and the token decrypt with `gpg --decrypt`, the
// decrypted shares unseal, the token is root; bad keys change nothing.
#include <gtest/gtest.h>

#include "common/encoding.h"
#include "core/testing.h"
#include "services/gnupg.h"

namespace arca::seal {
namespace {

using logical::Operation;
using testing::GnupgHome;

class RekeyPgp : public ::testing::Test {
 protected:
  void SetUp() override {
    for (int i = 0; i < 2; ++i) {
      fpr_[i] = home_.GenerateKey("Holder " + std::to_string(i) + " <h" + std::to_string(i) +
                                  "@example.invalid>");
      ASSERT_FALSE(fpr_[i].empty()) << home_.error();
      key_[i] = Base64Encode(home_.ExportPublic(fpr_[i]));
      for (auto& c : fpr_[i]) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    root_ = t_.InitAndUnseal();  // 3 shares, threshold 2
    ASSERT_FALSE(root_.empty());
  }

  json::object Ok(Operation op, const std::string& path, json::object body = {},
                  const std::string& token = "") {
    auto r = t_.Do(op, path, std::move(body), token);
    EXPECT_TRUE(r) << path << ": " << (r ? "" : r.error().ToString());
    if (!r) return {};
    return r->raw ? core::ParseRaw(*r) : r->data;
  }
  std::string Decrypt(const std::string& base64_message) {
    std::string plain;
    EXPECT_TRUE(home_.Decrypt(*Base64Decode(base64_message), &plain)) << home_.error();
    return plain;
  }

  GnupgHome home_;
  std::string fpr_[2], key_[2];
  core::TestCore t_;
  std::string root_;
};

TEST_F(RekeyPgp, SharesEncryptedBackedUpAndUnseal) {
  json::object st = Ok(Operation::kUpdate, "sys/rekey/init",
                       {{"secret_shares", 2},
                        {"secret_threshold", 2},
                        {"pgp_keys", json::array{key_[0], key_[1]}},
                        {"backup", true}});
  ASSERT_EQ(st["pgp_fingerprints"], (json::array{fpr_[0], fpr_[1]}));
  EXPECT_EQ(st["backup"], true);
  std::string nonce(st["nonce"].as_string());
  Ok(Operation::kUpdate, "sys/rekey/update", {{"key", t_.keys[0]}, {"nonce", nonce}});
  json::object done =
      Ok(Operation::kUpdate, "sys/rekey/update", {{"key", t_.keys[2]}, {"nonce", nonce}});
  ASSERT_EQ(done["complete"], true);
  EXPECT_EQ(done["pgp_fingerprints"], (json::array{fpr_[0], fpr_[1]}));
  EXPECT_EQ(done["backup"], true);
  std::vector<std::string> shares;
  for (const auto& m : done["keys_base64"].as_array()) shares.push_back(Decrypt(std::string(m.as_string())));
  ASSERT_EQ(shares.size(), 2u);
  EXPECT_EQ(shares[0].size(), 66u);  // the hex of a 33-byte share
  EXPECT_TRUE(HexDecode(shares[1]));

  // The backup needs a token and lists the messages by fingerprint.
  json::object backup = Ok(Operation::kRead, "sys/rekey/backup", {}, root_);
  EXPECT_EQ(backup["nonce"], json::value(nonce));
  EXPECT_EQ(backup["keys"].as_object().at(fpr_[1]).as_array().at(0), done["keys"].as_array()[1]);
  EXPECT_EQ(backup["keys_base64"].as_object().at(fpr_[0]).as_array().at(0),
            done["keys_base64"].as_array()[0]);
  ASSERT_TRUE(t_.Do(Operation::kDelete, "sys/rekey/backup", {}, root_));
  auto gone = t_.Do(Operation::kRead, "sys/rekey/backup", {}, root_);
  ASSERT_FALSE(gone);
  EXPECT_EQ(gone.error().message(), "no backed-up keys found");

  // The decrypted shares unseal; the old ones no longer do.
  ASSERT_TRUE(t_.core->Seal());
  EXPECT_FALSE(t_.core->UnsealWithKeys({t_.keys[0], t_.keys[1]}));
  ASSERT_TRUE(t_.core->UnsealWithKeys(shares));
  EXPECT_FALSE(t_.core->Sealed());
}

TEST_F(RekeyPgp, GenerateRootWithPgpKey) {
  json::object st = Ok(Operation::kUpdate, "sys/generate-root/attempt", {{"pgp_key", key_[1]}});
  EXPECT_EQ(st["pgp_fingerprint"], json::value(fpr_[1]));
  EXPECT_EQ(st["otp"], "");
  std::string nonce(st["nonce"].as_string());
  Ok(Operation::kUpdate, "sys/generate-root/update", {{"key", t_.keys[1]}, {"nonce", nonce}});
  json::object done =
      Ok(Operation::kUpdate, "sys/generate-root/update", {{"key", t_.keys[2]}, {"nonce", nonce}});
  ASSERT_EQ(done["complete"], true);
  EXPECT_EQ(done["pgp_fingerprint"], json::value(fpr_[1]));
  std::string token = Decrypt(std::string(done["encoded_token"].as_string()));
  ASSERT_TRUE(token.starts_with("hvs.")) << token;
  auto self = t_.Do(Operation::kRead, "auth/token/lookup-self", {}, token);
  ASSERT_TRUE(self) << self.error().ToString();
  EXPECT_EQ(self->data["policies"].as_array().at(0), "root");
}

TEST_F(RekeyPgp, BadKeysChangeNothing) {
  for (const json::value& bad : {json::value("not base64!"), json::value("keybase:someone"),
                                 json::value(Base64Encode("not a key"))}) {
    auto r = t_.Do(Operation::kUpdate, "sys/rekey/init",
                   {{"secret_shares", 2}, {"secret_threshold", 2},
                    {"pgp_keys", json::array{key_[0], bad}}});
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().http_status(), 400) << r.error().message();
    EXPECT_EQ(Ok(Operation::kRead, "sys/rekey/init")["started"], false);
    auto g = t_.Do(Operation::kUpdate, "sys/generate-root/attempt", {{"pgp_key", bad}});
    ASSERT_FALSE(g);
    EXPECT_EQ(g.error().http_status(), 400) << g.error().message();
    EXPECT_EQ(Ok(Operation::kRead, "sys/generate-root/attempt")["started"], false);
  }
}

}  // namespace
}  // namespace arca::seal
