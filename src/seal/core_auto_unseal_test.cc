// The core with an auto seal (the real static seal): init with recovery keys, unseal by itself
// at start (retrying while the key service is unavailable), recovery key checks for rekey and
// generate-root, and seal migration. Restarts are new Core objects over the same storage.
#include <gtest/gtest.h>

#include "core/seal/auto_seal.h"
#include "core/testing.h"
#include "crypto/random.h"
#include "seal/static_seal.h"

namespace arca::seal {
namespace {

using core::Core;
using core::CoreConfig;

// Storage that outlives a Core: forwards to a shared in-memory backend (with its transactions).
// Its batches can be made to fail as a crash in the middle of the write would (nothing of the
// batch applied), or hidden (a backend without transactions).
struct StorageKnobs {
  std::atomic<bool> fail_commits{false};
  std::atomic<bool> no_transactions{false};
  std::atomic<int> commits{0};
};

class SharedStorage final : public storage::Backend, public storage::Transactional {
 public:
  SharedStorage(storage::Backend& b, StorageKnobs& knobs) : b_(b), knobs_(knobs) {}
  Result<std::optional<std::string>> Get(std::string_view k) override { return b_.Get(k); }
  Status Put(std::string_view k, std::string_view v) override { return b_.Put(k, v); }
  Status Delete(std::string_view k) override { return b_.Delete(k); }
  Result<std::vector<std::string>> List(std::string_view p) override { return b_.List(p); }
  std::string_view Type() const override { return b_.Type(); }
  storage::Transactional* AsTransactional() override {
    return knobs_.no_transactions || b_.AsTransactional() == nullptr ? nullptr : this;
  }
  Status Commit(std::span<const storage::Operation> ops) override {
    ++knobs_.commits;
    if (knobs_.fail_commits) return Internal("storage: injected crash before the commit");
    return b_.AsTransactional()->Commit(ops);
  }

 private:
  storage::Backend& b_;
  StorageKnobs& knobs_;
};

// A static seal whose key service can be switched off (Init/Unwrap/Health answer kUnavailable),
// as a transit server or an HSM that is down.
class SwitchableSeal final : public core::SealAccess {
 public:
  SwitchableSeal(std::unique_ptr<core::SealAccess> inner, std::shared_ptr<std::atomic<bool>> up)
      : inner_(std::move(inner)), up_(std::move(up)) {}
  std::string_view Type() const override { return inner_->Type(); }
  Status Init() override {
    if (!*up_) return Unavailable("key service unreachable");
    return inner_->Init();
  }
  Result<std::string> Wrap(std::string_view p, std::string_view aad) override {
    if (!*up_) return Unavailable("key service unreachable");
    return inner_->Wrap(p, aad);
  }
  Result<SecureBytes> Unwrap(std::string_view b, std::string_view aad) override {
    if (!*up_) return Unavailable("key service unreachable");
    return inner_->Unwrap(b, aad);
  }
  std::string KeyId() const override { return inner_->KeyId(); }
  Status Health() override {
    if (!*up_) return Unavailable("key service unreachable");
    return OkStatus();
  }

 private:
  std::unique_ptr<core::SealAccess> inner_;
  std::shared_ptr<std::atomic<bool>> up_;
};

std::unique_ptr<core::SealAccess> Static(const std::string& id, char fill) {
  auto s = NewStaticSeal({{"current_key_id", id}, {"current_key", std::string(32, fill)}});
  EXPECT_TRUE(s);
  return std::move(*s);
}

class AutoUnsealCore : public ::testing::Test {
 protected:
  std::unique_ptr<Core> NewCore(std::unique_ptr<core::SealAccess> seal,
                                std::unique_ptr<core::SealAccess> migration_seal = nullptr) {
    CoreConfig cfg;
    cfg.physical = std::make_unique<SharedStorage>(*physical_, knobs_);
    cfg.secret_engines["kv"] = engines::kv::NewKvBackend;
    cfg.secret_engines["cubbyhole"] = engines::cubbyhole::NewCubbyholeBackend;
    cfg.seal = std::move(seal);
    cfg.migration_seal = std::move(migration_seal);
    cfg.auto_unseal_retry_initial = std::chrono::milliseconds(5);
    cfg.auto_unseal_retry_max = std::chrono::milliseconds(20);
    return std::make_unique<Core>(std::move(cfg));
  }

