// Rekey (sys/rekey/*), root token generation (sys/generate-root/*) and sys/decode-token through
// HandleRequest on an in-memory core.
#include <gtest/gtest.h>

#include <atomic>

#include "common/encoding.h"
#include "core/testing.h"

namespace arca::core {
namespace {

using logical::Operation;

// In-memory storage whose atomic batches can be made to fail (a crash before the commit).
class FailingBackend : public storage::Backend, public storage::Transactional {
 public:
  FailingBackend() : inner_(*storage::NewInmemBackend({})) {}
  Result<std::optional<std::string>> Get(std::string_view k) override { return inner_->Get(k); }
  Status Put(std::string_view k, std::string_view v) override { return inner_->Put(k, v); }
  Status Delete(std::string_view k) override { return inner_->Delete(k); }
  Result<std::vector<std::string>> List(std::string_view p) override { return inner_->List(p); }
  std::string_view Type() const override { return "inmem"; }
  Transactional* AsTransactional() override { return this; }
  Status Commit(std::span<const storage::Operation> ops) override {
    for (const auto& op : ops) {
      if (op.key == "core/keyring" && fail_keyring_commit) {
        return Internal("injected failure");
      }
    }
    return inner_->AsTransactional()->Commit(ops);
  }
  std::atomic<bool> fail_keyring_commit{false};

 private:
  std::unique_ptr<storage::Backend> inner_;
};

struct RekeyFixture : ::testing::Test {
  explicit RekeyFixture(std::unique_ptr<storage::Backend> physical = nullptr)
      : t(std::move(physical)) {}

  void SetUp() override {
    auto r = t.core->Initialize({5, 3});
    ASSERT_TRUE(r) << r.error().ToString();
    old_keys = r->keys_hex;
    root = r->root_token;
    ASSERT_TRUE(t.core->UnsealWithKeys(old_keys));
    auto mount = t.Do(Operation::kUpdate, "sys/mounts/secret", {{"type", "kv"}}, root);
    ASSERT_TRUE(mount) << mount.error().ToString();
    auto put = t.Do(Operation::kUpdate, "secret/kept", {{"v", "1"}}, root);
    ASSERT_TRUE(put) << put.error().ToString();
  }

  json::object Ok(Operation op, const std::string& path, json::object body = {}) {
    auto r = t.Do(op, path, std::move(body));
    EXPECT_TRUE(r) << path << ": " << (r ? "" : r.error().ToString());
    return r ? ParseRaw(*r) : json::object{};
  }
  // The status and message of a refused request.
  std::pair<int, std::string> Refused(Operation op, const std::string& path,
                                      json::object body = {}) {
    auto r = t.Do(op, path, std::move(body));
    EXPECT_FALSE(r) << path << " was accepted";
    if (r) return {200, ""};
    return {r.error().http_status(), r.error().message()};
  }

  // Starts a rekey and returns its nonce.
  std::string Start(int shares, int threshold, bool verify) {
    json::object st = Ok(Operation::kUpdate, "sys/rekey/init",
                         {{"secret_shares", shares},
                          {"secret_threshold", threshold},
                          {"require_verification", verify}});
    return std::string(st["nonce"].as_string());
  }

  static std::vector<std::string> Keys(const json::object& o) {
    std::vector<std::string> out;
    for (const auto& k : o.at("keys").as_array()) out.emplace_back(k.as_string());
    return out;
  }

  // Seals and unseals with `keys`; true when unsealed.
  bool Reopens(const std::vector<std::string>& keys) {
    if (!t.core->Seal()) return false;
    for (const auto& k : keys) {
      auto st = t.core->SubmitUnsealKey(k);
      if (!st) return false;
      if (!st->sealed) return true;
    }
    return false;
  }

  bool SecretKept() {
    auto r = t.Do(Operation::kRead, "secret/kept", {}, root);
    return r && r->data["v"] == "1";
  }

