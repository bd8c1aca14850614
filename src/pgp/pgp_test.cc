// pgp:: against the real GnuPG: keys generated with `gpg --quick-gen-key` in a throw-away home,
// messages decrypted with `gpg --decrypt` there.
#include "pgp/pgp.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <thread>

#include "common/encoding.h"
#include "services/gnupg.h"

namespace arca::pgp {
namespace {

using testing::GnupgHome;

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// Two usable key pairs shared by the tests (generation takes a moment).
class PgpTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    home_ = new GnupgHome();
    fpr_[0] = home_->GenerateKey("Arca Share One <one@example.invalid>");
    fpr_[1] = home_->GenerateKey("Arca Share Two <two@example.invalid>");
    for (int i = 0; i < 2; ++i) {
      if (!fpr_[i].empty()) key_[i] = Base64Encode(home_->ExportPublic(fpr_[i]));
    }
  }
  static void TearDownTestSuite() {
    delete home_;
    home_ = nullptr;
  }
  void SetUp() override {
    ASSERT_FALSE(fpr_[0].empty()) << home_->error();
    ASSERT_FALSE(fpr_[1].empty()) << home_->error();
    ASSERT_FALSE(key_[0].empty()) << home_->error();
  }

  static std::string Decrypt(const std::string& message) {
    std::string plain;
    EXPECT_TRUE(home_->Decrypt(message, &plain)) << home_->error();
    return plain;
  }

  static GnupgHome* home_;
  static std::string fpr_[2];
  static std::string key_[2];
};

GnupgHome* PgpTest::home_ = nullptr;
std::string PgpTest::fpr_[2];
std::string PgpTest::key_[2];

std::vector<SecureBytes> Shares(std::initializer_list<std::string_view> values) {
  std::vector<SecureBytes> out;
  for (auto v : values) out.push_back(SecureBytes::FromString(v));
  return out;
}

TEST_F(PgpTest, EncryptSharesDecryptsToTheHexOfEachShare) {
  auto shares = Shares({std::string_view("\x01\x02\xff share one", 13), "share two"});
  auto enc = EncryptShares(shares, {key_[0], key_[1]});
  ASSERT_TRUE(enc) << enc.error().ToString();
  ASSERT_EQ(enc->keys_hex.size(), 2u);
  ASSERT_EQ(enc->keys_base64.size(), 2u);
  EXPECT_EQ(enc->fingerprints, (std::vector<std::string>{Lower(fpr_[0]), Lower(fpr_[1])}));
  for (size_t i = 0; i < 2; ++i) {
    auto from_hex = HexDecode(enc->keys_hex[i]);
    auto from_b64 = Base64Decode(enc->keys_base64[i]);
    ASSERT_TRUE(from_hex && from_b64);
    EXPECT_EQ(*from_hex, *from_b64);  // the same message, two encodings
    // A binary OpenPGP message (a packet tag byte), not ASCII armor.
    ASSERT_FALSE(from_hex->empty());
    EXPECT_TRUE(static_cast<unsigned char>((*from_hex)[0]) & 0x80);
    EXPECT_EQ(Decrypt(*from_hex), HexEncode(shares[i].view()));
  }
  // Each message is for its own key only: the two are different ciphertexts of different text.
  EXPECT_NE(enc->keys_hex[0], enc->keys_hex[1]);
}

TEST_F(PgpTest, TokenIsBase64OfAMessageThatDecryptsToIt) {
  auto b64 = EncryptTokenBase64("hvs.root-token-value", key_[1]);
  ASSERT_TRUE(b64) << b64.error().ToString();
  auto msg = Base64Decode(*b64);
  ASSERT_TRUE(msg);
  EXPECT_EQ(Decrypt(*msg), "hvs.root-token-value");
}

TEST_F(PgpTest, FingerprintsAreLowerCaseHexOfThePrimaryKeys) {
  auto f = Fingerprints({key_[1], key_[0], key_[1]});
  ASSERT_TRUE(f) << f.error().ToString();
  EXPECT_EQ(*f, (std::vector<std::string>{Lower(fpr_[1]), Lower(fpr_[0]), Lower(fpr_[1])}));
  EXPECT_EQ((*f)[0].size(), 40u);
}

