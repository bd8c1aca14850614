// The etcd backend's HA side against real etcd: plain writes before HA mode, a standby's writes
// refused, one lock holder at a time, fenced writes of a deposed holder refused atomically,
// release handing the lock over at once, Holder() and Depose().
#include <gtest/gtest.h>
#include <unistd.h>

#include <future>
#include <thread>

#include "services/etcd.h"
#include "storage/etcd/transport_testing.h"
#include "storage/etcd/etcd_backend.h"

namespace arca::storage::etcd {
namespace {

ARCA_ETCD_TRANSPORT_SUITE(EtcdHa);

using std::chrono::milliseconds;
using std::chrono::seconds;

std::string NewPath() {
  static std::atomic<int> n = 0;
  return "/ha-backend/" + std::to_string(::getpid()) + "-" + std::to_string(n++) + "/";
}

std::unique_ptr<Backend> Node(const std::string& path, const std::string& lock_timeout = "3s") {
  auto& etcd = arca::testing::SharedEtcd();
  auto b = NewEtcdBackend(BackendConfig{{"transport", TestTransportName()}, {"address", etcd.ClientUrl(0)},
                                        {"path", path},
                                        {"ha_enabled", "true"},
                                        {"lock_timeout", lock_timeout},
                                        {"request_timeout", "2s"},
                                        {"sync", "false"}});
  EXPECT_TRUE(b) << b.error().ToString();
  return b ? std::move(*b) : nullptr;
}

std::optional<std::string> Read(Backend& b, std::string_view key) {
  auto v = b.Get(key);
  EXPECT_TRUE(v) << v.error().ToString();
  return v ? *v : std::nullopt;
}

TEST_P(EtcdHa, HaEnabledOnlyWhenConfigured) {
  ASSERT_TRUE(arca::testing::SharedEtcd().ok()) << arca::testing::SharedEtcd().error();
  auto plain = NewEtcdBackend(BackendConfig{{"transport", TestTransportName()}, {"address", arca::testing::SharedEtcd().ClientUrl(0)},
                                            {"path", NewPath()},
                                            {"sync", "false"}});
  ASSERT_TRUE(plain);
  EXPECT_EQ((*plain)->AsHaLockable(), nullptr);
  auto ha = Node(NewPath());
  ASSERT_TRUE(ha);
  ASSERT_NE(ha->AsHaLockable(), nullptr);
  EXPECT_EQ(ha->AsHaLockable()->LockTtl(), seconds(3));
}

TEST_P(EtcdHa, StandbyWritesAreRefusedAndTheHolderWritesFenced) {
  ASSERT_TRUE(arca::testing::SharedEtcd().ok()) << arca::testing::SharedEtcd().error();
  const std::string path = NewPath();
  auto a = Node(path), b = Node(path);
  ASSERT_TRUE(a && b);
  // Before HA mode (sys/init of a new cluster) writes are plain.
  ASSERT_TRUE(a->Put("init", "1"));
  HaLockable& la = *a->AsHaLockable();
  HaLockable& lb = *b->AsHaLockable();
  la.StartHa();
  lb.StartHa();
  auto refused = a->Put("k", "standby");
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().kind(), ErrorKind::kUnavailable);
  EXPECT_NE(refused.error().message().find("standby"), std::string::npos);
  EXPECT_FALSE(a->Delete("init"));
  EXPECT_FALSE(a->AsTransactional()->Commit(
      std::vector<Operation>{Operation{Operation::Kind::kPut, "k", "v"}}));
  EXPECT_FALSE(Read(*a, "k").has_value());
  EXPECT_EQ(Read(*a, "init"), "1");  // reads are not fenced

