// End to end with the real binary and file (LMDB) storage: init 5/3, rekey to 3/2 with
// verification through the CLI; the old shares no longer unseal (after a restart too), the new
// ones do; generate-root with an OTP through the CLI, decoded with -decode, is a root token;
// bad input answers 400 and changes nothing.
#include <gtest/gtest.h>
#include <signal.h>

#include <fstream>
#include <regex>
#include <thread>

#include "common/json.h"
#include "common/encoding.h"
#include "integration/harness.h"
#include "services/gnupg.h"

namespace arca::testing {
namespace {

std::string WriteConfig(const TempDir& dir) {
  std::string path = dir.File("arca.hcl");
  std::ofstream f(path);
  f << "storage \"file\" {\n  path = \"" << dir.File("data") << "\"\n}\n"
       "listener \"tcp\" {\n  address     = \"127.0.0.1:0\"\n  tls_disable = true\n}\n"
       "disable_mlock = true\nlog_level = \"warn\"\n";
  return path;
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

std::string First(const std::string& text, const std::string& pattern) {
  auto m = Matches(text, pattern);
  return m.empty() ? "" : m[0];
}

json::object Json(const HttpResult& r) {
  auto o = ParseJsonObject(r.body);
  return o ? *o : json::object{};
}

std::string ErrorOf(const HttpResult& r) {
  json::object o = Json(r);
  const json::value* e = o.if_contains("errors");
  if (!e || !e->is_array() || e->as_array().empty()) return "";
  return std::string(e->as_array()[0].as_string());
}

// Submits keys one by one (CLI) until the server unseals; true when it did.
bool Unseals(const std::map<std::string, std::string>& env, const std::vector<std::string>& keys) {
  for (const auto& k : keys) {
    auto r = RunCli({"operator", "unseal", k}, env);
    if (r.exit_code != 0) return false;
    if (std::regex_search(r.out, std::regex("Sealed\\s+false"))) return true;
  }
  return false;
}

class RekeyEndToEnd : public ::testing::Test {
 protected:
  void SetUp() override {
    cfg_ = WriteConfig(dir_);
    Start();
    auto init = RunCli({"operator", "init", "-key-shares=5", "-key-threshold=3"}, env_);
    ASSERT_EQ(init.exit_code, 0) << init.out << init.err;
    old_keys_ = Matches(init.out, "Unseal Key [0-9]+: (\\S+)");
    root_ = First(init.out, "Initial Root Token: (\\S+)");
    ASSERT_EQ(old_keys_.size(), 5u) << init.out;
    ASSERT_TRUE(Unseals(env_, old_keys_));
    auto env = env_;
    env["ARCA_TOKEN"] = root_;
    ASSERT_EQ(RunCli({"secrets", "enable", "-path=secret", "kv"}, env).exit_code, 0);
    ASSERT_EQ(RunCli({"kv", "put", "secret/kept", "v=1"}, env).exit_code, 0);
  }

  void Start() {
    server_ = std::make_unique<ServerProcess>(std::vector<std::string>{"-config=" + cfg_});
    ASSERT_TRUE(server_->running()) << server_->Log();
    env_ = {{"ARCA_ADDR", server_->url()}};
  }
  void Restart() {
    server_->Stop(SIGKILL);
    server_.reset();
    Start();
  }

  HttpResult Http(const std::string& method, const std::string& path, const std::string& body = "") {
    return RawHttp(server_->port(), method, "/v1/" + path, body);
  }

  bool SecretKept() {
    auto env = env_;
    env["ARCA_TOKEN"] = root_;
    auto r = RunCli({"kv", "get", "-field=v", "secret/kept"}, env);
    return r.exit_code == 0 && r.out == "1";
  }

  TempDir dir_;
  std::string cfg_;
  std::unique_ptr<ServerProcess> server_;
  std::map<std::string, std::string> env_;
  std::vector<std::string> old_keys_;
  std::string root_;
};

TEST_F(RekeyEndToEnd, RekeyWithVerificationThenGenerateRoot) {
  // Bad input before anything started: update without a rekey, invalid counts.
  auto none = Http("PUT", "sys/rekey/update", R"({"key":")" + old_keys_[0] + R"(","nonce":"x"})");
  EXPECT_EQ(none.status, 400);
  EXPECT_EQ(ErrorOf(none), "no barrier rekey in progress");
  auto invalid = Http("PUT", "sys/rekey/init", R"({"secret_shares":2,"secret_threshold":3})");
  EXPECT_EQ(invalid.status, 400) << invalid.body;

  auto init = RunCli({"operator", "rekey", "-init", "-key-shares=3", "-key-threshold=2", "-verify"},
                     env_);
  ASSERT_EQ(init.exit_code, 0) << init.out << init.err;
  EXPECT_NE(init.err.find("WARNING! If you lose the keys"), std::string::npos) << init.err;
  std::string nonce = First(init.out, "Nonce\\s+(\\S+)");
  ASSERT_FALSE(nonce.empty()) << init.out;

  // A rekey started twice, a wrong nonce, a duplicate share: 400s that change nothing.
  auto twice = Http("PUT", "sys/rekey/init", R"({"secret_shares":4,"secret_threshold":2})");
  EXPECT_EQ(twice.status, 400);
  EXPECT_EQ(ErrorOf(twice), "rekey already in progress");
  auto wrong = Http("PUT", "sys/rekey/update", R"({"key":")" + old_keys_[0] + R"(","nonce":"bad"})");
  EXPECT_EQ(wrong.status, 400);
  EXPECT_NE(ErrorOf(wrong).find("incorrect nonce supplied"), std::string::npos) << wrong.body;
  auto k1 = RunCli({"operator", "rekey", "-nonce=" + nonce, old_keys_[0]}, env_);
  ASSERT_EQ(k1.exit_code, 0) << k1.out << k1.err;
  EXPECT_NE(k1.out.find("1/3"), std::string::npos) << k1.out;
  auto dup = RunCli({"operator", "rekey", "-nonce=" + nonce, old_keys_[0]}, env_);
  EXPECT_EQ(dup.exit_code, 2);
  EXPECT_NE(dup.err.find("given key has already been provided"), std::string::npos) << dup.err;
  EXPECT_EQ(Json(Http("GET", "sys/rekey/init"))["progress"], 1);

  // The key from stdin, then the last one prompts nothing and completes the first phase.
  ASSERT_EQ(RunCli({"operator", "rekey", "-nonce=" + nonce, "-"}, env_, old_keys_[3]).exit_code, 0);
  auto done = RunCli({"operator", "rekey", "-nonce=" + nonce, old_keys_[4]}, env_);
  ASSERT_EQ(done.exit_code, 0) << done.out << done.err;
  auto new_keys = Matches(done.out, "Key [0-9]+: (\\S+)");
  ASSERT_EQ(new_keys.size(), 3u) << done.out;
  EXPECT_NE(done.out.find("These will not be active until after verification"), std::string::npos);
  std::string vnonce = First(done.out, "Verification Nonce\\s+(\\S+)");
  ASSERT_FALSE(vnonce.empty()) << done.out;

  // Until verified, the old shares still open the seal (after a kill -9 too) and the new do not.
  Restart();
  EXPECT_FALSE(Unseals(env_, new_keys));
  ASSERT_EQ(RunCli({"operator", "unseal", "-reset"}, env_).exit_code, 0);
  ASSERT_TRUE(Unseals(env_, old_keys_));
  // The attempt lived in memory and ended with the process: start again and verify this time.
  auto init2 = RunCli({"operator", "rekey", "-init", "-key-shares=3", "-key-threshold=2", "-verify"},
                      env_);
  ASSERT_EQ(init2.exit_code, 0) << init2.err;
  nonce = First(init2.out, "Nonce\\s+(\\S+)");
  for (int i : {1, 2}) {
    ASSERT_EQ(RunCli({"operator", "rekey", "-nonce=" + nonce, old_keys_[i]}, env_).exit_code, 0);
  }
  done = RunCli({"operator", "rekey", "-nonce=" + nonce, old_keys_[0]}, env_);
  ASSERT_EQ(done.exit_code, 0) << done.err;
  new_keys = Matches(done.out, "Key [0-9]+: (\\S+)");
  ASSERT_EQ(new_keys.size(), 3u) << done.out;
  vnonce = First(done.out, "Verification Nonce\\s+(\\S+)");
  auto v1 = RunCli({"operator", "rekey", "-verify", "-nonce=" + vnonce, new_keys[2]}, env_);
  ASSERT_EQ(v1.exit_code, 0) << v1.out << v1.err;
  EXPECT_TRUE(std::regex_search(v1.out, std::regex("Verification Progress\\s+1/2"))) << v1.out;
  auto v2 = RunCli({"operator", "rekey", "-verify", "-nonce=" + vnonce, new_keys[0]}, env_);
  ASSERT_EQ(v2.exit_code, 0) << v2.out << v2.err;
  EXPECT_NE(v2.out.find("Rekey verification successful."), std::string::npos) << v2.out;

  json::object seal = Json(Http("GET", "sys/seal-status"));
  EXPECT_EQ(seal["n"], 3);
  EXPECT_EQ(seal["t"], 2);

  // After kill -9 and restart: the old shares no longer unseal, two new ones do.
  Restart();
  EXPECT_FALSE(Unseals(env_, {old_keys_[0], old_keys_[1], old_keys_[2]}));
  ASSERT_EQ(RunCli({"operator", "unseal", "-reset"}, env_).exit_code, 0);
  ASSERT_TRUE(Unseals(env_, {new_keys[1], new_keys[2]}));
  EXPECT_TRUE(SecretKept());

  // A share from the old key set no longer authorises anything.
  auto gr_bad = Http("PUT", "sys/generate-root/attempt", "{}");
  ASSERT_EQ(gr_bad.status, 200) << gr_bad.body;
  std::string gnonce(Json(gr_bad)["nonce"].as_string());
  ASSERT_EQ(Http("PUT", "sys/generate-root/update",
                 R"({"key":")" + old_keys_[0] + R"(","nonce":")" + gnonce + R"("})").status, 200);
  auto old_share = Http("PUT", "sys/generate-root/update",
                        R"({"key":")" + old_keys_[1] + R"(","nonce":")" + gnonce + R"("})");
  EXPECT_EQ(old_share.status, 400);
  EXPECT_NE(ErrorOf(old_share).find("root generation aborted"), std::string::npos);
  ASSERT_EQ(RunCli({"operator", "generate-root", "-cancel"}, env_).exit_code, 0);

  // generate-root with an OTP through the CLI; OTP of the wrong length refused first.
  auto short_otp = RunCli({"operator", "generate-root", "-init", "-otp=abc"}, env_);
  EXPECT_EQ(short_otp.exit_code, 2);
  EXPECT_NE(short_otp.err.find("OTP string has incorrect length"), std::string::npos);
  auto otp = RunCli({"operator", "generate-root", "-generate-otp"}, env_);
  ASSERT_EQ(otp.exit_code, 0) << otp.err;
  ASSERT_EQ(otp.out.size(), 40u) << otp.out;
  auto ginit = RunCli({"operator", "generate-root", "-init", "-otp=" + otp.out}, env_);
  ASSERT_EQ(ginit.exit_code, 0) << ginit.out << ginit.err;
  gnonce = First(ginit.out, "Nonce\\s+(\\S+)");
  auto g1 = RunCli({"operator", "generate-root", "-nonce=" + gnonce, new_keys[0]}, env_);
  ASSERT_EQ(g1.exit_code, 0) << g1.err;
  EXPECT_TRUE(std::regex_search(g1.out, std::regex("Progress\\s+1/2"))) << g1.out;
  auto g2 = RunCli({"operator", "generate-root", "-nonce=" + gnonce, new_keys[2]}, env_);
  ASSERT_EQ(g2.exit_code, 0) << g2.err;
  std::string encoded = First(g2.out, "Encoded Token\\s+(\\S+)");
  ASSERT_FALSE(encoded.empty()) << g2.out;
  auto decoded = RunCli({"operator", "generate-root", "-decode=" + encoded, "-otp=" + otp.out},
                        env_);
  ASSERT_EQ(decoded.exit_code, 0) << decoded.err;
  std::string token = decoded.out;
  ASSERT_TRUE(token.starts_with("hvs.")) << token;
  EXPECT_NE(token, root_);
  // sys/decode-token agrees.
  auto api_decoded = Http("PUT", "sys/decode-token",
                          R"({"encoded_token":")" + encoded + R"(","otp":")" + otp.out + R"("})");
  ASSERT_EQ(api_decoded.status, 200) << api_decoded.body;
  EXPECT_EQ(Json(api_decoded)["data"].as_object().at("token"), json::value(token));

  // The token is root.
  auto env = env_;
  env["ARCA_TOKEN"] = token;
  auto lookup = RunCli({"token", "lookup", "-format=json"}, env);
  ASSERT_EQ(lookup.exit_code, 0) << lookup.err;
  auto info = ParseJsonObject(lookup.out);
  ASSERT_TRUE(info) << lookup.out;
  const json::object& data = info->at("data").as_object();
  EXPECT_EQ(data.at("policies").as_array().at(0), "root");
  EXPECT_EQ(data.at("ttl"), 0);
  auto secret = RunCli({"kv", "get", "-field=v", "secret/kept"}, env);
  EXPECT_EQ(secret.out, "1");
}

TEST_F(RekeyEndToEnd, CancelInTheMiddleChangesNothing) {
  auto init = RunCli({"operator", "rekey", "-init", "-key-shares=3", "-key-threshold=2"}, env_);
  ASSERT_EQ(init.exit_code, 0) << init.err;
  std::string nonce = First(init.out, "Nonce\\s+(\\S+)");
  ASSERT_EQ(RunCli({"operator", "rekey", "-nonce=" + nonce, old_keys_[0]}, env_).exit_code, 0);
  auto cancel = RunCli({"operator", "rekey", "-cancel"}, env_);
  ASSERT_EQ(cancel.exit_code, 0);
  EXPECT_EQ(cancel.out, "Success! Canceled rekeying (if it was started)\n");
  auto after = Http("PUT", "sys/rekey/update", R"({"key":")" + old_keys_[1] + R"(","nonce":")" +
                                                   nonce + R"("})");
  EXPECT_EQ(after.status, 400);
  EXPECT_EQ(ErrorOf(after), "no barrier rekey in progress");
  // No token needed for the rekey paths, but sealed answers 503.
  ASSERT_EQ(RunCli({"operator", "seal"}, {{"ARCA_ADDR", server_->url()}, {"ARCA_TOKEN", root_}})
                .exit_code,
            0);
  EXPECT_EQ(Http("GET", "sys/rekey/init").status, 503);
  EXPECT_EQ(Http("GET", "sys/generate-root/attempt").status, 503);
  ASSERT_TRUE(Unseals(env_, old_keys_));
  EXPECT_EQ(Json(Http("GET", "sys/seal-status"))["n"], 5);
  EXPECT_TRUE(SecretKept());
}

// The same with PGP keys from a throw-away GnuPG home: rekey -pgp-keys -backup through the CLI,
// the shares decrypt with gpg and unseal after a restart; generate-root -pgp-key gives a token
// that decrypts with gpg and is root.
TEST_F(RekeyEndToEnd, PgpKeysForRekeyAndGenerateRoot) {
  GnupgHome home;
  std::string files;
  for (int i = 0; i < 2; ++i) {
    std::string fpr = home.GenerateKey("Holder " + std::to_string(i) + " <h" +
                                       std::to_string(i) + "@example.invalid>");
    ASSERT_FALSE(fpr.empty()) << home.error();
    std::string path = dir_.File("holder" + std::to_string(i) + ".asc");
    std::ofstream(path) << home.ExportPublic(fpr, /*armor=*/true);
    files += (i ? "," : "") + path;
  }
  auto init = RunCli({"operator", "rekey", "-init", "-key-shares=2", "-key-threshold=2",
                      "-pgp-keys=" + files, "-backup"},
                     env_);
  ASSERT_EQ(init.exit_code, 0) << init.out << init.err;
  EXPECT_NE(init.out.find("PGP Fingerprints"), std::string::npos) << init.out;
  std::string nonce = First(init.out, "Nonce\\s+(\\S+)");
  for (int i : {0, 1}) {
    ASSERT_EQ(RunCli({"operator", "rekey", "-nonce=" + nonce, old_keys_[i]}, env_).exit_code, 0);
  }
  auto done = RunCli({"operator", "rekey", "-nonce=" + nonce, old_keys_[2]}, env_);
  ASSERT_EQ(done.exit_code, 0) << done.out << done.err;
  auto messages = Matches(done.out, "Key [0-9]+ fingerprint: \\S+; value: (\\S+)");
  ASSERT_EQ(messages.size(), 2u) << done.out;
  EXPECT_NE(done.out.find("backed up to \"core/unseal-keys-backup\""), std::string::npos);
  std::vector<std::string> shares;
  for (const auto& m : messages) {
    std::string plain;
    ASSERT_TRUE(home.Decrypt(*Base64Decode(m), &plain)) << home.error();
    shares.push_back(plain);
  }
  auto env = env_;
  env["ARCA_TOKEN"] = root_;
  auto backup = RunCli({"operator", "rekey", "-backup-retrieve", "-format=json"}, env);
  ASSERT_EQ(backup.exit_code, 0) << backup.err;
  EXPECT_NE(backup.out.find(nonce), std::string::npos) << backup.out;
  ASSERT_EQ(RunCli({"operator", "rekey", "-backup-delete"}, env).exit_code, 0);
  EXPECT_EQ(RunCli({"operator", "rekey", "-backup-retrieve"}, env).exit_code, 2);

  Restart();
  EXPECT_FALSE(Unseals(env_, {old_keys_[0], old_keys_[1], old_keys_[2]}));
  ASSERT_EQ(RunCli({"operator", "unseal", "-reset"}, env_).exit_code, 0);
  ASSERT_TRUE(Unseals(env_, shares));
  EXPECT_TRUE(SecretKept());

  auto ginit = RunCli({"operator", "generate-root", "-init",
                       "-pgp-key=" + dir_.File("holder1.asc")},
                      env_);
  ASSERT_EQ(ginit.exit_code, 0) << ginit.out << ginit.err;
  EXPECT_NE(ginit.out.find("PGP Fingerprint"), std::string::npos) << ginit.out;
  std::string gnonce = First(ginit.out, "Nonce\\s+(\\S+)");
  ASSERT_EQ(RunCli({"operator", "generate-root", "-nonce=" + gnonce, shares[0]}, env_).exit_code, 0);
  auto g2 = RunCli({"operator", "generate-root", "-nonce=" + gnonce, shares[1]}, env_);
  ASSERT_EQ(g2.exit_code, 0) << g2.err;
  std::string encoded = First(g2.out, "Encoded Token\\s+(\\S+)");
  std::string token;
  ASSERT_TRUE(home.Decrypt(*Base64Decode(encoded), &token)) << home.error();
  ASSERT_TRUE(token.starts_with("hvs.")) << token;
  env = env_;  // the restarted server's address
  env["ARCA_TOKEN"] = token;
  auto lookup = RunCli({"token", "lookup", "-format=json"}, env);
  ASSERT_EQ(lookup.exit_code, 0) << lookup.err;
  auto info = ParseJsonObject(lookup.out);
  ASSERT_TRUE(info) << lookup.out;
  EXPECT_EQ(info->at("data").as_object().at("policies").as_array().at(0), "root");
}

// With the `static` auto seal: recovery keys rekey themselves (-target=recovery, with
// verification) and authorise a barrier rekey and generate-root; a kill -9 restart unseals by
// itself with the rotated root key.
TEST(RekeyAutoSealEndToEnd, RecoveryKeysRekeyAndGenerateRoot) {
  TempDir dir;
  std::string cfg = dir.File("arca.hcl");
  std::ofstream(cfg) << "storage \"file\" {\n  path = \"" << dir.File("data") << "\"\n}\n"
                        "listener \"tcp\" {\n  address = \"127.0.0.1:0\"\n  tls_disable = true\n}\n"
                        "disable_mlock = true\nlog_level = \"warn\"\n"
                        "seal \"static\" {\n  current_key_id = \"k1\"\n  current_key = \""
                     << std::string(64, 'a') << "\"\n}\n";
  auto server = std::make_unique<ServerProcess>(std::vector<std::string>{"-config=" + cfg});
  ASSERT_TRUE(server->running()) << server->Log();
  std::map<std::string, std::string> env{{"ARCA_ADDR", server->url()}};
  auto init = RunCli({"operator", "init", "-recovery-shares=3", "-recovery-threshold=2"}, env);
  ASSERT_EQ(init.exit_code, 0) << init.out << init.err;
  auto recovery = Matches(init.out, "Recovery Key [0-9]+: (\\S+)");
  ASSERT_EQ(recovery.size(), 3u) << init.out;

  // The recovery keys: 3/2 -> 2/2 with verification.
  auto rinit = RunCli({"operator", "rekey", "-target=recovery", "-init", "-key-shares=2",
                       "-key-threshold=2", "-verify"},
                      env);
  ASSERT_EQ(rinit.exit_code, 0) << rinit.out << rinit.err;
  EXPECT_NE(rinit.err.find("returned recovery keys"), std::string::npos) << rinit.err;
  std::string nonce = First(rinit.out, "Nonce\\s+(\\S+)");
  ASSERT_EQ(RunCli({"operator", "rekey", "-target=recovery", "-nonce=" + nonce, recovery[0]}, env)
                .exit_code,
            0);
  auto rdone =
      RunCli({"operator", "rekey", "-target=recovery", "-nonce=" + nonce, recovery[2]}, env);
  ASSERT_EQ(rdone.exit_code, 0) << rdone.out << rdone.err;
  auto new_keys = Matches(rdone.out, "Key [0-9]+: (\\S+)");
  ASSERT_EQ(new_keys.size(), 2u) << rdone.out;
  EXPECT_NE(rdone.out.find("Arca has created a new recovery key"), std::string::npos);
  std::string vnonce = First(rdone.out, "Verification Nonce\\s+(\\S+)");
  for (const auto& k : new_keys) {
    auto v = RunCli({"operator", "rekey", "-target=recovery", "-verify", "-nonce=" + vnonce, k},
                    env);
    ASSERT_EQ(v.exit_code, 0) << v.out << v.err;
  }

  // The barrier's root key, authorised by the new recovery keys (no shares handed out).
  auto binit = RunCli({"operator", "rekey", "-init"}, env);
  ASSERT_EQ(binit.exit_code, 0) << binit.out << binit.err;
  EXPECT_NE(binit.out.find("Rotating barrier root key using recovery shares."), std::string::npos)
      << binit.out;
  nonce = First(binit.out, "Nonce\\s+(\\S+)");
  auto old_share = RunCli({"operator", "rekey", "-nonce=" + nonce, recovery[1]}, env);
  ASSERT_EQ(old_share.exit_code, 0);
  auto refused = RunCli({"operator", "rekey", "-nonce=" + nonce, recovery[0]}, env);
  EXPECT_EQ(refused.exit_code, 2);
  EXPECT_NE(refused.err.find("recovery key verification failed"), std::string::npos)
      << refused.err;
  for (const auto& k : new_keys) {
    auto r = RunCli({"operator", "rekey", "-nonce=" + nonce, k}, env);
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    if (&k == &new_keys.back()) {
      EXPECT_NE(r.out.find("Barrier root key rotated using recovery keys."), std::string::npos)
          << r.out;
    }
  }

  // generate-root with the new recovery keys; the token is root.
  auto ginit = RunCli({"operator", "generate-root", "-init"}, env);
  ASSERT_EQ(ginit.exit_code, 0) << ginit.out << ginit.err;
  std::string otp = First(ginit.out, "OTP\\s+(\\S+)");
  std::string gnonce = First(ginit.out, "Nonce\\s+(\\S+)");
  ASSERT_EQ(otp.size(), 40u) << ginit.out;
  CliResult g;
  for (const auto& k : new_keys) g = RunCli({"operator", "generate-root", "-nonce=" + gnonce, k}, env);
  ASSERT_EQ(g.exit_code, 0) << g.out << g.err;
  auto decoded = RunCli({"operator", "generate-root", "-decode=" +
                                                       First(g.out, "Encoded Token\\s+(\\S+)"),
                         "-otp=" + otp},
                        env);
  ASSERT_EQ(decoded.exit_code, 0) << decoded.err;

  // kill -9: the restarted server unseals by itself with the rotated root key.
  server->Stop(SIGKILL);
  server = std::make_unique<ServerProcess>(std::vector<std::string>{"-config=" + cfg});
  ASSERT_TRUE(server->running()) << server->Log();
  env["ARCA_ADDR"] = server->url();
  bool unsealed = false;
  for (auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
       !unsealed && std::chrono::steady_clock::now() < deadline;) {
    auto st = ParseJsonObject(RawHttp(server->port(), "GET", "/v1/sys/seal-status").body);
    unsealed = st && st->contains("sealed") && !st->at("sealed").as_bool();
    if (!unsealed) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_TRUE(unsealed) << server->LogTail();
  env["ARCA_TOKEN"] = decoded.out;
  auto lookup = RunCli({"token", "lookup", "-format=json"}, env);
  ASSERT_EQ(lookup.exit_code, 0) << lookup.err;
  auto info = ParseJsonObject(lookup.out);
  ASSERT_TRUE(info) << lookup.out;
  EXPECT_EQ(info->at("data").as_object().at("policies").as_array().at(0), "root");
}

}  // namespace
}  // namespace arca::testing
