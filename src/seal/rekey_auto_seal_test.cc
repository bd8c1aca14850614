// Rekey and root token generation with an auto seal (the real static seal): recovery keys
// authorise them; sys/rekey rotates the root key alone, sys/rekey-recovery-key replaces the
// recovery keys (with verification). Restarts are new Core objects over the same storage.
#include <gtest/gtest.h>

#include "common/encoding.h"
#include "core/seal/auto_seal.h"
#include "core/testing.h"
#include "seal/static_seal.h"

namespace arca::seal {
namespace {

using core::Core;
using logical::Operation;

class SharedStorage final : public storage::Backend {
 public:
  explicit SharedStorage(storage::Backend& b) : b_(b) {}
  Result<std::optional<std::string>> Get(std::string_view k) override { return b_.Get(k); }
  Status Put(std::string_view k, std::string_view v) override { return b_.Put(k, v); }
  Status Delete(std::string_view k) override { return b_.Delete(k); }
  Result<std::vector<std::string>> List(std::string_view p) override { return b_.List(p); }
  std::string_view Type() const override { return b_.Type(); }
  storage::Transactional* AsTransactional() override { return b_.AsTransactional(); }

 private:
  storage::Backend& b_;
};

class RekeyAutoSeal : public ::testing::Test {
 protected:
  std::unique_ptr<Core> NewCore() {
    core::CoreConfig cfg;
    cfg.physical = std::make_unique<SharedStorage>(*physical_);
    cfg.secret_engines["kv"] = engines::kv::NewKvBackend;
    cfg.secret_engines["cubbyhole"] = engines::cubbyhole::NewCubbyholeBackend;
    auto seal = NewStaticSeal({{"current_key_id", "k1"}, {"current_key", std::string(32, 'a')}});
    EXPECT_TRUE(seal);
    cfg.seal = std::move(*seal);
    cfg.auto_unseal_retry_initial = std::chrono::milliseconds(5);
    cfg.auto_unseal_retry_max = std::chrono::milliseconds(20);
    return std::make_unique<Core>(std::move(cfg));
  }

  void SetUp() override {
    core_ = NewCore();
    ASSERT_TRUE(core_->StartSeal());
    core::InitParams p;
    p.recovery_shares = 5;
    p.recovery_threshold = 3;
    auto init = core_->Initialize(p);
    ASSERT_TRUE(init) << init.error().message();
    recovery_ = init->recovery_keys_hex;
    root_ = init->root_token;
    ASSERT_FALSE(core_->Sealed());
    core::MountEntry kv;
    kv.path = "secret/";
    kv.type = "kv";
    ASSERT_TRUE(core_->EnableMount(kv));
    ASSERT_TRUE(Do(Operation::kUpdate, "secret/kept", {{"v", "1"}}, root_));
  }

  Result<logical::Response> Do(Operation op, std::string path, json::object data = {},
                               std::string token = "") {
    logical::Request req;
    req.operation = op;
    req.path = std::move(path);
    req.data = std::move(data);
    req.client_token = std::move(token);
    return core_->HandleRequest(req);
  }
  json::object Ok(Operation op, const std::string& path, json::object body = {}) {
    auto r = Do(op, path, std::move(body));
    EXPECT_TRUE(r) << path << ": " << (r ? "" : r.error().ToString());
    return r ? core::ParseRaw(*r) : json::object{};
  }
  std::string Refused(Operation op, const std::string& path, json::object body = {}) {
    auto r = Do(op, path, std::move(body));
    EXPECT_FALSE(r) << path << " was accepted";
    if (r) return "";
    EXPECT_EQ(r.error().http_status(), 400) << r.error().message();
    return r.error().message();
  }
  // Submits shares to `path` until complete; returns the completing answer.
  json::object Submit(const std::string& path, const std::string& nonce,
                      const std::vector<std::string>& keys) {
    json::object last;
    for (const auto& k : keys) last = Ok(Operation::kUpdate, path, {{"key", k}, {"nonce", nonce}});
    return last;
  }
  bool SecretKept() {
    auto r = Do(Operation::kRead, "secret/kept", {}, root_);
    return r && r->data["v"] == "1";
  }

