// storage::CachedBackend: the conformance suite through the cache (in memory, LMDB and a real
// etcd), and what the cache itself promises: hits and negative entries, write-through, failed
// writes invalidating, Purge/SetEnabled, bounds, and no stale entry from a miss racing a write.
#include "storage/cache.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <future>
#include <mutex>
#include <thread>

#include "services/etcd.h"
#include "storage/conformance.h"
#include "storage/etcd/etcd_backend.h"

namespace arca::storage::testing {
namespace {

// --- the conformance suite through the cache ---

Result<std::unique_ptr<Backend>> MakeCachedInmem(const std::string&) {
  ARCA_ASSIGN_OR_RETURN(auto inner, NewInmemBackend({}));
  return std::unique_ptr<Backend>(std::make_unique<CachedBackend>(std::move(inner)));
}

// A cache so small that entries are evicted all through the suite.
Result<std::unique_ptr<Backend>> MakeCachedLmdbTiny(const std::string& dir) {
  ARCA_ASSIGN_OR_RETURN(auto inner, NewLmdbBackend({{"path", dir + "/db"}}, "lmdb"));
  return std::unique_ptr<Backend>(std::make_unique<CachedBackend>(
      std::move(inner), CacheOptions{.max_entries = 64, .max_bytes = 4096}));
}

Result<std::unique_ptr<Backend>> MakeCachedEtcd(const std::string&) {
  arca::testing::EtcdCluster& etcd = arca::testing::SharedEtcd();
  if (!etcd.ok()) return Internal("etcd did not start: " + etcd.error());
  static std::atomic<int> counter = 0;
  etcd::EtcdBackendOptions options;
  options.client.endpoints = {etcd.ClientUrl(0)};
  options.path = "/cache-conformance/" + std::to_string(::getpid()) + "-" +
                 std::to_string(counter.fetch_add(1)) + "/";
  ARCA_ASSIGN_OR_RETURN(auto inner, etcd::NewEtcdBackend(options));
  return std::unique_ptr<Backend>(std::make_unique<CachedBackend>(std::move(inner)));
}

INSTANTIATE_TEST_SUITE_P(Cached, BackendConformanceTest,
                         ::testing::Values(ConformanceParam{"cached_inmem", &MakeCachedInmem},
                                           ConformanceParam{"cached_lmdb_tiny",
                                                            &MakeCachedLmdbTiny},
                                           ConformanceParam{"cached_etcd", &MakeCachedEtcd}),
                         ConformanceParamName);

}  // namespace
}  // namespace arca::storage::testing

namespace arca::storage {
namespace {

// --- the cache's own behaviour ---

// An in-memory backend that counts calls, can fail writes, and can hold a Get after it has read
// its value (to race a write against a miss).
class ProbeBackend final : public Backend, public Transactional {
 public:
  ProbeBackend() : inner_(*NewInmemBackend({})) {}
  Result<std::optional<std::string>> Get(std::string_view key) override {
    ++gets;
    auto v = inner_->Get(key);
    std::unique_lock lock(mu_);
    if (hold_gets_) {
      ++held_;
      cv_.notify_all();
      cv_.wait(lock, [&] { return !hold_gets_; });
    }
    return v;
  }
  Status Put(std::string_view key, std::string_view value) override {
    ++puts;
    if (fail_writes) return Unavailable("etcd: fenced write refused");
    return inner_->Put(key, value);
  }
  Status Delete(std::string_view key) override {
    if (fail_writes) return Unavailable("etcd: fenced write refused");
    return inner_->Delete(key);
  }
  Result<std::vector<std::string>> List(std::string_view prefix) override {
    return inner_->List(prefix);
  }
  std::string_view Type() const override { return "probe"; }
  Transactional* AsTransactional() override { return this; }
  Status Commit(std::span<const Operation> ops) override {
    ++commits;
    if (fail_writes) return Unavailable("etcd: fenced write refused");
    return inner_->AsTransactional()->Commit(ops);
  }

  void HoldGets() {
    std::lock_guard lock(mu_);
    hold_gets_ = true;
  }
  void WaitHeld(int n) {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return held_ >= n; });
  }
  void ReleaseGets() {
    std::lock_guard lock(mu_);
    hold_gets_ = false;
    cv_.notify_all();
  }
  Backend& raw() { return *inner_; }  // writes behind the cache's back (another node)

  std::atomic<int> gets{0}, puts{0}, commits{0};
  std::atomic<bool> fail_writes{false};

 private:
  std::unique_ptr<Backend> inner_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool hold_gets_ = false;
  int held_ = 0;
};

class CacheTest : public ::testing::Test {
 protected:
  void SetUp() override { Make({}); }
  void Make(CacheOptions options) {
    auto probe = std::make_unique<ProbeBackend>();
    probe_ = probe.get();
    cache_ = std::make_unique<CachedBackend>(std::move(probe), options);
  }
  std::optional<std::string> MustGet(std::string_view key) {
    auto v = cache_->Get(key);
    EXPECT_TRUE(v.has_value()) << v.error().ToString();
    return v ? *v : std::nullopt;
  }
  ProbeBackend* probe_ = nullptr;
  std::unique_ptr<CachedBackend> cache_;
};

