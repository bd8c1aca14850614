// LMDB-specific behaviour; the shared behaviour is in conformance_test.cc.
#include "storage/lmdb/lmdb_backend.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <thread>

#include "storage/test_util.h"

namespace arca::storage {
namespace {

using testing::ScopedTempDir;

std::unique_ptr<LmdbBackend> MustOpen(const LmdbOptions& options) {
  auto b = LmdbBackend::Open(options);
  EXPECT_TRUE(b) << b.error().ToString();
  return b ? std::move(*b) : nullptr;
}

mode_t ModeOf(const std::string& path) {
  struct stat st {};
  EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
  return st.st_mode & 0777;
}

TEST(LmdbConfigTest, RejectsBadConfigs) {
  struct Case {
    BackendConfig config;
    std::string_view needle;  // expected in the error message
  };
  const Case cases[] = {
      {{}, "'path' is required"},
      {{{"path", ""}}, "'path' is required"},
      {{{"path", "/x"}, {"max_size", ""}}, "'max_size'"},
      {{{"path", "/x"}, {"max_size", "abc"}}, "'max_size'"},
      {{{"path", "/x"}, {"max_size", "12x"}}, "'max_size'"},
      {{{"path", "/x"}, {"max_size", "-5"}}, "'max_size'"},
      {{{"path", "/x"}, {"max_size", "99999999999999999999999"}}, "'max_size'"},
      {{{"path", "/x"}, {"max_size", "4096"}}, "at least"},
  };
  for (const auto& c : cases) {
    auto got = ParseLmdbConfig(c.config, "file");
    ASSERT_FALSE(got) << c.needle;
    EXPECT_EQ(got.error().kind(), ErrorKind::kInvalidRequest);
    EXPECT_NE(got.error().message().find(c.needle), std::string::npos) << got.error().message();
  }
}

TEST(LmdbConfigTest, ParsesPathAndMaxSize) {
  auto got =
      ParseLmdbConfig({{"path", "/data"}, {"max_size", "1073741824"}, {"other", "x"}}, "lmdb");
  ASSERT_TRUE(got) << got.error().ToString();
  EXPECT_EQ(got->path, "/data");
  EXPECT_EQ(got->max_size, size_t{1} << 30);
  EXPECT_EQ(got->type_name, "lmdb");
  auto defaults = ParseLmdbConfig({{"path", "/data"}}, "file");
  ASSERT_TRUE(defaults);
  EXPECT_EQ(defaults->max_size, size_t{8} << 30);
}

TEST(LmdbBackendTest, CreatesPrivateDirectoryAndReportsType) {
  ScopedTempDir tmp;
  std::string dir = tmp.path() + "/a/b/store";
  auto b = NewLmdbBackend({{"path", dir}}, "file");
  ASSERT_TRUE(b) << b.error().ToString();
  EXPECT_EQ((*b)->Type(), "file");
  EXPECT_EQ(ModeOf(dir), 0700u);
  EXPECT_EQ(ModeOf(tmp.path() + "/a"), 0700u);
  EXPECT_EQ(ModeOf(dir + "/data.mdb"), 0600u);
  ASSERT_NE((*b)->AsTransactional(), nullptr);
  EXPECT_EQ((*b)->AsHaLockable(), nullptr);
}

TEST(LmdbBackendTest, PathThatIsAFileIsRejected) {
  ScopedTempDir tmp;
  std::string file = tmp.path() + "/plain";
  std::ofstream(file) << "x";
  auto b = NewLmdbBackend({{"path", file}}, "file");
  ASSERT_FALSE(b);
  EXPECT_EQ(b.error().kind(), ErrorKind::kInvalidRequest);
}

TEST(LmdbBackendTest, DataSurvivesReopen) {
  ScopedTempDir tmp;
  LmdbOptions options{.path = tmp.path()};
  {
    auto b = MustOpen(options);
    ASSERT_TRUE(b);
    ASSERT_TRUE(b->Put("keep", "value"));
    ASSERT_TRUE(b->Put("gone", "value"));
    ASSERT_TRUE(b->Delete("gone"));
  }
  auto b = MustOpen(options);
  ASSERT_TRUE(b);
  EXPECT_EQ(*b->Get("keep"), "value");
  EXPECT_EQ(*b->Get("gone"), std::nullopt);
}

TEST(LmdbBackendTest, SecondOpenInProcessIsRefusedUntilClosed) {
  ScopedTempDir tmp;
  auto first = MustOpen({.path = tmp.path()});
  ASSERT_TRUE(first);
  auto second = LmdbBackend::Open({.path = tmp.path() + "/."});  // same directory, other spelling
  ASSERT_FALSE(second);
  EXPECT_NE(second.error().message().find("already open"), std::string::npos);
  first.reset();
  EXPECT_TRUE(MustOpen({.path = tmp.path()}));
}

TEST(LmdbBackendTest, KeyLengthLimit) {
  ScopedTempDir tmp;
  auto b = MustOpen({.path = tmp.path()});
  ASSERT_TRUE(b);
  const size_t max = b->max_key_size();
  ASSERT_GE(max, 511u);
  std::string longest(max, 'k'), too_long(max + 1, 'k');
  ASSERT_TRUE(b->Put(longest, "v"));
  EXPECT_EQ(*b->Get(longest), "v");
  auto put = b->Put(too_long, "v");
  ASSERT_FALSE(put);
  EXPECT_EQ(put.error().kind(), ErrorKind::kInvalidRequest);
  EXPECT_EQ(b->Get(too_long).error().kind(), ErrorKind::kInvalidRequest);
  EXPECT_EQ(b->Delete(too_long).error().kind(), ErrorKind::kInvalidRequest);
  std::vector<Operation> ops = {{Operation::Kind::kPut, "fine", "v"},
                                {Operation::Kind::kPut, too_long, "v"}};
  EXPECT_EQ(b->Commit(ops).error().kind(), ErrorKind::kInvalidRequest);
  EXPECT_EQ(*b->Get("fine"), std::nullopt);
  auto listed = b->List(std::string(max, 'k') + "/");
  ASSERT_TRUE(listed);
  EXPECT_TRUE(listed->empty());
  EXPECT_EQ(b->List("")->size(), 1u);
}

TEST(LmdbBackendTest, MapFullIsAnErrorAndReadsKeepWorking) {
  ScopedTempDir tmp;
  auto b = MustOpen({.path = tmp.path(), .max_size = 1 << 20});
  ASSERT_TRUE(b);
  const std::string value(64 << 10, 'v');
  int written = 0;
  Status last;
  for (; written < 64; ++written) {
    last = b->Put("k" + std::to_string(written), value);
    if (!last) break;
  }
  ASSERT_FALSE(last) << "1 MiB map never filled";
  EXPECT_GT(written, 0);
  EXPECT_EQ(last.error().kind(), ErrorKind::kInternal);
  EXPECT_NE(last.error().message().find("full"), std::string::npos) << last.error().message();
  for (int i = 0; i < written; ++i) EXPECT_EQ(*b->Get("k" + std::to_string(i)), value);
  EXPECT_EQ(*b->Get("k" + std::to_string(written)), std::nullopt);  // the failed write left nothing
  EXPECT_EQ(b->List("")->size(), size_t(written));
  // Freeing space makes writes possible again.
  for (int i = 0; i < written; ++i) ASSERT_TRUE(b->Delete("k" + std::to_string(i)));
  EXPECT_TRUE(b->Put("after", value));
}

TEST(LmdbBackendTest, OversizedWriterDoesNotFailItsGroup) {
  ScopedTempDir tmp;
  auto b = MustOpen({.path = tmp.path(), .max_size = 1 << 20});
  ASSERT_TRUE(b);
  std::atomic<bool> stop = false;
  std::atomic<int> small_failures = 0;
  std::vector<std::thread> threads;
  for (int t = 0; t < 3; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; !stop.load() || i < 5; ++i) {
        if (!b->Put("s" + std::to_string(t) + "/" + std::to_string(i % 8), "small"))
          ++small_failures;
      }
    });
  }
  for (int i = 0; i < 5; ++i) {
    auto s = b->Put("huge", std::string(2 << 20, 'h'));
    ASSERT_FALSE(s);
    EXPECT_EQ(s.error().kind(), ErrorKind::kInternal);
  }
  stop = true;
  for (auto& th : threads) th.join();
  EXPECT_EQ(small_failures.load(), 0);
  EXPECT_EQ(*b->Get("huge"), std::nullopt);
}