  std::atomic<bool> stop{false};
  auto lock_a = la.Acquire("node-a", stop);
  ASSERT_TRUE(lock_a) << lock_a.error().ToString();
  ASSERT_TRUE(*lock_a);
  EXPECT_FALSE((*lock_a)->Lost());
  ASSERT_TRUE(a->Put("k", "from-a"));
  ASSERT_TRUE(a->AsTransactional()->Commit(std::vector<Operation>{
      Operation{Operation::Kind::kPut, "x", "1"}, Operation{Operation::Kind::kDelete, "init", ""}}));
  EXPECT_EQ(Read(*b, "k"), "from-a");
  EXPECT_EQ(Read(*b, "x"), "1");
  EXPECT_FALSE(Read(*b, "init").has_value());
  EXPECT_FALSE(b->Put("k", "from-b"));  // b is a standby

  auto holder = lb.Holder();
  ASSERT_TRUE(holder && *holder);
  EXPECT_EQ((*holder)->value, "node-a");
  EXPECT_FALSE((*holder)->id.empty());

  // b campaigns; it wins only once a releases, and at once then.
  std::atomic<bool> stop_b{false};
  auto fut = std::async(std::launch::async, [&] { return lb.Acquire("node-b", stop_b); });
  EXPECT_EQ(fut.wait_for(milliseconds(800)), std::future_status::timeout);
  (*lock_a)->Release();
  EXPECT_TRUE((*lock_a)->Lost());
  ASSERT_EQ(fut.wait_for(seconds(3)), std::future_status::ready);
  auto lock_b = fut.get();
  ASSERT_TRUE(lock_b && *lock_b);
  EXPECT_FALSE(a->Put("k", "late-a"));
  ASSERT_TRUE(b->Put("k", "from-b"));
  EXPECT_EQ(Read(*a, "k"), "from-b");
  holder = la.Holder();
  ASSERT_TRUE(holder && *holder);
  EXPECT_EQ((*holder)->value, "node-b");
  (*lock_b)->Release();
}

TEST_P(EtcdHa, ADeposedHolderCannotWriteAndNoticesTheLoss) {
  ASSERT_TRUE(arca::testing::SharedEtcd().ok()) << arca::testing::SharedEtcd().error();
  const std::string path = NewPath();
  auto a = Node(path, "10s"), b = Node(path);
  ASSERT_TRUE(a && b);
  a->AsHaLockable()->StartHa();
  b->AsHaLockable()->StartHa();
  std::atomic<bool> stop{false};
  auto lock_a = a->AsHaLockable()->Acquire("node-a", stop);
  ASSERT_TRUE(lock_a && *lock_a);
  ASSERT_TRUE(a->Put("k", "1"));
  auto holder = b->AsHaLockable()->Holder();
  ASSERT_TRUE(holder && *holder);
  // b ends a's hold (what a standby does when a's process is gone): a's lease is revoked in
  // etcd, but a has not noticed yet (its keepalive runs every 10s/3).
  ASSERT_TRUE(b->AsHaLockable()->Depose((*holder)->id));
  EXPECT_TRUE(b->AsHaLockable()->Depose((*holder)->id));  // gone already: still fine
  EXPECT_FALSE(b->AsHaLockable()->Depose("not-a-number"));
  auto w = a->Put("k", "2");
  ASSERT_FALSE(w);  // refused atomically by etcd: the lock key is gone
  EXPECT_EQ(w.error().kind(), ErrorKind::kUnavailable);
  EXPECT_NE(w.error().message().find("fenced"), std::string::npos) << w.error().message();
  EXPECT_TRUE((*lock_a)->Lost());
  EXPECT_TRUE((*lock_a)->WaitLost(milliseconds(1)));
  EXPECT_FALSE(a->Put("k", "3"));  // and every later write, without asking etcd
  EXPECT_EQ(Read(*b, "k"), "1");
  // The lock is free: b takes it at once.
  auto lock_b = b->AsHaLockable()->Acquire("node-b", stop);
  ASSERT_TRUE(lock_b && *lock_b);
  ASSERT_TRUE(b->Put("k", "b"));
}

TEST_P(EtcdHa, AcquireReturnsNullWhenStopped) {
  ASSERT_TRUE(arca::testing::SharedEtcd().ok()) << arca::testing::SharedEtcd().error();
  const std::string path = NewPath();
  auto a = Node(path), b = Node(path);
  ASSERT_TRUE(a && b);
  std::atomic<bool> stop{false};
  auto lock_a = a->AsHaLockable()->Acquire("node-a", stop);
  ASSERT_TRUE(lock_a && *lock_a);
  std::atomic<bool> stop_b{false};
  auto fut = std::async(std::launch::async, [&] { return b->AsHaLockable()->Acquire("b", stop_b); });
  EXPECT_EQ(fut.wait_for(milliseconds(500)), std::future_status::timeout);
  stop_b = true;
  ASSERT_EQ(fut.wait_for(seconds(3)), std::future_status::ready);
  auto r = fut.get();
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, nullptr);
  // b's campaign key went with it: a is still the holder, and after a releases nobody is.
  auto holder = a->AsHaLockable()->Holder();
  ASSERT_TRUE(holder && *holder);
  EXPECT_EQ((*holder)->value, "node-a");
  (*lock_a)->Release();
  holder = a->AsHaLockable()->Holder();
  ASSERT_TRUE(holder);
  EXPECT_FALSE(holder->has_value());
}

