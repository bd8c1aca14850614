#include "core/barrier/barrier.h"

#include <gtest/gtest.h>

#include "crypto/aead.h"
#include "crypto/random.h"
#include "storage/backend.h"

namespace arca::core {
namespace {

class BarrierTest : public ::testing::Test {
 protected:
  void SetUp() override {
    physical_ = *storage::NewInmemBackend({});
    barrier_ = std::make_unique<Barrier>(*physical_);
    root_ = crypto::RandomKey(32);
    ASSERT_TRUE(barrier_->Initialize(root_));
    ASSERT_TRUE(barrier_->Unseal(root_));
  }
  std::unique_ptr<storage::Backend> physical_;
  std::unique_ptr<Barrier> barrier_;
  SecureBytes root_;
};

TEST_F(BarrierTest, RoundTripAndCiphertextAtRest) {
  ASSERT_TRUE(barrier_->Put("logical/abc/secret", "hunter2"));
  auto v = barrier_->Get("logical/abc/secret");
  ASSERT_TRUE(v && *v);
  EXPECT_EQ(**v, "hunter2");
  auto raw = physical_->Get("logical/abc/secret");
  ASSERT_TRUE(raw && *raw);
  EXPECT_EQ((*raw)->find("hunter2"), std::string::npos);
  EXPECT_FALSE(*barrier_->Get("missing"));
}

TEST_F(BarrierTest, TamperedEntryIsAnErrorNotGarbage) {
  ASSERT_TRUE(barrier_->Put("a", "value"));
  std::string raw = **physical_->Get("a");
  for (size_t i = 0; i < raw.size(); i += 3) {
    std::string bad = raw;
    bad[i] ^= 0x01;
    ASSERT_TRUE(physical_->Put("a", bad));
    auto v = barrier_->Get("a");
    EXPECT_FALSE(v) << "byte " << i;
  }
  ASSERT_TRUE(physical_->Put("a", raw.substr(0, 3)));
  EXPECT_FALSE(barrier_->Get("a"));
}

TEST_F(BarrierTest, MovedEntryFailsAuthentication) {
  ASSERT_TRUE(barrier_->Put("logical/x/key", "value"));
  ASSERT_TRUE(physical_->Put("logical/y/key", **physical_->Get("logical/x/key")));
  auto v = barrier_->Get("logical/y/key");
  ASSERT_FALSE(v);
  EXPECT_EQ(v.error().kind(), ErrorKind::kInternal);
}

TEST_F(BarrierTest, SealedRefusesEverything) {
  barrier_->Seal();
  EXPECT_TRUE(barrier_->Sealed());
  EXPECT_EQ(barrier_->Get("a").error().kind(), ErrorKind::kSealed);
  EXPECT_EQ(barrier_->Put("a", "b").error().kind(), ErrorKind::kSealed);
  EXPECT_EQ(barrier_->List("").error().kind(), ErrorKind::kSealed);
  EXPECT_EQ(barrier_->Delete("a").error().kind(), ErrorKind::kSealed);
}

TEST_F(BarrierTest, WrongRootKeyDoesNotUnseal) {
  barrier_->Seal();
  auto s = barrier_->Unseal(crypto::RandomKey(32));
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().kind(), ErrorKind::kInvalidRequest);
  EXPECT_TRUE(barrier_->Sealed());
}

TEST_F(BarrierTest, RotationKeepsOldEntriesReadable) {
  ASSERT_TRUE(barrier_->Put("old", "v1"));
  auto term = barrier_->Rotate();
  ASSERT_TRUE(term);
  EXPECT_EQ(*term, 2u);
  ASSERT_TRUE(barrier_->Put("new", "v2"));
  EXPECT_EQ(barrier_->GetKeyStatus()->term, 2u);
  // After a reseal the rotated keyring is loaded from storage.
  barrier_->Seal();
  ASSERT_TRUE(barrier_->Unseal(root_));
  EXPECT_EQ(**barrier_->Get("old"), "v1");
  EXPECT_EQ(**barrier_->Get("new"), "v2");
  EXPECT_EQ(barrier_->GetKeyStatus()->term, 2u);
  std::string raw_new = **physical_->Get("new");
  EXPECT_EQ(raw_new[3], 2);  // term in the header
}

TEST(KeyringTest, KeysCarryAPreparedCipherInterchangeableWithTheKey) {
  Keyring k = Keyring::Generate();
  const BarrierKey* key = k.Active();
  ASSERT_NE(key, nullptr);
  ASSERT_NE(key->gcm, nullptr);
  auto sealed = key->gcm->Seal("entry", "some/path");
  ASSERT_TRUE(sealed);
  auto opened = crypto::AesGcmOpen(key->value.span(), *sealed, "some/path");
  ASSERT_TRUE(opened);
  EXPECT_EQ(*opened, "entry");
  // A keyring loaded from its serialized form prepares its own contexts for the same keys.
  SecureBytes text = k.Serialize();
  auto loaded = Keyring::Deserialize(text.view());
  ASSERT_TRUE(loaded);
  const BarrierKey* again = loaded->Term(key->term);
  ASSERT_NE(again, nullptr);
  ASSERT_NE(again->gcm, nullptr);
  EXPECT_NE(again->gcm, key->gcm);
  auto reopened = again->gcm->Open(*sealed, "some/path");
  ASSERT_TRUE(reopened);
  EXPECT_EQ(*reopened, "entry");
  EXPECT_FALSE(again->gcm->Open(*sealed, "other/path"));
}

TEST_F(BarrierTest, KeyringCannotBeOverwrittenThroughTheBarrier) {
  EXPECT_FALSE(barrier_->Put(kKeyringPath, "x"));
  EXPECT_FALSE(barrier_->Delete(kKeyringPath));
  std::vector<logical::WriteOp> ops = {{logical::WriteOp::Kind::kPut, "x", "1"},
                                       {logical::WriteOp::Kind::kDelete, std::string(kKeyringPath)}};
  EXPECT_FALSE(barrier_->Commit(ops));
  EXPECT_FALSE((*physical_->Get("x")).has_value());  // nothing of the batch was written
}

// Counts the physical writes under a barrier.
class CountingBackend final : public storage::Backend, public storage::Transactional {
 public:
  explicit CountingBackend(std::unique_ptr<storage::Backend> inner, bool transactional)
      : inner_(std::move(inner)), transactional_(transactional) {}
  Result<std::optional<std::string>> Get(std::string_view key) override { return inner_->Get(key); }
  Status Put(std::string_view key, std::string_view value) override {
    ++writes;
    return inner_->Put(key, value);
  }
  Status Delete(std::string_view key) override {
    ++writes;
    return inner_->Delete(key);
  }
  Result<std::vector<std::string>> List(std::string_view prefix) override {
    return inner_->List(prefix);
  }
  std::string_view Type() const override { return "counting"; }
  storage::Transactional* AsTransactional() override { return transactional_ ? this : nullptr; }
  Status Commit(std::span<const storage::Operation> ops) override {
    ++writes;
    return inner_->AsTransactional()->Commit(ops);
  }
  int writes = 0;