TEST_F(CacheTest, RepeatedGetsAndAbsencesAreServedFromMemory) {
  ASSERT_TRUE(probe_->raw().Put("a", "1"));
  EXPECT_EQ(MustGet("a"), "1");
  EXPECT_EQ(MustGet("missing"), std::nullopt);
  const int gets = probe_->gets;
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(MustGet("a"), "1");
    EXPECT_EQ(MustGet("missing"), std::nullopt);  // a negative entry
  }
  EXPECT_EQ(probe_->gets, gets);
  CacheStats st = cache_->Stats();
  EXPECT_EQ(st.hits, 10u);
  EXPECT_EQ(st.misses, 2u);
  EXPECT_EQ(st.entries, 2u);
}

TEST_F(CacheTest, WritesUpdateTheCache) {
  ASSERT_TRUE(cache_->Put("k", "v1"));
  ASSERT_TRUE(cache_->Delete("gone"));
  const int gets = probe_->gets;
  EXPECT_EQ(MustGet("k"), "v1");
  EXPECT_EQ(MustGet("gone"), std::nullopt);
  ASSERT_TRUE(cache_->Put("k", "v2"));
  EXPECT_EQ(MustGet("k"), "v2");
  ASSERT_TRUE(cache_->Delete("k"));
  EXPECT_EQ(MustGet("k"), std::nullopt);
  // A batch: the last operation on a key wins, as in the backend.
  Transactional* tx = cache_->AsTransactional();
  ASSERT_NE(tx, nullptr);
  ASSERT_TRUE(tx->Commit(std::vector<Operation>{{Operation::Kind::kPut, "b/1", "x"},
                                                {Operation::Kind::kPut, "b/2", "y"},
                                                {Operation::Kind::kDelete, "b/1", ""},
                                                {Operation::Kind::kPut, "k", "v3"}}));
  EXPECT_EQ(MustGet("b/1"), std::nullopt);
  EXPECT_EQ(MustGet("b/2"), "y");
  EXPECT_EQ(MustGet("k"), "v3");
  EXPECT_EQ(probe_->gets, gets);  // every read above was a hit
  EXPECT_EQ(*probe_->raw().Get("b/2"), "y");
  EXPECT_EQ(*probe_->raw().Get("k"), "v3");
}

TEST_F(CacheTest, FailedWritesDropTheirKeys) {
  ASSERT_TRUE(cache_->Put("k", "v1"));
  ASSERT_TRUE(cache_->Put("j", "w1"));
  probe_->fail_writes = true;
  EXPECT_FALSE(cache_->Put("k", "v2"));
  EXPECT_FALSE(cache_->AsTransactional()->Commit(
      std::vector<Operation>{{Operation::Kind::kDelete, "j", ""}}));
  probe_->fail_writes = false;
  const int gets = probe_->gets;
  EXPECT_EQ(MustGet("k"), "v1");  // from the backend again: the outcome was unknown
  EXPECT_EQ(MustGet("j"), "w1");
  EXPECT_EQ(probe_->gets, gets + 2);
}

TEST_F(CacheTest, PurgeForgetsWhatOthersMayHaveChanged) {
  ASSERT_TRUE(cache_->Put("k", "mine"));
  EXPECT_EQ(MustGet("absent"), std::nullopt);
  // Another node writes (the HA case this node only learns of when it becomes active).
  ASSERT_TRUE(probe_->raw().Put("k", "theirs"));
  ASSERT_TRUE(probe_->raw().Put("absent", "now here"));
  EXPECT_EQ(MustGet("k"), "mine");  // the single-writer assumption, visibly
  cache_->Purge();
  EXPECT_EQ(cache_->Stats().entries, 0u);
  EXPECT_EQ(MustGet("k"), "theirs");
  EXPECT_EQ(MustGet("absent"), "now here");
}

TEST_F(CacheTest, DisabledPassesThroughAndWritesOnlyInvalidate) {
  ASSERT_TRUE(cache_->Put("k", "v1"));
  cache_->SetEnabled(false);
  EXPECT_FALSE(cache_->Enabled());
  EXPECT_EQ(cache_->Stats().entries, 0u);
  ASSERT_TRUE(probe_->raw().Put("k", "v2"));
  int gets = probe_->gets;
  EXPECT_EQ(MustGet("k"), "v2");
  EXPECT_EQ(MustGet("k"), "v2");
  EXPECT_EQ(probe_->gets, gets + 2);
  ASSERT_TRUE(cache_->Put("k", "v3"));
  EXPECT_EQ(cache_->Stats().entries, 0u);
  cache_->SetEnabled(true);
  gets = probe_->gets;
  EXPECT_EQ(MustGet("k"), "v3");
  EXPECT_EQ(MustGet("k"), "v3");
  EXPECT_EQ(probe_->gets, gets + 1);
}