// Group commit: concurrent writers share etcd txns (fewer etcd revisions than writes), every
// acknowledged write is there, and a fenced batch fails as a whole once the lock is gone.
TEST_P(EtcdHa, GroupCommitConcurrentWritesShareTxnsAndAllLand) {
  ASSERT_TRUE(arca::testing::SharedEtcd().ok()) << arca::testing::SharedEtcd().error();
  const std::string path = NewPath();
  auto a = Node(path);
  ASSERT_TRUE(a);
  a->AsHaLockable()->StartHa();
  std::atomic<bool> stop{false};
  auto lock = a->AsHaLockable()->Acquire("node-a", stop);
  ASSERT_TRUE(lock && *lock);
  auto client = NewGatewayClient(EtcdClientOptions{.endpoints = {arca::testing::SharedEtcd().ClientUrl(0)}});
  ASSERT_TRUE(client);
  auto revision = [&] {
    auto r = (*client)->Range(RangeRequest{.key = "/"});
    return r ? r->revision : -1;
  };
  const int64_t before = revision();
  constexpr int kThreads = 32, kEach = 20;
  std::atomic<int> failed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        const std::string k = "gc/" + std::to_string(t) + "/" + std::to_string(i);
        if (!a->Put(k, "v" + k)) ++failed;
        // A key shared by all threads: collapsed within a batch, never refused.
        if (!a->Put("gc/shared", "s")) ++failed;
      }
    });
  }
  for (auto& th : threads) th.join();
  const int64_t after = revision();
  EXPECT_EQ(failed.load(), 0);
  for (int t = 0; t < kThreads; ++t) {
    for (int i = 0; i < kEach; ++i) {
      const std::string k = "gc/" + std::to_string(t) + "/" + std::to_string(i);
      EXPECT_EQ(Read(*a, k), "v" + k) << k;
    }
  }
  EXPECT_EQ(Read(*a, "gc/shared"), "s");
  // 1280 writes; one etcd revision per txn: batching made fewer.
  EXPECT_LT(after - before, 2 * kThreads * kEach) << "no write shared a txn";
  EXPECT_GT(after - before, 0);

  // Deposed: every queued and later write fails, none lands.
  auto holder = a->AsHaLockable()->Holder();
  ASSERT_TRUE(holder && *holder);
  ASSERT_TRUE(a->AsHaLockable()->Depose((*holder)->id));
  std::atomic<int> landed{0};
  threads.clear();
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      if (a->Put("late/" + std::to_string(t), "x")) ++landed;
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(landed.load(), 0);
  for (int t = 0; t < 8; ++t) EXPECT_FALSE(Read(*a, "late/" + std::to_string(t)).has_value());
}

}  // namespace
}  // namespace arca::storage::etcd