  static Result<logical::Response> Do(Core& c, logical::Operation op, std::string path,
                                      json::object data, std::string token) {
    logical::Request req;
    req.operation = op;
    req.path = std::move(path);
    req.data = std::move(data);
    req.client_token = std::move(token);
    return c.HandleRequest(req);
  }
  static void Write(Core& c, const std::string& token, const std::string& key, const std::string& v) {
    ASSERT_TRUE(Do(c, logical::Operation::kUpdate, "secret/" + key, {{"value", v}}, token));
  }
  static std::string Read(Core& c, const std::string& token, const std::string& key) {
    auto r = Do(c, logical::Operation::kRead, "secret/" + key, {}, token);
    if (!r) return "<" + r.error().message() + ">";
    return StringOr(r->data, "value");
  }
  static void MountKv(Core& c) {
    core::MountEntry kv;
    kv.path = "secret/";
    kv.type = "kv";
    ASSERT_TRUE(c.EnableMount(kv));
  }
  static std::vector<SecureBytes> Decode(const std::vector<std::string>& hex) {
    std::vector<SecureBytes> out;
    for (const auto& h : hex) out.push_back(*core::DecodeUnsealKey(h));
    return out;
  }

  std::unique_ptr<storage::Backend> physical_ = *storage::NewInmemBackend({});
  StorageKnobs knobs_;
};

TEST_F(AutoUnsealCore, InitReturnsRecoveryKeysAndUnsealsRestartUnsealsItself) {
  std::string root;
  std::vector<std::string> recovery;
  {
    auto c = NewCore(Static("k1", 'a'));
    ASSERT_TRUE(c->StartSeal());
    EXPECT_TRUE(c->RecoveryKeysSupported());
    core::InitParams p;
    p.recovery_shares = 5;
    p.recovery_threshold = 3;
    auto init = c->Initialize(p);
    ASSERT_TRUE(init) << init.error().message();
    EXPECT_TRUE(init->keys_hex.empty());
    ASSERT_EQ(init->recovery_keys_hex.size(), 5u);
    EXPECT_FALSE(c->Sealed());  // unsealed through the seal right after init
    auto st = c->GetSealStatus();
    ASSERT_TRUE(st);
    EXPECT_EQ(st->type, "static");
    EXPECT_TRUE(st->recovery_seal);
    EXPECT_EQ(st->threshold, 3);
    EXPECT_EQ(st->shares, 5);
    root = init->root_token;
    recovery = init->recovery_keys_hex;
    MountKv(*c);
    Write(*c, root, "a", "1");
    // Stored: the root key is wrapped by the seal, never in clear.
    auto blob = physical_->Get(core::kSealRootKeyPath);
    ASSERT_TRUE(blob && *blob);
    EXPECT_FALSE(physical_->Get(core::kShamirRootKeyPath)->has_value());
  }
  auto c = NewCore(Static("k1", 'a'));
  EXPECT_TRUE(c->Sealed());
  ASSERT_TRUE(c->StartSeal());
  ASSERT_TRUE(core::Eventually([&] { return !c->Sealed(); }));
  EXPECT_EQ(Read(*c, root, "a"), "1");
  // sys/seal: stays sealed; recovery keys unseal (the seal opens the root key).
  ASSERT_TRUE(c->Seal());
  EXPECT_TRUE(c->Sealed());
  for (int i : {0, 2}) ASSERT_TRUE(c->SubmitUnsealKey(recovery[i]));
  EXPECT_TRUE(c->Sealed());
  auto st = c->SubmitUnsealKey(recovery[4]);
  ASSERT_TRUE(st) << st.error().message();
  EXPECT_FALSE(st->sealed);
  EXPECT_EQ(Read(*c, root, "a"), "1");
}

TEST_F(AutoUnsealCore, BadInitParametersChangeNothing) {
  auto c = NewCore(Static("k1", 'a'));
  struct Case {
    int shares, threshold;
    std::string want;
  } cases[] = {
      {2, 3, "threshold cannot be larger than shares"},
      {3, 1, "threshold must be greater than one for multiple shares"},
      {256, 3, "shares must be less than 256"},
      {-1, 0, "shares and threshold must not be negative"},
  };
  for (const auto& tc : cases) {
    core::InitParams p;
    p.recovery_shares = tc.shares;
    p.recovery_threshold = tc.threshold;
    auto r = c->Initialize(p);
    ASSERT_FALSE(r) << tc.want;
    EXPECT_EQ(r.error().kind(), ErrorKind::kInvalidRequest);
    EXPECT_NE(r.error().message().find("invalid recovery configuration: " + tc.want),
              std::string::npos) << r.error().message();
    EXPECT_FALSE(*c->Initialized());
  }
  // No recovery keys at all is allowed: unsealed by the seal only.
  auto r = c->Initialize({});
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->recovery_keys_hex.empty());
  EXPECT_FALSE(c->Sealed());
  ASSERT_TRUE(c->Seal());
  auto u = c->SubmitUnsealKey(std::string(64, 'a'));
  ASSERT_FALSE(u);
  EXPECT_NE(u.error().message().find("no recovery keys"), std::string::npos);
}

TEST_F(AutoUnsealCore, RecoveryKeyChecksAndRekeyForOtherHelpers) {
  auto c = NewCore(Static("k1", 'a'));
  core::InitParams p;
  p.recovery_shares = 5;
  p.recovery_threshold = 3;
  auto init = c->Initialize(p);
  ASSERT_TRUE(init);
  auto shares = Decode(init->recovery_keys_hex);
  std::vector<SecureBytes> three;
  for (int i : {0, 1, 3}) three.push_back(shares[i].Clone());
  EXPECT_TRUE(c->VerifyKeyShares(three));
  EXPECT_TRUE(c->VerifyRecoveryShares(three));
  std::vector<SecureBytes> wrong;
  for (int i : {0, 1, 3}) wrong.push_back(shares[i].Clone());
  wrong[2][5] ^= 0x01;
  auto bad = c->VerifyRecoveryShares(wrong);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().kind(), ErrorKind::kInvalidRequest);
  EXPECT_NE(bad.error().message().find("failed to verify recovery key"), std::string::npos);
  std::vector<SecureBytes> two;
  for (int i : {0, 1}) two.push_back(shares[i].Clone());
  EXPECT_FALSE(c->VerifyKeyShares(two));