TEST_F(PgpTest, KeyWithLineBreaksIsAcceptedAsGoDoes) {
  std::string wrapped;
  for (size_t i = 0; i < key_[0].size(); i += 64) wrapped += key_[0].substr(i, 64) + "\n";
  auto f = Fingerprints({wrapped});
  ASSERT_TRUE(f) << f.error().ToString();
  EXPECT_EQ((*f)[0], Lower(fpr_[0]));
}

void ExpectRefused(const Result<std::vector<std::string>>& r, std::string_view prefix,
                   std::string_view detail) {
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind(), ErrorKind::kInvalidRequest) << r.error().ToString();
  EXPECT_EQ(r.error().message().rfind(prefix, 0), 0u) << r.error().message();
  EXPECT_NE(r.error().message().find(detail), std::string::npos) << r.error().message();
}

TEST_F(PgpTest, BadKeysAreRefusedWithVaultsWording) {
  ExpectRefused(Fingerprints({"not base64 !!"}), "error decoding given PGP key: ", "");
  ExpectRefused(Fingerprints({Base64Encode("hello, this is not a key")}),
                "error parsing given PGP key: ", "");
  ExpectRefused(Fingerprints({""}), "error parsing given PGP key: ", "no key data");
  ExpectRefused(Fingerprints({key_[0], "keybase:alice"}), "error parsing given PGP key: ",
                "Keybase");
  ExpectRefused(Fingerprints({Base64Encode(home_->ExportPublic(fpr_[0], /*armor=*/true))}),
                "error parsing given PGP key: ", "ASCII-armored");
  // Two keys in one entry.
  auto both = *Base64Decode(key_[0]) + *Base64Decode(key_[1]);
  ExpectRefused(Fingerprints({Base64Encode(both)}), "error parsing given PGP key: ",
                "more than one key");
}

TEST_F(PgpTest, SecretKeyIsRefused) {
  std::string secret = home_->ExportSecret(fpr_[0]);
  ASSERT_FALSE(secret.empty()) << home_->error();
  ExpectRefused(Fingerprints({Base64Encode(secret)}), "error parsing given PGP key: ",
                "secret key");
}

TEST_F(PgpTest, KeysThatCannotEncryptAreRefused) {
  GnupgHome other;
  std::string sign_only = other.GenerateKey("Sign Only <s@example.invalid>", "ed25519", "sign");
  ASSERT_FALSE(sign_only.empty()) << other.error();
  ExpectRefused(Fingerprints({Base64Encode(other.ExportPublic(sign_only))}),
                "error parsing given PGP key: ", "no valid encryption key");

  // Made in 2020, valid for one day.
  std::string expired = other.GenerateKey("Expired <e@example.invalid>", "future-default",
                                          "default", "1d", "20200101T000000");
  ASSERT_FALSE(expired.empty()) << other.error();
  auto r = Fingerprints({Base64Encode(other.ExportPublic(expired))});
  ExpectRefused(r, "error parsing given PGP key: ", Lower(expired));
  EXPECT_NE(r.error().message().find("expired"), std::string::npos) << r.error().message();

  // Encryption refuses the same keys (nothing is returned).
  auto enc = EncryptShares(Shares({"a"}), {Base64Encode(other.ExportPublic(expired))});
  ASSERT_FALSE(enc);
  EXPECT_EQ(enc.error().kind(), ErrorKind::kInvalidRequest);
}

TEST_F(PgpTest, CountMismatchIsRefused) {
  auto enc = EncryptEach(Shares({"a", "b"}), {key_[0]});
  ASSERT_FALSE(enc);
  EXPECT_EQ(enc.error().kind(), ErrorKind::kInvalidRequest);
  EXPECT_EQ(enc.error().message(), "mismatch between number items to encrypt and number of PGP keys");
}