  TestCore t;
  std::vector<std::string> old_keys;
  std::string root;
};

TEST_F(RekeyFixture, StatusBeforeStart) {
  json::object st = Ok(Operation::kRead, "sys/rekey/init");
  EXPECT_EQ(st["started"], false);
  EXPECT_EQ(st["nonce"], "");
  EXPECT_EQ(st["required"], 3);
  EXPECT_EQ(st["t"], 0);
  EXPECT_EQ(st["n"], 0);
  EXPECT_TRUE(st["pgp_fingerprints"].is_null());
  EXPECT_EQ(st["verification_required"], false);
  EXPECT_FALSE(st.contains("verification_nonce"));
}

TEST_F(RekeyFixture, RekeyWithoutVerification) {
  std::string nonce = Start(3, 2, false);
  ASSERT_FALSE(nonce.empty());
  json::object st = Ok(Operation::kRead, "sys/rekey/init");
  EXPECT_EQ(st["started"], true);
  EXPECT_EQ(st["nonce"], json::value(nonce));
  EXPECT_EQ(st["t"], 2);
  EXPECT_EQ(st["n"], 3);
  EXPECT_EQ(st["required"], 3);

  json::object done;
  for (int i = 0; i < 3; ++i) {
    done = Ok(Operation::kUpdate, "sys/rekey/update", {{"key", old_keys[i]}, {"nonce", nonce}});
    if (i < 2) {
      EXPECT_EQ(done["progress"], i + 1);
      EXPECT_FALSE(done.contains("complete"));
    }
  }
  EXPECT_EQ(done["complete"], true);
  EXPECT_EQ(done["nonce"], json::value(nonce));
  EXPECT_EQ(done["verification_required"], false);
  EXPECT_FALSE(done.contains("verification_nonce"));
  std::vector<std::string> new_keys = Keys(done);
  ASSERT_EQ(new_keys.size(), 3u);
  ASSERT_EQ(done["keys_base64"].as_array().size(), 3u);
  EXPECT_EQ(HexEncode(*Base64Decode(done["keys_base64"].as_array()[0].as_string())),
            new_keys[0]);

  // The rekey is over; seal-status shows the new counts.
  EXPECT_EQ(Ok(Operation::kRead, "sys/rekey/init")["started"], false);
  json::object seal = Ok(Operation::kRead, "sys/seal-status");
  EXPECT_EQ(seal["n"], 3);
  EXPECT_EQ(seal["t"], 2);

  // Old shares no longer unseal; two new ones do, and the data is intact.
  EXPECT_FALSE(Reopens(old_keys));
  EXPECT_TRUE(Reopens({new_keys[2], new_keys[0]}));
  EXPECT_TRUE(SecretKept());
}

TEST_F(RekeyFixture, RekeyWithVerification) {
  std::string nonce = Start(3, 2, true);
  json::object done;
  for (int i = 0; i < 3; ++i) {
    done = Ok(Operation::kUpdate, "sys/rekey/update", {{"key", old_keys[i]}, {"nonce", nonce}});
  }
  ASSERT_EQ(done["complete"], true);
  EXPECT_EQ(done["verification_required"], true);
  std::string vnonce(done["verification_nonce"].as_string());
  ASSERT_FALSE(vnonce.empty());
  std::vector<std::string> new_keys = Keys(done);

  json::object st = Ok(Operation::kRead, "sys/rekey/init");
  EXPECT_EQ(st["started"], true);
  EXPECT_EQ(st["verification_nonce"], json::value(vnonce));
  json::object vst = Ok(Operation::kRead, "sys/rekey/verify");
  EXPECT_EQ(vst["started"], true);
  EXPECT_EQ(vst["nonce"], json::value(vnonce));
  EXPECT_EQ(vst["t"], 2);
  EXPECT_EQ(vst["n"], 3);
  EXPECT_EQ(vst["progress"], 0);

  // The update path is closed now.
  auto [code, msg] = Refused(Operation::kUpdate, "sys/rekey/update",
                             {{"key", old_keys[3]}, {"nonce", nonce}});
  EXPECT_EQ(code, 400);
  EXPECT_NE(msg.find("verification must be performed"), std::string::npos) << msg;

  // Old shares to verify: refused, and a new verification nonce.
  Ok(Operation::kUpdate, "sys/rekey/verify", {{"key", old_keys[0]}, {"nonce", vnonce}});
  std::tie(code, msg) = Refused(Operation::kUpdate, "sys/rekey/verify",
                                {{"key", old_keys[1]}, {"nonce", vnonce}});
  EXPECT_EQ(code, 400);
  EXPECT_EQ(msg, "rekey verification failed; incorrect key shares supplied");
  std::string vnonce2(Ok(Operation::kRead, "sys/rekey/verify")["nonce"].as_string());
  EXPECT_NE(vnonce2, vnonce);

  // Restart gives yet another nonce; then the new shares complete the rekey.
  json::object restarted = Ok(Operation::kDelete, "sys/rekey/verify");
  std::string vnonce3(restarted["nonce"].as_string());
  EXPECT_NE(vnonce3, vnonce2);
  EXPECT_EQ(restarted["progress"], 0);
  json::object v1 = Ok(Operation::kUpdate, "sys/rekey/verify",
                       {{"key", new_keys[1]}, {"nonce", vnonce3}});
  EXPECT_EQ(v1["progress"], 1);
  std::tie(code, msg) = Refused(Operation::kUpdate, "sys/rekey/verify",
                                {{"key", new_keys[1]}, {"nonce", vnonce3}});
  EXPECT_EQ(msg, "given key has already been provided during this verify operation");
  json::object v2 = Ok(Operation::kUpdate, "sys/rekey/verify",
                       {{"key", new_keys[2]}, {"nonce", vnonce3}});
  EXPECT_EQ(v2["complete"], true);
  EXPECT_EQ(v2["nonce"], json::value(vnonce3));

  EXPECT_FALSE(Reopens(old_keys));
  EXPECT_TRUE(Reopens({new_keys[0], new_keys[1]}));
  EXPECT_TRUE(SecretKept());
}

TEST_F(RekeyFixture, NewSharesInactiveUntilVerified) {
  std::string nonce = Start(3, 2, true);
  json::object done;
  for (int i = 0; i < 3; ++i) {
    done = Ok(Operation::kUpdate, "sys/rekey/update", {{"key", old_keys[i]}, {"nonce", nonce}});
  }
  std::vector<std::string> new_keys = Keys(done);
  // Cancelled during verification: the old shares stay valid, the new ones never were.
  Ok(Operation::kDelete, "sys/rekey/init");
  EXPECT_EQ(Refused(Operation::kRead, "sys/rekey/verify").second, "no rekey configuration found");
  EXPECT_FALSE(Reopens(new_keys));
  EXPECT_TRUE(Reopens(old_keys));
  EXPECT_TRUE(SecretKept());
}

TEST_F(RekeyFixture, BadInput) {
  struct Case {
    json::object body;
    std::string message_part;
  } starts[] = {
      {{{"secret_shares", 0}, {"secret_threshold", 0}}, "secret shares must be at least one"},
      {{{"secret_shares", 3}, {"secret_threshold", 5}}, "cannot be larger than secret shares"},
      {{{"secret_shares", 3}, {"secret_threshold", 1}}, "threshold must be greater than one"},
      {{{"secret_shares", 256}, {"secret_threshold", 3}}, "at most 255"},
      {{{"secret_shares", 3}, {"secret_threshold", 2}, {"backup", true}},
       "cannot request a backup of the new keys without providing PGP keys"},
      {{{"secret_shares", 3}, {"secret_threshold", 2}, {"pgp_keys", json::array{"a", "b"}}},
       "incorrect number of PGP keys for rekey"},
  };
  for (auto& c : starts) {
    auto [code, msg] = Refused(Operation::kUpdate, "sys/rekey/init", c.body);
    EXPECT_EQ(code, 400) << json::serialize(c.body);
    EXPECT_NE(msg.find(c.message_part), std::string::npos) << msg;
    EXPECT_EQ(Ok(Operation::kRead, "sys/rekey/init")["started"], false);
  }

  // Update without a rekey.
  auto [code, msg] = Refused(Operation::kUpdate, "sys/rekey/update",
                             {{"key", old_keys[0]}, {"nonce", "x"}});
  EXPECT_EQ(code, 400);
  EXPECT_EQ(msg, "no barrier rekey in progress");
  std::tie(code, msg) = Refused(Operation::kUpdate, "sys/rekey/verify",
                                {{"key", old_keys[0]}, {"nonce", "x"}});
  EXPECT_EQ(msg, "no rekey in progress");

  std::string nonce = Start(3, 2, false);
  // Started twice.
  std::tie(code, msg) = Refused(Operation::kUpdate, "sys/rekey/init",
                                {{"secret_shares", 4}, {"secret_threshold", 2}});
  EXPECT_EQ(code, 400);
  EXPECT_EQ(msg, "rekey already in progress");
  EXPECT_EQ(Ok(Operation::kRead, "sys/rekey/init")["n"], 3);
  // Wrong nonce, missing key, malformed key, duplicate share.
  std::tie(code, msg) = Refused(Operation::kUpdate, "sys/rekey/update",
                                {{"key", old_keys[0]}, {"nonce", "wrong"}});
  EXPECT_EQ(msg, "incorrect nonce supplied; nonce for this rekey operation is \"" + nonce + "\"");
  std::tie(code, msg) = Refused(Operation::kUpdate, "sys/rekey/update", {{"nonce", nonce}});
  EXPECT_EQ(msg, "'key' must be specified in request body as JSON");
  std::tie(code, msg) = Refused(Operation::kUpdate, "sys/rekey/update",
                                {{"key", "not a key!"}, {"nonce", nonce}});
  EXPECT_EQ(msg, "'key' must be a valid hex or base64 string");
  std::tie(code, msg) = Refused(Operation::kUpdate, "sys/rekey/update",
                                {{"key", "abcd"}, {"nonce", nonce}});
  EXPECT_EQ(msg, "key is shorter than minimum 16 bytes");
  EXPECT_EQ(Ok(Operation::kRead, "sys/rekey/init")["progress"], 0);
  Ok(Operation::kUpdate, "sys/rekey/update", {{"key", old_keys[0]}, {"nonce", nonce}});
  std::tie(code, msg) = Refused(Operation::kUpdate, "sys/rekey/update",
                                {{"key", old_keys[0]}, {"nonce", nonce}});
  EXPECT_EQ(code, 400);
  EXPECT_EQ(msg, "given key has already been provided during this rekey operation");
  EXPECT_EQ(Ok(Operation::kRead, "sys/rekey/init")["progress"], 1);
  // Verify paths before verification.
  std::tie(code, msg) = Refused(Operation::kUpdate, "sys/rekey/verify",
                                {{"key", old_keys[1]}, {"nonce", ""}});
  EXPECT_EQ(msg, "no rekey verification in progress");
  EXPECT_EQ(Ok(Operation::kRead, "sys/rekey/verify")["started"], false);

  // Cancel in the middle: progress is gone, the nonce is dead, the old keys still work.
  Ok(Operation::kDelete, "sys/rekey/init");
  std::tie(code, msg) = Refused(Operation::kUpdate, "sys/rekey/update",
                                {{"key", old_keys[1]}, {"nonce", nonce}});
  EXPECT_EQ(msg, "no barrier rekey in progress");
  EXPECT_TRUE(Reopens(old_keys));
  EXPECT_EQ(Ok(Operation::kRead, "sys/seal-status")["n"], 5);

  // The backup paths need a token; no backups exist without PGP keys.
  EXPECT_EQ(Refused(Operation::kRead, "sys/rekey/backup").first, 403);
  auto backup = t.Do(Operation::kRead, "sys/rekey/backup", {}, root);
  ASSERT_FALSE(backup);
  EXPECT_EQ(backup.error().http_status(), 400);
  EXPECT_EQ(backup.error().message(), "no backed-up keys found");
  EXPECT_TRUE(t.Do(Operation::kDelete, "sys/rekey/backup", {}, root));
}

TEST_F(RekeyFixture, RecoveryRekeyNeedsAnAutoSeal) {
  for (auto op : {Operation::kRead, Operation::kUpdate, Operation::kDelete}) {
    auto [code, msg] = Refused(op, "sys/rekey-recovery-key/init",
                               {{"secret_shares", 3}, {"secret_threshold", 2}});
    EXPECT_EQ(code, 400);
    EXPECT_EQ(msg, "recovery rekeying not supported");
  }
}

TEST_F(RekeyFixture, UnsupportedMethodsAndBackupPaths) {
  struct Case {
    Operation op;
    const char* path;
  } cases[] = {
      {Operation::kRead, "sys/rekey/update"},       {Operation::kDelete, "sys/rekey/update"},
      {Operation::kRead, "sys/generate-root/update"}, {Operation::kRead, "sys/decode-token"},
      {Operation::kUpdate, "sys/rekey/backup"},     {Operation::kList, "sys/rekey/init"},
  };
  for (const auto& c : cases) {
    auto r = t.Do(c.op, c.path, {}, root);
    ASSERT_FALSE(r) << c.path;
    EXPECT_EQ(r.error().http_status(), 405) << c.path << ": " << r.error().message();
  }
  auto backup = t.Do(Operation::kRead, "sys/rekey/recovery-key-backup", {}, root);
  ASSERT_FALSE(backup);
  EXPECT_EQ(backup.error().http_status(), 400);
  EXPECT_EQ(backup.error().message(), "no backed-up keys found");
  EXPECT_EQ(t.Do(Operation::kDelete, "sys/rekey/recovery-key-backup").error().http_status(), 403);
}

TEST_F(RekeyFixture, OldSharesRefusedAfterRekey) {
  std::string nonce = Start(3, 2, false);
  json::object done;
  for (int i = 0; i < 3; ++i) {
    done = Ok(Operation::kUpdate, "sys/rekey/update", {{"key", old_keys[i]}, {"nonce", nonce}});
  }
  std::vector<std::string> new_keys = Keys(done);
  // A second rekey authorised with the old shares fails at the threshold; nothing changes.
  nonce = Start(2, 2, false);
  Ok(Operation::kUpdate, "sys/rekey/update", {{"key", old_keys[0]}, {"nonce", nonce}});
  auto [code, msg] = Refused(Operation::kUpdate, "sys/rekey/update",
                             {{"key", old_keys[1]}, {"nonce", nonce}});
  EXPECT_EQ(code, 400);
  EXPECT_NE(msg.find("root key verification failed"), std::string::npos) << msg;
  EXPECT_EQ(Ok(Operation::kRead, "sys/rekey/init")["progress"], 0);
  EXPECT_EQ(Ok(Operation::kRead, "sys/seal-status")["n"], 3);
  EXPECT_TRUE(Reopens({new_keys[0], new_keys[1]}));
  // Old shares are refused by generate-root as well.
  json::object gr = Ok(Operation::kUpdate, "sys/generate-root/attempt");
  std::string gnonce(gr["nonce"].as_string());
  Ok(Operation::kUpdate, "sys/generate-root/update", {{"key", old_keys[0]}, {"nonce", gnonce}});
  std::tie(code, msg) = Refused(Operation::kUpdate, "sys/generate-root/update",
                                {{"key", old_keys[1]}, {"nonce", gnonce}});
  EXPECT_EQ(code, 400);
  EXPECT_NE(msg.find("root generation aborted"), std::string::npos) << msg;
}

TEST_F(RekeyFixture, SealedAnswers503) {
  ASSERT_TRUE(t.core->Seal());
  for (const char* path : {"sys/rekey/init", "sys/rekey/verify", "sys/generate-root/attempt"}) {
    auto [code, msg] = Refused(Operation::kRead, path);
    EXPECT_EQ(code, 503) << path;
  }
  auto [code, msg] = Refused(Operation::kUpdate, "sys/rekey/update",
                             {{"key", old_keys[0]}, {"nonce", "x"}});
  EXPECT_EQ(code, 503);
}

TEST_F(RekeyFixture, SealDiscardsAttempts) {
  Start(3, 2, false);
  Ok(Operation::kUpdate, "sys/generate-root/attempt");
  ASSERT_TRUE(Reopens(old_keys));
  EXPECT_EQ(Ok(Operation::kRead, "sys/rekey/init")["started"], false);
  EXPECT_EQ(Ok(Operation::kRead, "sys/generate-root/attempt")["started"], false);
}

struct RekeyCrashFixture : RekeyFixture {
  RekeyCrashFixture() : RekeyFixture(MakeBackend()) {}
  static std::unique_ptr<storage::Backend> MakeBackend() {
    auto b = std::make_unique<FailingBackend>();
    backend = b.get();
    return b;
  }
  static inline FailingBackend* backend = nullptr;
};

TEST_F(RekeyCrashFixture, FailedCommitChangesNothing) {
  std::string nonce = Start(3, 2, false);
  backend->fail_keyring_commit = true;
  Ok(Operation::kUpdate, "sys/rekey/update", {{"key", old_keys[0]}, {"nonce", nonce}});
  Ok(Operation::kUpdate, "sys/rekey/update", {{"key", old_keys[1]}, {"nonce", nonce}});
  auto r = t.Do(Operation::kUpdate, "sys/rekey/update", {{"key", old_keys[2]}, {"nonce", nonce}});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().http_status(), 500);
  backend->fail_keyring_commit = false;
  // Still serving with the old keyring; the old shares still unseal after a restart.
  EXPECT_TRUE(SecretKept());
  EXPECT_EQ(Ok(Operation::kRead, "sys/seal-status")["n"], 5);
  EXPECT_TRUE(Reopens(old_keys));
  EXPECT_TRUE(SecretKept());
}

TEST_F(RekeyFixture, GenerateRootWithOtp) {
  const std::string otp = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmn";
  ASSERT_EQ(otp.size(), 40u);
  json::object st = Ok(Operation::kRead, "sys/generate-root/attempt");
  EXPECT_EQ(st["started"], false);
  EXPECT_EQ(st["otp_length"], 40);
  EXPECT_EQ(st["required"], 3);

  st = Ok(Operation::kUpdate, "sys/generate-root/attempt", {{"otp", otp}});
  EXPECT_EQ(st["started"], true);
  EXPECT_EQ(st["otp"], "");  // a given OTP is not echoed
  std::string nonce(st["nonce"].as_string());
  ASSERT_FALSE(nonce.empty());

  json::object done;
  for (int i = 0; i < 3; ++i) {
    done = Ok(Operation::kUpdate, "sys/generate-root/update",
              {{"key", old_keys[i]}, {"nonce", nonce}});
    EXPECT_EQ(done["progress"], i + 1);
    EXPECT_EQ(done["complete"], i == 2);
  }
  std::string encoded(done["encoded_token"].as_string());
  EXPECT_EQ(done["encoded_root_token"], json::value(encoded));
  EXPECT_EQ(encoded.find('='), std::string::npos);  // base64 without padding
  auto raw = Base64Decode(encoded);
  ASSERT_TRUE(raw);
  std::string token(raw->size(), '\0');
  for (size_t i = 0; i < raw->size(); ++i) token[i] = static_cast<char>((*raw)[i] ^ otp[i]);
  EXPECT_TRUE(token.starts_with("hvs.")) << token;
  EXPECT_NE(token, root);

  auto self = t.Do(Operation::kRead, "auth/token/lookup-self", {}, token);
  ASSERT_TRUE(self) << self.error().ToString();
  EXPECT_EQ(self->data["policies"].as_array().at(0), "root");
  EXPECT_EQ(self->data["ttl"], 0);

  // sys/decode-token gives the same token, without authentication.
  auto decoded = t.Do(Operation::kUpdate, "sys/decode-token",
                      {{"encoded_token", encoded}, {"otp", otp}});
  ASSERT_TRUE(decoded) << decoded.error().ToString();
  EXPECT_EQ(decoded->data["token"], json::value(token));
  EXPECT_EQ(Ok(Operation::kRead, "sys/generate-root/attempt")["started"], false);
}

TEST_F(RekeyFixture, GenerateRootGeneratedOtp) {
  json::object st = Ok(Operation::kUpdate, "sys/generate-root/attempt");
  std::string otp(st["otp"].as_string());
  ASSERT_EQ(otp.size(), 40u);
  for (char c : otp) EXPECT_TRUE(std::isalnum(static_cast<unsigned char>(c))) << otp;
  EXPECT_EQ(Ok(Operation::kRead, "sys/generate-root/attempt")["otp"], "");
  std::string nonce(st["nonce"].as_string());
  json::object done;
  for (int i = 2; i < 5; ++i) {
    done = Ok(Operation::kUpdate, "sys/generate-root/update",
              {{"key", old_keys[i]}, {"nonce", nonce}});
  }
  ASSERT_EQ(done["complete"], true);
  auto decoded = t.Do(Operation::kUpdate, "sys/decode-token",
                      {{"encoded_token", done["encoded_token"]}, {"otp", otp}});
  ASSERT_TRUE(decoded) << decoded.error().ToString();
  auto self = t.Do(Operation::kRead, "auth/token/lookup-self", {},
                   std::string(decoded->data["token"].as_string()));
  ASSERT_TRUE(self) << self.error().ToString();
  EXPECT_EQ(self->data["policies"].as_array().at(0), "root");
}

TEST_F(RekeyFixture, GenerateRootBadInput) {
  const std::string otp(40, 'a');
  auto [code, msg] = Refused(Operation::kUpdate, "sys/generate-root/attempt", {{"otp", "short"}});
  EXPECT_EQ(code, 400);
  EXPECT_NE(msg.find("OTP string has incorrect length"), std::string::npos) << msg;
  std::tie(code, msg) = Refused(Operation::kUpdate, "sys/generate-root/attempt",
                                {{"otp", otp}, {"pgp_key", "mQENBF"}});
  EXPECT_EQ(code, 400);
  EXPECT_EQ(msg, "only one of otp or pgp_key may be given");
  EXPECT_EQ(Ok(Operation::kRead, "sys/generate-root/attempt")["started"], false);
  std::tie(code, msg) = Refused(Operation::kUpdate, "sys/generate-root/update",
                                {{"key", old_keys[0]}, {"nonce", "x"}});
  EXPECT_EQ(msg, "no root generation in progress");

  std::string nonce(
      Ok(Operation::kUpdate, "sys/generate-root/attempt", {{"otp", otp}})["nonce"].as_string());
  std::tie(code, msg) = Refused(Operation::kUpdate, "sys/generate-root/attempt", {{"otp", otp}});
  EXPECT_EQ(msg, "root generation already in progress");
  std::tie(code, msg) = Refused(Operation::kUpdate, "sys/generate-root/update",
                                {{"key", old_keys[0]}, {"nonce", "wrong"}});
  EXPECT_EQ(code, 400);
  EXPECT_EQ(msg, "incorrect nonce supplied; nonce for this root generation operation is \"" +
                     nonce + "\"");
  Ok(Operation::kUpdate, "sys/generate-root/update", {{"key", old_keys[0]}, {"nonce", nonce}});
  std::tie(code, msg) = Refused(Operation::kUpdate, "sys/generate-root/update",
                                {{"key", old_keys[0]}, {"nonce", nonce}});
  EXPECT_EQ(msg, "given key has already been provided during this generation operation");
  EXPECT_EQ(Ok(Operation::kRead, "sys/generate-root/attempt")["progress"], 1);
  // Cancel: the attempt and its progress are gone.
  Ok(Operation::kDelete, "sys/generate-root/attempt");
  std::tie(code, msg) = Refused(Operation::kUpdate, "sys/generate-root/update",
                                {{"key", old_keys[1]}, {"nonce", nonce}});
  EXPECT_EQ(msg, "no root generation in progress");

  // decode-token input.
  std::tie(code, msg) = Refused(Operation::kUpdate, "sys/decode-token", {{"otp", otp}});
  EXPECT_EQ(code, 400);
  EXPECT_EQ(msg, "provided 'encoded_token' or 'otp' is empty");
  std::tie(code, msg) = Refused(Operation::kUpdate, "sys/decode-token",
                                {{"encoded_token", "!!"}, {"otp", otp}});
  EXPECT_EQ(code, 400);
  std::tie(code, msg) = Refused(Operation::kUpdate, "sys/decode-token",
                                {{"encoded_token", "QUJD"}, {"otp", otp}});
  EXPECT_EQ(code, 400);
  EXPECT_NE(msg.find("length"), std::string::npos) << msg;
}

TEST(DecodeRootToken, KnownAnswer) {
  // token XOR otp, base64 without padding (Vault's roottoken.EncodeToken); padded input too.
  const std::string token = "hvs.ABC";
  const std::string otp = "0123456";
  std::string x(token.size(), '\0');
  for (size_t i = 0; i < x.size(); ++i) x[i] = static_cast<char>(token[i] ^ otp[i]);
  EXPECT_EQ(Base64Encode(x), "WEdBHXV3dQ==");
  EXPECT_EQ(*DecodeRootToken("WEdBHXV3dQ", otp), token);
  EXPECT_EQ(*DecodeRootToken("WEdBHXV3dQ==", otp), token);
  EXPECT_FALSE(DecodeRootToken("WEdBHXV3dQ", "012345"));
}

}  // namespace
}  // namespace arca::core