  // Rekey of the recovery keys: a new key and config; the old shares stop working.
  SecureBytes fresh = crypto::RandomKey(32);
  core::SealConfig cfg;
  cfg.secret_shares = 3;
  cfg.secret_threshold = 2;
  ASSERT_TRUE(c->StoreRecoveryKey(fresh, cfg));
  auto rc = c->RecoveryConfig();
  ASSERT_TRUE(rc);
  EXPECT_EQ(rc->secret_shares, 3);
  EXPECT_EQ(rc->secret_threshold, 2);
  auto split = core::SplitKey(fresh, 3, 2);
  ASSERT_TRUE(split);
  std::vector<SecureBytes> new_two;
  for (int i : {2, 0}) new_two.push_back((*split)[i].Clone());
  EXPECT_TRUE(c->VerifyRecoveryShares(new_two));
  EXPECT_FALSE(c->VerifyRecoveryShares(three));
  // Bad counts: refused, nothing changed.
  core::SealConfig bad_cfg;
  bad_cfg.secret_shares = 2;
  bad_cfg.secret_threshold = 3;
  EXPECT_FALSE(c->StoreRecoveryKey(crypto::RandomKey(32), bad_cfg));
  EXPECT_TRUE(c->VerifyRecoveryShares(new_two));

  // A Shamir core has no recovery keys.
  core::TestCore shamir;
  shamir.InitAndUnseal();
  EXPECT_FALSE(shamir.core->RecoveryKeysSupported());
  EXPECT_FALSE(shamir.core->VerifyRecoveryShares(new_two));
  EXPECT_FALSE(shamir.core->StoreRecoveryKey(fresh, cfg));
  EXPECT_TRUE(shamir.core->VerifyKeyShares(Decode({shamir.keys[0], shamir.keys[2]})));
}