// Every call's GnuPG home is removed, on success and on error, and no gpg-agent is left.
TEST_F(PgpTest, TemporaryHomesAreRemovedAndNoAgentStarted) {
  std::string dir = ::testing::TempDir() + "arca-pgp-tmpdir-XXXXXX";
  ASSERT_NE(::mkdtemp(dir.data()), nullptr);
  const char* old = ::getenv("TMPDIR");
  std::string saved = old ? old : "";
  ::setenv("TMPDIR", dir.c_str(), 1);
  auto ok = EncryptShares(Shares({"x"}), {key_[0]});
  auto bad = Fingerprints({key_[0], Base64Encode("garbage")});
  if (old) ::setenv("TMPDIR", saved.c_str(), 1); else ::unsetenv("TMPDIR");
  EXPECT_TRUE(ok) << ok.error().ToString();
  EXPECT_FALSE(bad);
  EXPECT_TRUE(std::filesystem::is_empty(dir)) << "a temporary GnuPG home was left in " << dir;
  // An agent started for one of those homes would still be running.
  // ("[-]" keeps pgrep from matching the shell that runs it.)
  std::string cmd = "pgrep -f -- '[-]-homedir " + dir + "' >/dev/null";
  EXPECT_NE(std::system(cmd.c_str()), 0) << "a gpg-agent was started for a temporary home";
  std::filesystem::remove_all(dir);
}

TEST_F(PgpTest, ConcurrentCallsEachGetTheirOwnHome) {
  constexpr int kThreads = 4;
  std::vector<std::thread> threads;
  std::vector<std::string> messages(kThreads);
  std::vector<std::string> errors(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      auto r = EncryptShares(Shares({"thread-" + std::to_string(t)}), {key_[t % 2]});
      if (r) messages[t] = *HexDecode(r->keys_hex[0]);
      else errors[t] = r.error().ToString();
    });
  }
  for (auto& th : threads) th.join();
  for (int t = 0; t < kThreads; ++t) {
    ASSERT_TRUE(errors[t].empty()) << errors[t];
    EXPECT_EQ(Decrypt(messages[t]), HexEncode("thread-" + std::to_string(t)));
  }
}

TEST_F(PgpTest, KeyFilesAreReadAsVaultsCliReadsThem) {
  // Armored: converted to the base64 of the binary key.
  auto armored = KeyFileToBase64(home_->ExportPublic(fpr_[0], true), "one.asc");
  ASSERT_TRUE(armored) << armored.error().ToString();
  auto f = Fingerprints({*armored});
  ASSERT_TRUE(f) << f.error().ToString();
  EXPECT_EQ((*f)[0], Lower(fpr_[0]));
  // Base64 text (with a trailing newline, or wrapped): used as is.
  auto b64 = KeyFileToBase64(key_[1] + "\n", "two.b64");
  ASSERT_TRUE(b64);
  EXPECT_EQ(*b64, key_[1]);
  std::string wrapped;
  for (size_t i = 0; i < key_[1].size(); i += 76) wrapped += key_[1].substr(i, 76) + "\n";
  auto w = KeyFileToBase64(wrapped, "two.b64");
  ASSERT_TRUE(w);
  EXPECT_EQ(*w, key_[1]);
  // Binary: base64-encoded.
  auto bin = KeyFileToBase64(home_->ExportPublic(fpr_[1]), "two.gpg");
  ASSERT_TRUE(bin);
  EXPECT_EQ(*bin, key_[1]);
  // Two armored keys in one file.
  std::string two = home_->ExportPublic(fpr_[0], true) + home_->ExportPublic(fpr_[1], true);
  auto r = KeyFileToBase64(two, "both.asc");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message(), "more than one key found in file \"both.asc\"");
  ASSERT_FALSE(KeyFileToBase64("", "empty"));
}

TEST(PgpKeybase, Detected) {
  EXPECT_TRUE(IsKeybase("keybase:alice"));
  EXPECT_TRUE(IsKeybase(" keybase:alice"));
  EXPECT_FALSE(IsKeybase("a2V5YmFzZTphbGljZQ=="));
}

}  // namespace
}  // namespace arca::pgp
