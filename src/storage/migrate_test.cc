#include "storage/migrate.h"

#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <string>
#include <vector>

#include "storage/test_util.h"

namespace arca::storage {
namespace {

using Dump = std::map<std::string, std::string>;

// Every entry of `b`, read through List and Get.
Dump DumpAll(Backend& b) {
  Dump out;
  std::vector<std::string> stack = {""};
  while (!stack.empty()) {
    std::string prefix = stack.back();
    stack.pop_back();
    auto children = b.List(prefix);
    EXPECT_TRUE(children.has_value());
    if (!children) return out;
    for (const auto& c : *children) {
      if (c.ends_with('/')) {
        stack.push_back(prefix + c);
      } else {
        auto v = b.Get(prefix + c);
        EXPECT_TRUE(v.has_value() && v->has_value()) << prefix + c;
        if (v && *v) out[prefix + c] = **v;
      }
    }
  }
  return out;
}

// A backend that forwards to another and fails every Put after `fail_after` successful ones.
class FailingBackend : public Backend {
 public:
  FailingBackend(Backend& inner, int fail_after) : inner_(inner), left_(fail_after) {}
  Result<std::optional<std::string>> Get(std::string_view key) override { return inner_.Get(key); }
  Status Put(std::string_view key, std::string_view value) override {
    if (left_.fetch_sub(1) <= 0) return Unavailable("disk on fire");
    return inner_.Put(key, value);
  }
  Status Delete(std::string_view key) override { return inner_.Delete(key); }
  Result<std::vector<std::string>> List(std::string_view prefix) override {
    return inner_.List(prefix);
  }
  std::string_view Type() const override { return "failing"; }

 private:
  Backend& inner_;
  std::atomic<int> left_;
};

class MigrateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto src = NewInmemBackend({});
    ASSERT_TRUE(src.has_value());
    source_ = std::move(*src);
    auto dst = NewLmdbBackend({{"path", dir_.path() + "/dst"}}, "file");
    ASSERT_TRUE(dst.has_value()) << dst.error().message();
    dest_ = std::move(*dst);
  }

  // A source shaped like a Vault storage: core entries, mounts, deep paths, binary values.
  Dump Fill() {
    Dump d;
    d["core/keyring"] = std::string("\x00\x01\x02\xff\xfe", 5);
    d["core/seal-config"] = "{\"type\":\"shamir\"}";
    d["core/master"] = std::string(1 << 20, '\x7f');  // a 1 MiB value
    d["logical/aaaa/bbbb/data/x"] = "v1";
    d["logical/aaaa/bbbb/data/x/y"] = "v2";  // a key and a folder of the same name
    d["logical/aaaa-b"] = "v3";              // sorts before "logical/aaaa/"
    d["logical/aaaa0"] = "v4";               // sorts after it
    d["sys/token/id/h1"] = "t";
    for (int i = 0; i < 200; ++i) d["sys/expire/id/lease" + std::to_string(1000 + i)] = "l";
    for (const auto& [k, v] : d) EXPECT_TRUE(source_->Put(k, v).has_value());
    return d;
  }

  testing::ScopedTempDir dir_;
  std::unique_ptr<Backend> source_, dest_;
};

TEST_F(MigrateTest, CopiesEveryEntryByteForByteInKeyOrder) {
  Dump want = Fill();
  std::vector<std::string> order;
  MigrateOptions o;
  o.max_parallel = 1;
  o.on_copied = [&](std::string_view k) { order.emplace_back(k); };
  auto stats = CopyEntries(*source_, *dest_, o);
  ASSERT_TRUE(stats.has_value()) << stats.error().message();
  EXPECT_EQ(stats->copied, want.size());
  size_t bytes = 0;
  for (const auto& [k, v] : want) bytes += v.size();
  EXPECT_EQ(stats->bytes, bytes);
  EXPECT_EQ(DumpAll(*dest_), want);
  // One worker copies in ascending byte order of the keys (Vault's order).
  std::vector<std::string> sorted;
  for (const auto& [k, v] : want) sorted.push_back(k);
  EXPECT_EQ(order, sorted);
  // The source is unchanged.
  EXPECT_EQ(DumpAll(*source_), want);
}

TEST_F(MigrateTest, ParallelCopyIsComplete) {
  Dump want = Fill();
  std::atomic<int> calls = 0;
  MigrateOptions o;
  o.max_parallel = 8;
  o.on_copied = [&](std::string_view) { ++calls; };
  auto stats = CopyEntries(*source_, *dest_, o);
  ASSERT_TRUE(stats.has_value()) << stats.error().message();
  EXPECT_EQ(stats->copied, want.size());
  EXPECT_EQ(calls.load(), static_cast<int>(want.size()));
  EXPECT_EQ(DumpAll(*dest_), want);
}