TEST(LmdbBackendTest, MapGrowsUpToMaxSize) {
  ScopedTempDir tmp;
  auto b = MustOpen({.path = tmp.path(), .max_size = 16 << 20, .initial_map_size = 1 << 20});
  ASSERT_TRUE(b);
  EXPECT_EQ(b->map_size(), size_t{1} << 20);
  const std::string value(1 << 20, 'g');
  ASSERT_TRUE(b->Put("seed", "s"));
  // Readers run while the map is remapped; they must keep seeing consistent data.
  std::atomic<bool> stop = false;
  std::atomic<int> bad_reads = 0;
  std::vector<std::thread> readers;
  for (int t = 0; t < 2; ++t) {
    readers.emplace_back([&] {
      while (!stop.load()) {
        auto got = b->Get("seed");
        auto listed = b->List("");
        if (!got || *got != "s" || !listed || listed->empty()) ++bad_reads;
      }
    });
  }
  for (int i = 0; i < 4; ++i) EXPECT_TRUE(b->Put("g" + std::to_string(i), value)) << i;
  stop = true;
  for (auto& th : readers) th.join();
  EXPECT_EQ(bad_reads.load(), 0);
  EXPECT_GT(b->map_size(), size_t{4} << 20);
  EXPECT_LE(b->map_size(), size_t{16} << 20);
  for (int i = 0; i < 4; ++i) EXPECT_EQ(*b->Get("g" + std::to_string(i)), value);
}