  std::unique_ptr<storage::Backend> physical_ = *storage::NewInmemBackend({});
  std::unique_ptr<Core> core_;
  std::vector<std::string> recovery_;
  std::string root_;
};

TEST_F(RekeyAutoSeal, BarrierRekeyWithRecoveryKeys) {
  json::object st = Ok(Operation::kRead, "sys/rekey/init");
  EXPECT_EQ(st["required"], 3);
  // Vault's refusals for an auto seal's barrier rekey.
  EXPECT_EQ(Refused(Operation::kUpdate, "sys/rekey/init",
                    {{"secret_shares", 3}, {"secret_threshold", 2}, {"require_verification", true}}),
            "requiring verification not supported when rekeying the barrier key with recovery "
            "keys");
  st = Ok(Operation::kUpdate, "sys/rekey/init", {{"secret_shares", 3}, {"secret_threshold", 2}});
  EXPECT_EQ(st["t"], 0);
  EXPECT_EQ(st["n"], 0);
  std::string nonce(st["nonce"].as_string());
  auto before = physical_->Get(core::kSealRootKeyPath);
  json::object done = Submit("sys/rekey/update", nonce, {recovery_[0], recovery_[1], recovery_[4]});
  EXPECT_EQ(done["complete"], true);
  EXPECT_TRUE(done["keys"].as_array().empty());
  auto after = physical_->Get(core::kSealRootKeyPath);
  ASSERT_TRUE(before && *before && after && *after);
  EXPECT_NE(**before, **after);  // a new root key was wrapped
  EXPECT_TRUE(SecretKept());
  // A restart unseals by itself with the new root key; the data is intact.
  core_.reset();
  core_ = NewCore();
  ASSERT_TRUE(core_->StartSeal());
  ASSERT_TRUE(core::Eventually([&] { return !core_->Sealed(); }));
  EXPECT_TRUE(SecretKept());
}

TEST_F(RekeyAutoSeal, RecoveryRekeyWithVerification) {
  json::object st = Ok(Operation::kUpdate, "sys/rekey-recovery-key/init",
                       {{"secret_shares", 3}, {"secret_threshold", 2},
                        {"require_verification", true}});
  std::string nonce(st["nonce"].as_string());
  EXPECT_EQ(st["required"], 3);
  // Shares of the wrong kind: a wrong recovery key set fails at the threshold.
  EXPECT_EQ(Refused(Operation::kUpdate, "sys/rekey-recovery-key/update",
                    {{"key", recovery_[0]}, {"nonce", "wrong"}}),
            "incorrect nonce supplied; nonce for this rekey operation is \"" + nonce + "\"");
  json::object done =
      Submit("sys/rekey-recovery-key/update", nonce, {recovery_[2], recovery_[3], recovery_[4]});
  ASSERT_EQ(done["complete"], true);
  std::vector<std::string> new_keys;
  for (const auto& k : done["keys"].as_array()) new_keys.emplace_back(k.as_string());
  ASSERT_EQ(new_keys.size(), 3u);
  std::string vnonce(done["verification_nonce"].as_string());
  // Not active before verification: the old recovery keys still authorise generate-root.
  json::object v = Submit("sys/rekey-recovery-key/verify", vnonce, {new_keys[0], new_keys[2]});
  EXPECT_EQ(v["complete"], true);
  EXPECT_EQ(Ok(Operation::kRead, "sys/seal-status")["t"], 2);

  // generate-root: the old recovery keys are refused, the new ones work.
  json::object gr = Ok(Operation::kUpdate, "sys/generate-root/attempt");
  std::string otp(gr["otp"].as_string());
  std::string gnonce(gr["nonce"].as_string());
  EXPECT_EQ(gr["required"], 2);
  Ok(Operation::kUpdate, "sys/generate-root/update", {{"key", recovery_[0]}, {"nonce", gnonce}});
  std::string msg = Refused(Operation::kUpdate, "sys/generate-root/update",
                            {{"key", recovery_[1]}, {"nonce", gnonce}});
  EXPECT_NE(msg.find("root generation aborted: recovery key verification failed"),
            std::string::npos) << msg;
  json::object out = Submit("sys/generate-root/update", gnonce, {new_keys[1], new_keys[2]});
  ASSERT_EQ(out["complete"], true);
  auto token = core::DecodeRootToken(std::string(out["encoded_token"].as_string()), otp);
  ASSERT_TRUE(token);
  auto self = Do(Operation::kRead, "auth/token/lookup-self", {}, *token);
  ASSERT_TRUE(self) << self.error().ToString();
  EXPECT_EQ(self->data["policies"].as_array().at(0), "root");

  // After sys/seal, the new recovery keys unseal (with the seal's help); old ones do not.
  ASSERT_TRUE(core_->Seal());
  ASSERT_TRUE(core_->SubmitUnsealKey(recovery_[0]));
  auto bad = core_->SubmitUnsealKey(recovery_[1]);  // the new threshold (2) is reached
  EXPECT_FALSE(bad);
  EXPECT_TRUE(core_->Sealed());
  ASSERT_TRUE(core_->SubmitUnsealKey(new_keys[0]));
  auto ok = core_->SubmitUnsealKey(new_keys[1]);
  ASSERT_TRUE(ok) << ok.error().message();
  EXPECT_FALSE(ok->sealed);
  EXPECT_TRUE(SecretKept());
}

}  // namespace
}  // namespace arca::seal