TEST_F(AutoUnsealCore, UnavailableSealIsRetriedUntilItReturns) {
  {
    auto c = NewCore(Static("k1", 'a'));
    ASSERT_TRUE(c->Initialize({}));
  }
  auto up = std::make_shared<std::atomic<bool>>(false);
  auto c = NewCore(std::make_unique<SwitchableSeal>(Static("k1", 'a'), up));
  ASSERT_TRUE(c->StartSeal());
  auto health = c->CheckSealHealth();
  EXPECT_FALSE(health.healthy);
  EXPECT_TRUE(health.unhealthy_since.has_value());
  EXPECT_TRUE(c->Sealed());
  auto direct = c->UnsealWithSeal();
  ASSERT_FALSE(direct);
  EXPECT_EQ(direct.error().kind(), ErrorKind::kUnavailable);
  *up = true;
  ASSERT_TRUE(core::Eventually([&] { return !c->Sealed(); }));
  EXPECT_TRUE(c->CheckSealHealth().healthy);
}

TEST_F(AutoUnsealCore, WrongSealKeyStaysSealed) {
  {
    auto c = NewCore(Static("k1", 'a'));
    ASSERT_TRUE(c->Initialize({}));
  }
  auto c = NewCore(Static("k1", 'b'));
  ASSERT_TRUE(c->StartSeal());
  auto s = c->UnsealWithSeal();
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().kind(), ErrorKind::kInvalidRequest);
  EXPECT_NE(s.error().message().find("cannot decrypt with key id \"k1\""), std::string::npos);
  EXPECT_TRUE(c->Sealed());
}

TEST_F(AutoUnsealCore, MigrationShamirToAutoToAutoToShamir) {
  std::string root;
  std::vector<std::string> keys;
  {
    auto c = NewCore(nullptr);
    ASSERT_TRUE(c->StartSeal());
    auto init = c->Initialize({3, 2});
    ASSERT_TRUE(init);
    keys = init->keys_hex;
    root = init->root_token;
    ASSERT_TRUE(c->UnsealWithKeys(keys));
    MountKv(*c);
    Write(*c, root, "x", "shamir-era");
  }
  {  // Shamir -> static "a"
    auto c = NewCore(Static("a", 'a'));
    ASSERT_TRUE(c->StartSeal());
    auto st = c->GetSealStatus();
    ASSERT_TRUE(st);
    EXPECT_TRUE(st->migration);
    EXPECT_EQ(st->type, "static");
    EXPECT_EQ(st->shares, 3);
    EXPECT_FALSE(c->UnsealWithSeal());  // no auto-unseal while migrating
    auto no_flag = c->SubmitUnsealKey(keys[0]);
    ASSERT_FALSE(no_flag);
    EXPECT_NE(no_flag.error().message().find("migrate option not provided"), std::string::npos);
    ASSERT_TRUE(c->SubmitUnsealKey(keys[0], true));
    auto done = c->SubmitUnsealKey(keys[2], true);
    ASSERT_TRUE(done) << done.error().message();
    EXPECT_FALSE(done->sealed);
    EXPECT_FALSE(done->migration);
    EXPECT_EQ(Read(*c, root, "x"), "shamir-era");
    Write(*c, root, "y", "static-a");
    EXPECT_FALSE(physical_->Get(core::kShamirRootKeyPath)->has_value());
  }
  {  // static "a" -> static "b": both stanzas, the old one disabled; the recovery keys are the
     // old unseal keys.
    auto c = NewCore(Static("b", 'b'), Static("a", 'a'));
    ASSERT_TRUE(c->StartSeal());
    EXPECT_TRUE(c->GetSealStatus()->migration);
    ASSERT_TRUE(c->SubmitUnsealKey(keys[1], true));
    auto done = c->SubmitUnsealKey(keys[2], true);
    ASSERT_TRUE(done) << done.error().message();
    EXPECT_FALSE(done->sealed);
    EXPECT_EQ(Read(*c, root, "y"), "static-a");
  }
  {  // only "b" now: unseals by itself; "a" alone can no longer open it.
    auto c = NewCore(Static("b", 'b'));
    ASSERT_TRUE(c->StartSeal());
    ASSERT_TRUE(core::Eventually([&] { return !c->Sealed(); }));
    auto old = NewCore(Static("a", 'a'));
    auto s = old->UnsealWithSeal();
    ASSERT_FALSE(s);
    EXPECT_NE(s.error().message().find("key id \"b\""), std::string::npos) << s.error().message();
  }
  {  // static "b" -> Shamir: the recovery keys become the unseal keys.
    auto c = NewCore(nullptr, Static("b", 'b'));
    ASSERT_TRUE(c->StartSeal());
    auto st = c->GetSealStatus();
    EXPECT_TRUE(st->migration);
    EXPECT_EQ(st->type, "shamir");
    EXPECT_FALSE(st->recovery_seal);
    ASSERT_TRUE(c->SubmitUnsealKey(keys[0], true));
    auto done = c->SubmitUnsealKey(keys[1], true);
    ASSERT_TRUE(done) << done.error().message();
    EXPECT_FALSE(done->sealed);
    EXPECT_FALSE(physical_->Get(core::kSealRootKeyPath)->has_value());
    EXPECT_FALSE(physical_->Get(core::kRecoveryKeyPath)->has_value());
  }
  auto c = NewCore(nullptr);
  ASSERT_TRUE(c->StartSeal());
  EXPECT_FALSE(c->GetSealStatus()->migration);
  ASSERT_TRUE(c->UnsealWithKeys({keys[2], keys[0]}));
  EXPECT_EQ(Read(*c, root, "x"), "shamir-era");
  EXPECT_EQ(Read(*c, root, "y"), "static-a");
  // migrate=true without a migration: refused.
  ASSERT_TRUE(c->Seal());
  auto m = c->SubmitUnsealKey(keys[0], true);
  ASSERT_FALSE(m);
  EXPECT_NE(m.error().message().find("no migration seal found"), std::string::npos);
}

