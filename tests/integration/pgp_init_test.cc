// sys/init with PGP keys, end to end: key pairs from a throw-away GnuPG home, the real server
// initialised with pgp_keys + root_token_pgp_key, each share decrypted with `gpg --decrypt` and
// used to unseal, the decrypted root token used; bad keys refused with nothing changed; the CLI's
// -pgp-keys / -root-token-pgp-key reading key files.
#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <thread>

#include "common/encoding.h"
#include "common/json.h"
#include "integration/harness.h"
#include "services/gnupg.h"

namespace arca::testing {
namespace {

// `seal` adds a seal stanza (none: the Shamir seal).
std::string WriteConfig(const TempDir& dir, const std::string& seal = "") {
  std::string path = dir.File("arca.hcl");
  std::ofstream f(path);
  f << "storage \"file\" {\n  path = \"" << dir.File("data") << "\"\n}\n"
       "listener \"tcp\" {\n  address     = \"127.0.0.1:0\"\n  tls_disable = true\n}\n"
       "disable_mlock = true\nlog_level = \"warn\"\n" << seal;
  return path;
}

// Polls sys/seal-status until `sealed` is `want` (deadline 20 s).
bool WaitSealed(int port, bool want) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  std::string needle = want ? "\"sealed\":true" : "\"sealed\":false";
  while (std::chrono::steady_clock::now() < deadline) {
    if (RawHttp(port, "GET", "/v1/sys/seal-status").body.find(needle) != std::string::npos) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

void WriteFile(const std::string& path, const std::string& contents) {
  std::ofstream f(path, std::ios::binary);
  f << contents;
}

// Three operators, each with a key pair (ed25519 + cv25519) in a home of their own: a message
// for one of them decrypts in that home only.
class PgpInit : public ::testing::Test {
 protected:
  void SetUp() override {
    for (int i = 0; i < 3; ++i) {
      fpr_[i] = home_[i].GenerateKey("Arca Operator " + std::to_string(i) + " <op" +
                                     std::to_string(i) + "@example.invalid>");
      ASSERT_FALSE(fpr_[i].empty()) << home_[i].error();
      std::string bin = home_[i].ExportPublic(fpr_[i]);
      ASSERT_FALSE(bin.empty()) << home_[i].error();
      key_[i] = Base64Encode(bin);
    }
  }

  // Decrypts with operator i's secret key.
  std::string Decrypt(int i, const std::string& message) {
    std::string plain;
    EXPECT_TRUE(home_[i].Decrypt(message, &plain)) << home_[i].error();
    return plain;
  }
  bool OthersCannotDecrypt(int i, const std::string& message) {
    std::string plain;
    return !home_[(i + 1) % 3].Decrypt(message, &plain) && !home_[(i + 2) % 3].Decrypt(message, &plain);
  }

  json::object InitBody(std::vector<std::string> pgp_keys, int shares, int threshold) {
    json::object body{{"secret_shares", shares}, {"secret_threshold", threshold}};
    body["pgp_keys"] = ToJsonArray(pgp_keys);
    return body;
  }

  GnupgHome home_[3];
  std::string fpr_[3];
  std::string key_[3];
};

TEST_F(PgpInit, SharesAndRootTokenDecryptWithGpgAndWork) {
  TempDir dir;
  ServerProcess server({"-config=" + WriteConfig(dir)});
  ASSERT_TRUE(server.running()) << server.Log();

  json::object body = InitBody({key_[0], key_[1], key_[2]}, 3, 2);
  body["root_token_pgp_key"] = key_[2];
  auto init = RawHttp(server.port(), "PUT", "/v1/sys/init", json::serialize(body));
  ASSERT_EQ(init.status, 200) << init.body;
  auto resp = ParseJsonObject(init.body);
  ASSERT_TRUE(resp) << init.body;
  auto hex = StringsOf(*resp, "keys");
  auto b64 = StringsOf(*resp, "keys_base64");
  ASSERT_EQ(hex.size(), 3u) << init.body;
  ASSERT_EQ(b64.size(), 3u) << init.body;

  std::vector<std::string> shares;
  for (size_t i = 0; i < 3; ++i) {
    auto msg = Base64Decode(b64[i]);
    ASSERT_TRUE(msg) << b64[i];
    auto same = HexDecode(hex[i]);
    ASSERT_TRUE(same);
    EXPECT_EQ(*msg, *same) << "keys[" << i << "] and keys_base64[" << i << "] differ";
    // What gpg gives back is the share in hex (Vault's form): 33 bytes for 3 shares.
    std::string share = Decrypt(static_cast<int>(i), *msg);
    EXPECT_TRUE(OthersCannotDecrypt(static_cast<int>(i), *msg)) << "share " << i;
    auto raw = HexDecode(share);
    ASSERT_TRUE(raw) << "decrypted share is not hex: " << share;
    EXPECT_EQ(raw->size(), 33u);
    shares.push_back(share);
  }
  // The encrypted messages themselves are not unseal keys.
  auto not_a_key = RawHttp(server.port(), "PUT", "/v1/sys/unseal",
                           json::serialize(json::object{{"key", b64[0]}}));
  EXPECT_EQ(not_a_key.status, 400) << not_a_key.body;

  // The root token comes back as the base64 of a message for key 2.
  std::string root_b64 = StringOr(*resp, "root_token");
  auto root_msg = Base64Decode(root_b64);
  ASSERT_TRUE(root_msg) << root_b64;
  std::string root = Decrypt(2, *root_msg);
  ASSERT_FALSE(root.empty());
  EXPECT_NE(root, root_b64);

  // Two decrypted shares unseal.
  auto u1 = RawHttp(server.port(), "PUT", "/v1/sys/unseal",
                    json::serialize(json::object{{"key", shares[2]}}));
  ASSERT_EQ(u1.status, 200) << u1.body;
  EXPECT_NE(u1.body.find("\"sealed\":true"), std::string::npos) << u1.body;
  auto u2 = RawHttp(server.port(), "PUT", "/v1/sys/unseal",
                    json::serialize(json::object{{"key", shares[0]}}));
  ASSERT_EQ(u2.status, 200) << u2.body;
  EXPECT_NE(u2.body.find("\"sealed\":false"), std::string::npos) << u2.body;

  // The decrypted root token is the root token.
  auto self = RawHttp(server.port(), "GET", "/v1/auth/token/lookup-self", "",
                      {{"X-Vault-Token", root}});
  ASSERT_EQ(self.status, 200) << self.body;
  EXPECT_NE(self.body.find("\"root\""), std::string::npos) << self.body;
  // ...and the encrypted form is not a token.
  auto enc = RawHttp(server.port(), "GET", "/v1/auth/token/lookup-self", "",
                     {{"X-Vault-Token", root_b64}});
  EXPECT_EQ(enc.status, 403) << enc.body;
}

TEST_F(PgpInit, BadKeysAreRefusedAndNothingIsInitialized) {
  TempDir dir;
  ServerProcess server({"-config=" + WriteConfig(dir)});
  ASSERT_TRUE(server.running()) << server.Log();

  GnupgHome other;
  std::string expired = other.GenerateKey("Expired <x@example.invalid>", "future-default",
                                          "default", "1d", "20200101T000000");
  ASSERT_FALSE(expired.empty()) << other.error();
  std::string expired_key = Base64Encode(other.ExportPublic(expired));

  struct Case {
    const char* name;
    json::object body;
    std::string message;  // a part of the error
  };
  json::object root_bad = InitBody({}, 1, 1);
  root_bad.erase("pgp_keys");
  root_bad["root_token_pgp_key"] = "%%%";
  std::vector<Case> cases = {
      {"not base64", InitBody({key_[0], "not base64!", key_[2]}, 3, 2),
       "invalid seal configuration: error decoding given PGP key: "},
      {"garbage key", InitBody({key_[0], key_[1], Base64Encode("garbage, not a key")}, 3, 2),
       "invalid seal configuration: error parsing given PGP key: "},
      {"wrong count", InitBody({key_[0], key_[1]}, 3, 2),
       "invalid seal configuration: count mismatch between number of provided PGP keys and "
       "number of shares"},
      {"keybase", InitBody({key_[0], "keybase:alice", key_[2]}, 3, 2), "Keybase"},
      {"expired", InitBody({key_[0], expired_key}, 2, 2), "expired"},
      {"bad root token key", root_bad, "error decoding given PGP key: "},
  };
  for (const auto& c : cases) {
    auto r = RawHttp(server.port(), "PUT", "/v1/sys/init", json::serialize(c.body));
    EXPECT_EQ(r.status, 400) << c.name << ": " << r.body;
    auto err = ParseJsonObject(r.body);
    ASSERT_TRUE(err) << c.name << ": " << r.body;
    auto errors = StringsOf(*err, "errors");
    ASSERT_EQ(errors.size(), 1u) << c.name << ": " << r.body;
    EXPECT_NE(errors[0].find(c.message), std::string::npos) << c.name << ": " << errors[0];
    auto st = RawHttp(server.port(), "GET", "/v1/sys/init");
    EXPECT_EQ(st.body, "{\"initialized\":false}") << c.name;
  }
  // recovery_pgp_keys belong to auto-unseal seals.
  json::object rec = InitBody({}, 1, 1);
  rec["recovery_pgp_keys"] = ToJsonArray({key_[0]});
  auto r = RawHttp(server.port(), "PUT", "/v1/sys/init", json::serialize(rec));
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_NE(r.body.find("parameters recovery_pgp_keys not applicable to seal type shamir"),
            std::string::npos) << r.body;

  // The node still initialises normally afterwards.
  auto ok = RawHttp(server.port(), "PUT", "/v1/sys/init",
                    json::serialize(InitBody({key_[1]}, 1, 1)));
  ASSERT_EQ(ok.status, 200) << ok.body;
  auto resp = ParseJsonObject(ok.body);
  ASSERT_TRUE(resp);
  auto b64 = StringsOf(*resp, "keys_base64");
  ASSERT_EQ(b64.size(), 1u);
  std::string share = Decrypt(1, *Base64Decode(b64[0]));
  auto u = RawHttp(server.port(), "PUT", "/v1/sys/unseal",
                   json::serialize(json::object{{"key", share}}));
  EXPECT_NE(u.body.find("\"sealed\":false"), std::string::npos) << u.body;
}

std::vector<std::string> Matches(const std::string& text, const std::string& pattern) {
  std::vector<std::string> out;
  std::regex re(pattern);
  for (auto it = std::sregex_iterator(text.begin(), text.end(), re); it != std::sregex_iterator();
       ++it) {
    out.push_back((*it)[1]);
  }
  return out;
}

TEST_F(PgpInit, CliReadsKeyFilesAndPrintsEncryptedShares) {
  TempDir dir;
  ServerProcess server({"-config=" + WriteConfig(dir)});
  ASSERT_TRUE(server.running()) << server.Log();
  std::map<std::string, std::string> env{{"ARCA_ADDR", server.url()}};

  // The three forms Vault's CLI reads: armored, base64 text, binary.
  WriteFile(dir.File("zero.asc"), home_[0].ExportPublic(fpr_[0], /*armor=*/true));
  WriteFile(dir.File("one.b64"), key_[1] + "\n");
  WriteFile(dir.File("two.gpg"), home_[2].ExportPublic(fpr_[2]));

  // Refused before anything is sent.
  auto kb = RunCli({"operator", "init", "-key-shares=2", "-key-threshold=2",
                    "-pgp-keys=" + dir.File("zero.asc") + ",keybase:alice"}, env);
  EXPECT_EQ(kb.exit_code, 1) << kb.out << kb.err;
  EXPECT_NE(kb.err.find("keybase"), std::string::npos) << kb.err;
  auto missing = RunCli({"operator", "init", "-pgp-keys=" + dir.File("nope.asc")}, env);
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("for flag -pgp-keys: open " + dir.File("nope.asc") +
                             ": no such file or directory"),
            std::string::npos) << missing.err;
  auto two_root = RunCli({"operator", "init", "-root-token-pgp-key=" + dir.File("one.b64") +
                          "," + dir.File("two.gpg")}, env);
  EXPECT_EQ(two_root.exit_code, 1);
  EXPECT_NE(two_root.err.find("can only specify one pgp key"), std::string::npos) << two_root.err;
  // The server's count check.
  auto count = RunCli({"operator", "init", "-key-shares=3", "-key-threshold=2",
                       "-pgp-keys=" + dir.File("zero.asc")}, env);
  EXPECT_EQ(count.exit_code, 2);
  EXPECT_NE(count.err.find("count mismatch"), std::string::npos) << count.err;
  EXPECT_EQ(RawHttp(server.port(), "GET", "/v1/sys/init").body, "{\"initialized\":false}");

  auto init = RunCli({"operator", "init", "-key-shares=3", "-key-threshold=2",
                      "-pgp-keys=" + dir.File("zero.asc") + ", @" + dir.File("one.b64") + "," +
                          dir.File("two.gpg"),
                      "-root-token-pgp-key=" + dir.File("two.gpg")},
                     env);
  ASSERT_EQ(init.exit_code, 0) << init.out << init.err;
  auto keys = Matches(init.out, "Unseal Key [0-9]+: (\\S+)");
  auto root_b64 = Matches(init.out, "Initial Root Token: (\\S+)");
  ASSERT_EQ(keys.size(), 3u) << init.out;
  ASSERT_EQ(root_b64.size(), 1u) << init.out;

  // Share i is for key i (the file order); the other keys cannot read it.
  std::vector<std::string> shares;
  for (size_t i = 0; i < 3; ++i) {
    auto msg = Base64Decode(keys[i]);
    ASSERT_TRUE(msg) << keys[i];
    shares.push_back(Decrypt(static_cast<int>(i), *msg));
    EXPECT_TRUE(OthersCannotDecrypt(static_cast<int>(i), *msg)) << "share " << i;
  }
  std::string root = Decrypt(2, *Base64Decode(root_b64[0]));
  env["ARCA_TOKEN"] = root;
  ASSERT_EQ(RunCli({"operator", "unseal", shares[1]}, env).exit_code, 0);
  auto u = RunCli({"operator", "unseal", shares[2]}, env);
  ASSERT_EQ(u.exit_code, 0) << u.out << u.err;
  EXPECT_EQ(RunCli({"status"}, env).exit_code, 0);
  auto self = RunCli({"token", "lookup", "-format=json"}, env);
  EXPECT_EQ(self.exit_code, 0) << self.err;
  EXPECT_NE(self.out.find("\"root\""), std::string::npos) << self.out;
}

// An auto seal (static): recovery shares encrypted with -recovery-pgp-keys; the decrypted shares
// are the recovery keys (they unseal after `operator seal`, as Vault accepts them).
TEST_F(PgpInit, AutoSealRecoveryKeysViaCli) {
  TempDir dir;
  std::string seal = "seal \"static\" {\n  current_key_id = \"k1\"\n  current_key = \"" +
                     std::string(64, 'c') + "\"\n}\n";
  ServerProcess server({"-config=" + WriteConfig(dir, seal)});
  ASSERT_TRUE(server.running()) << server.Log();
  std::map<std::string, std::string> env{{"ARCA_ADDR", server.url()}};
  for (int i = 0; i < 3; ++i) {
    WriteFile(dir.File("r" + std::to_string(i) + ".asc"), home_[i].ExportPublic(fpr_[i], true));
  }
  std::string files = dir.File("r0.asc") + "," + dir.File("r1.asc") + "," + dir.File("r2.asc");

  // pgp_keys belong to the Shamir seal.
  auto wrong = RunCli({"operator", "init", "-key-shares=3", "-key-threshold=2",
                       "-pgp-keys=" + files}, env);
  EXPECT_EQ(wrong.exit_code, 2) << wrong.out;
  EXPECT_NE(wrong.err.find("not applicable to seal type static"), std::string::npos) << wrong.err;
  EXPECT_EQ(RawHttp(server.port(), "GET", "/v1/sys/init").body, "{\"initialized\":false}");

  auto init = RunCli({"operator", "init", "-recovery-shares=3", "-recovery-threshold=2",
                      "-recovery-pgp-keys=" + files, "-root-token-pgp-key=" + dir.File("r1.asc")},
                     env);
  ASSERT_EQ(init.exit_code, 0) << init.out << init.err;
  auto keys = Matches(init.out, "Recovery Key [0-9]+: (\\S+)");
  auto root_b64 = Matches(init.out, "Initial Root Token: (\\S+)");
  ASSERT_EQ(keys.size(), 3u) << init.out;
  ASSERT_EQ(root_b64.size(), 1u) << init.out;
  std::vector<std::string> shares;
  for (int i = 0; i < 3; ++i) {
    auto msg = Base64Decode(keys[i]);
    ASSERT_TRUE(msg) << keys[i];
    shares.push_back(Decrypt(i, *msg));
    EXPECT_TRUE(OthersCannotDecrypt(i, *msg)) << "recovery share " << i;
  }
  std::string root = Decrypt(1, *Base64Decode(root_b64[0]));
  env["ARCA_TOKEN"] = root;
  ASSERT_TRUE(WaitSealed(server.port(), false)) << server.LogTail();

  // Sealed by hand, the decrypted recovery shares unseal it.
  auto sealed = RunCli({"operator", "seal"}, env);
  ASSERT_EQ(sealed.exit_code, 0) << sealed.err;
  ASSERT_TRUE(WaitSealed(server.port(), true));
  ASSERT_EQ(RunCli({"operator", "unseal", shares[0]}, env).exit_code, 0);
  auto u = RunCli({"operator", "unseal", shares[2]}, env);
  ASSERT_EQ(u.exit_code, 0) << u.out << u.err;
  EXPECT_TRUE(WaitSealed(server.port(), false));
  auto self = RunCli({"token", "lookup", "-format=json"}, env);
  EXPECT_EQ(self.exit_code, 0) << self.err;
  EXPECT_NE(self.out.find("\"root\""), std::string::npos) << self.out;
}

}  // namespace
}  // namespace arca::testing