TEST_F(CacheTest, BoundedByEntriesAndBytes) {
  Make({.max_entries = 128, .max_bytes = 1 << 30});
  for (int i = 0; i < 2000; ++i) ASSERT_TRUE(cache_->Put("k" + std::to_string(i), "v"));
  EXPECT_LE(cache_->Stats().entries, 128u);
  EXPECT_GT(cache_->Stats().entries, 0u);
  for (int i = 0; i < 2000; ++i) EXPECT_EQ(MustGet("k" + std::to_string(i)), "v");

  Make({.max_entries = 1 << 20, .max_bytes = 256 * 1024});
  const std::string big(1000, 'x');
  for (int i = 0; i < 2000; ++i) ASSERT_TRUE(cache_->Put("b" + std::to_string(i), big));
  EXPECT_LE(cache_->Stats().bytes, 256u * 1024);
  EXPECT_GT(cache_->Stats().entries, 0u);

  // A value over max_value_bytes is written and read, never cached.
  Make({.max_value_bytes = 10});
  ASSERT_TRUE(cache_->Put("large", std::string(11, 'y')));
  ASSERT_TRUE(cache_->Put("small", "z"));
  EXPECT_EQ(cache_->Stats().entries, 1u);
  const int gets = probe_->gets;
  EXPECT_EQ(MustGet("large"), std::string(11, 'y'));
  EXPECT_EQ(MustGet("large"), std::string(11, 'y'));
  EXPECT_EQ(probe_->gets, gets + 2);
}

TEST_F(CacheTest, LeastRecentlyUsedIsEvictedFirst) {
  // 64 shards (by std::hash of the key, as cache.cc does), two entries each: take three keys of
  // one shard.
  Make({.max_entries = 128, .max_bytes = 1 << 30});
  auto shard = [](const std::string& k) { return std::hash<std::string_view>{}(k) % 64; };
  std::vector<std::string> keys{"k0"};
  for (int i = 1; keys.size() < 3; ++i) {
    std::string k = "k" + std::to_string(i);
    if (shard(k) == shard(keys[0])) keys.push_back(k);
  }
  ASSERT_TRUE(cache_->Put(keys[0], "0"));
  ASSERT_TRUE(cache_->Put(keys[1], "1"));
  EXPECT_EQ(MustGet(keys[0]), "0");  // keys[0] is now the most recently used
  ASSERT_TRUE(cache_->Put(keys[2], "2"));  // evicts keys[1]
  const int gets = probe_->gets;
  EXPECT_EQ(MustGet(keys[0]), "0");
  EXPECT_EQ(MustGet(keys[2]), "2");
  EXPECT_EQ(probe_->gets, gets);
  EXPECT_EQ(MustGet(keys[1]), "1");
  EXPECT_EQ(probe_->gets, gets + 1);
}

// A miss that read the old value while a write replaced it must not insert the old value.
TEST_F(CacheTest, MissRacingAWriteInsertsNothingStale) {
  ASSERT_TRUE(probe_->raw().Put("k", "old"));
  probe_->HoldGets();
  auto reader = std::async(std::launch::async, [&] { return cache_->Get("k"); });
  probe_->WaitHeld(1);  // the reader has read "old" from the backend
  ASSERT_TRUE(cache_->Put("k", "new"));
  probe_->ReleaseGets();
  auto got = reader.get();
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(*got, "old");  // it began before the write finished: either answer is allowed
  EXPECT_EQ(MustGet("k"), "new");
  // Same with a Purge in between (a node becoming active).
  ASSERT_TRUE(probe_->raw().Put("p", "before"));
  probe_->HoldGets();
  auto reader2 = std::async(std::launch::async, [&] { return cache_->Get("p"); });
  probe_->WaitHeld(2);
  ASSERT_TRUE(probe_->raw().Put("p", "after"));
  cache_->Purge();
  probe_->ReleaseGets();
  ASSERT_TRUE(reader2.get().has_value());
  EXPECT_EQ(MustGet("p"), "after");
}

TEST_F(CacheTest, ConcurrentWritersAndReadersOfOneKeyEndConsistent) {
  constexpr int kWriters = 4, kWrites = 300;
  std::atomic<bool> stop{false};
  std::thread reader([&] {
    while (!stop) (void)cache_->Get("hot");
  });
  std::vector<std::thread> writers;
  for (int t = 0; t < kWriters; ++t) {
    writers.emplace_back([&, t] {
      for (int i = 0; i < kWrites; ++i) {
        ASSERT_TRUE(cache_->Put("hot", std::to_string(t) + "/" + std::to_string(i)));
      }
    });
  }
  for (auto& w : writers) w.join();
  stop = true;
  reader.join();
  // Whatever the interleaving, the cache agrees with the backend afterwards.
  EXPECT_EQ(MustGet("hot"), *probe_->raw().Get("hot"));
}

TEST_F(CacheTest, CapabilitiesFollowTheInnerBackend) {
  EXPECT_EQ(cache_->Type(), "probe");
  EXPECT_EQ(cache_->AsHaLockable(), nullptr);
  CachedBackend plain(*NewInmemBackend({}));
  EXPECT_NE(plain.AsTransactional(), nullptr);  // inmem is transactional
  EXPECT_EQ(plain.Type(), "inmem");
}

}  // namespace
}  // namespace arca::storage