TEST_F(MigrateTest, SkipsTheMarkerAndTheHaLock) {
  Dump want = Fill();
  ASSERT_TRUE(SetMigrationMarker(*source_, "2026-01-01T00:00:00Z").has_value());
  ASSERT_TRUE(source_->Put("core/lock", "holder").has_value());
  ASSERT_TRUE(source_->Put("core/lock/694d8b1c2a3e", "holder").has_value());
  ASSERT_TRUE(source_->Put("core/locksmith", "kept").has_value());  // not the lock
  want["core/locksmith"] = "kept";
  auto stats = CopyEntries(*source_, *dest_, MigrateOptions{});
  ASSERT_TRUE(stats.has_value()) << stats.error().message();
  EXPECT_EQ(DumpAll(*dest_), want);
}

TEST_F(MigrateTest, StartCopiesOnlyKeysAtOrAfterIt) {
  Dump all = Fill();
  MigrateOptions o;
  o.start = "logical/aaaa/";
  auto stats = CopyEntries(*source_, *dest_, o);
  ASSERT_TRUE(stats.has_value()) << stats.error().message();
  Dump want;
  for (const auto& [k, v] : all) {
    if (k >= o.start) want[k] = v;
  }
  EXPECT_EQ(DumpAll(*dest_), want);
  EXPECT_EQ(want.count("logical/aaaa-b"), 0u);
  EXPECT_EQ(want.count("logical/aaaa0"), 1u);
}

TEST_F(MigrateTest, FirstKeyFromFindsAnyKeyAtOrAfterStart) {
  auto none = FirstKeyFrom(*dest_, "");
  ASSERT_TRUE(none.has_value());
  EXPECT_FALSE(none->has_value());
  ASSERT_TRUE(dest_->Put("a/b/c", "1").has_value());
  ASSERT_TRUE(dest_->Put("m", "2").has_value());
  auto first = FirstKeyFrom(*dest_, "");
  ASSERT_TRUE(first.has_value() && first->has_value());
  EXPECT_EQ(**first, "a/b/c");
  auto after = FirstKeyFrom(*dest_, "b");
  ASSERT_TRUE(after.has_value() && after->has_value());
  EXPECT_EQ(**after, "m");
  auto past = FirstKeyFrom(*dest_, "n");
  ASSERT_TRUE(past.has_value());
  EXPECT_FALSE(past->has_value());
}

TEST_F(MigrateTest, MarkerRoundTrip) {
  auto none = MigrationInProgress(*source_);
  ASSERT_TRUE(none.has_value());
  EXPECT_FALSE(none->has_value());
  ASSERT_TRUE(SetMigrationMarker(*source_, "2026-12-07T05:00:00.123Z").has_value());
  auto raw = source_->Get("core/migration");
  ASSERT_TRUE(raw.has_value() && raw->has_value());
  EXPECT_EQ(**raw, "{\"start\":\"2026-12-07T05:00:00.123Z\"}");
  auto got = MigrationInProgress(*source_);
  ASSERT_TRUE(got.has_value() && got->has_value());
  EXPECT_EQ(**got, "2026-12-07T05:00:00.123Z");
  ASSERT_TRUE(ClearMigrationMarker(*source_).has_value());
  auto cleared = MigrationInProgress(*source_);
  ASSERT_TRUE(cleared.has_value());
  EXPECT_FALSE(cleared->has_value());
  ASSERT_TRUE(source_->Put("core/migration", "garbage").has_value());
  auto bad = MigrationInProgress(*source_);
  ASSERT_FALSE(bad.has_value());
  EXPECT_NE(bad.error().message().find("core/migration"), std::string::npos);
}

TEST_F(MigrateTest, StopEndsTheCopyEarly) {
  Fill();
  for (int parallel : {1, 4}) {
    auto fresh = NewInmemBackend({});
    ASSERT_TRUE(fresh.has_value());
    std::atomic<int> copied = 0;
    MigrateOptions o;
    o.max_parallel = parallel;
    o.on_copied = [&](std::string_view) { ++copied; };
    o.stop = [&] { return copied.load() >= 3; };
    auto stats = CopyEntries(*source_, **fresh, o);
    ASSERT_TRUE(stats.has_value()) << stats.error().message();
    EXPECT_TRUE(stats->stopped);
    EXPECT_GE(stats->copied, 3u);
    EXPECT_LE(stats->copied, 3u + 5u * parallel);  // plus what was queued or in flight
    EXPECT_EQ(DumpAll(**fresh).size(), stats->copied);
  }
}

TEST_F(MigrateTest, DestinationErrorStopsTheCopy) {
  Fill();
  for (int parallel : {1, 4}) {
    auto fresh = NewInmemBackend({});
    ASSERT_TRUE(fresh.has_value());
    FailingBackend failing(**fresh, 5);
    MigrateOptions o;
    o.max_parallel = parallel;
    auto stats = CopyEntries(*source_, failing, o);
    ASSERT_FALSE(stats.has_value()) << "parallel " << parallel;
    EXPECT_NE(stats.error().message().find("disk on fire"), std::string::npos);
    EXPECT_NE(stats.error().message().find("writing "), std::string::npos);
    // Stopped early: at most the successful writes landed.
    EXPECT_LE(DumpAll(**fresh).size(), 5u);
  }
}

}  // namespace
}  // namespace arca::storage