TEST(LmdbBackendTest, ConcurrentWritersShareCommits) {
  ScopedTempDir tmp;
  auto b = MustOpen({.path = tmp.path()});
  ASSERT_TRUE(b);
  constexpr int kThreads = 8, kPuts = 25;
  std::vector<std::thread> threads;
  std::atomic<int> failures = 0;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPuts; ++i) {
        if (!b->Put("w/" + std::to_string(t) + "/" + std::to_string(i), "v")) ++failures;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(b->committed_writers(), uint64_t{kThreads * kPuts});
  EXPECT_LT(b->commit_groups(), b->committed_writers());
  EXPECT_EQ(b->List("w/")->size(), size_t{kThreads});
}

}  // namespace
}  // namespace arca::storage

namespace arca::storage {
namespace {

// "RssFile:" of this process in kB.
long RssFileKb() {
  std::ifstream f("/proc/self/status");
  std::string line;
  while (std::getline(f, line)) {
    if (line.rfind("RssFile:", 0) == 0) return std::stol(line.substr(8));
  }
  return -1;
}

TEST(LmdbMemoryTest, ReleaseMappedMemoryDropsScannedPagesNotData) {
  ScopedTempDir tmp;
  auto b = MustOpen({.path = tmp.path()});
  ASSERT_TRUE(b);
  const std::string value(4000, 'v');
  std::vector<Operation> batch;
  for (int i = 0; i < 8000; ++i) {  // about 32 MB of pages
    batch.push_back(Operation{Operation::Kind::kPut, "k/" + std::to_string(i), value});
    if (batch.size() == 500) {
      ASSERT_TRUE(b->Commit(batch));
      batch.clear();
    }
  }
  for (int i = 0; i < 8000; ++i) ASSERT_TRUE(b->Get("k/" + std::to_string(i)));  // map it all
  const long before = RssFileKb();
  b->ReleaseMappedMemory();
  const long after = RssFileKb();
  EXPECT_GT(before - after, 20 * 1024) << "before " << before << " kB, after " << after << " kB";
  auto again = b->Get("k/7999");  // the data is still there, faulted back in
  ASSERT_TRUE(again && *again);
  EXPECT_EQ(**again, value);
}

}  // namespace
}  // namespace arca::storage