 private:
  std::unique_ptr<storage::Backend> inner_;
  bool transactional_;
};

// Commit: puts (encrypted) and deletes as one physical write on transactional storage, one after
// the other in order otherwise; the same result either way.
TEST(BarrierCommitTest, OnePhysicalWriteWhenTransactional) {
  for (bool transactional : {true, false}) {
    SCOPED_TRACE(transactional ? "transactional" : "plain");
    CountingBackend physical(*storage::NewInmemBackend({}), transactional);
    Barrier barrier(physical);
    SecureBytes root = crypto::RandomKey(32);
    ASSERT_TRUE(barrier.Initialize(root));
    ASSERT_TRUE(barrier.Unseal(root));
    ASSERT_TRUE(barrier.Put("old", "x"));
    const int before = physical.writes;
    std::vector<logical::WriteOp> ops = {{logical::WriteOp::Kind::kPut, "a", "1"},
                                         {logical::WriteOp::Kind::kPut, "b", "2"},
                                         {logical::WriteOp::Kind::kDelete, "old"}};
    ASSERT_TRUE(barrier.Commit(ops));
    EXPECT_EQ(physical.writes - before, transactional ? 1 : 3);
    EXPECT_EQ(**barrier.Get("a"), "1");
    EXPECT_EQ(**barrier.Get("b"), "2");
    EXPECT_FALSE((*barrier.Get("old")).has_value());
    EXPECT_NE(**physical.Get("a"), "1");  // encrypted at rest
    // Through a prefixed view, keys are prefixed.
    logical::PrefixedStorage view(barrier, "mount/");
    ASSERT_TRUE(view.Commit(std::vector<logical::WriteOp>{{logical::WriteOp::Kind::kPut, "k", "v"}}));
    EXPECT_EQ(**barrier.Get("mount/k"), "v");
    barrier.Seal();
    EXPECT_EQ(barrier.Commit(ops).error().kind(), ErrorKind::kSealed);
  }
}

}  // namespace
}  // namespace arca::core