TEST_F(AutoUnsealCore, MigrationIsOneBatchAFailedOneChangesNothing) {
  std::vector<std::string> keys;
  std::string root;
  {
    auto c = NewCore(nullptr);
    auto init = c->Initialize({3, 2});
    ASSERT_TRUE(init);
    keys = init->keys_hex;
    root = init->root_token;
  }
  auto before = physical_->List("core/");
  ASSERT_TRUE(before);
  {  // Shamir -> static: the batch fails (a crash before it lands).
    auto c = NewCore(Static("a", 'a'));
    ASSERT_TRUE(c->StartSeal());
    knobs_.fail_commits = true;
    int commits = knobs_.commits;
    ASSERT_TRUE(c->SubmitUnsealKey(keys[0], true));
    auto r = c->SubmitUnsealKey(keys[1], true);
    ASSERT_FALSE(r);
    EXPECT_EQ(knobs_.commits, commits + 1);  // everything in one physical batch
    EXPECT_TRUE(c->Sealed());
    knobs_.fail_commits = false;
  }
  // Nothing of the migration was written: the seal entries are the Shamir ones and its keys
  // unseal a plain Shamir server.
  auto after = physical_->List("core/");
  ASSERT_TRUE(after);
  EXPECT_EQ(*after, *before);
  EXPECT_FALSE(physical_->Get(core::kSealRootKeyPath)->has_value());
  EXPECT_FALSE(physical_->Get(core::kRecoveryKeyPath)->has_value());
  {
    auto c = NewCore(nullptr);
    ASSERT_TRUE(c->StartSeal());
    EXPECT_FALSE(c->GetSealStatus()->migration);
    EXPECT_TRUE(c->UnsealWithKeys({keys[0], keys[1]}));
  }
  {  // The same migration, committed.
    auto c = NewCore(Static("a", 'a'));
    ASSERT_TRUE(c->StartSeal());
    ASSERT_TRUE(c->SubmitUnsealKey(keys[2], true));
    auto r = c->SubmitUnsealKey(keys[1], true);
    ASSERT_TRUE(r) << r.error().message();
    EXPECT_FALSE(r->sealed);
  }
  // auto -> auto rewrites entries in place: without transactions it is refused, nothing written.
  knobs_.no_transactions = true;
  auto c = NewCore(Static("b", 'b'), Static("a", 'a'));
  ASSERT_TRUE(c->StartSeal());
  ASSERT_TRUE(c->SubmitUnsealKey(keys[0], true));
  auto r = c->SubmitUnsealKey(keys[1], true);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("needs a storage backend with transactions"),
            std::string::npos) << r.error().message();
  knobs_.no_transactions = false;
  auto still_a = NewCore(Static("a", 'a'));
  ASSERT_TRUE(still_a->StartSeal());
  ASSERT_TRUE(core::Eventually([&] { return !still_a->Sealed(); }));
}

}  // namespace
}  // namespace arca::seal
