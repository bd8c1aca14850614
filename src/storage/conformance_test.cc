// The conformance suite (see conformance.h) and its instantiations for the built-in backends.
#include "storage/conformance.h"

#include <algorithm>
#include <atomic>
#include <map>
#include <random>
#include <set>
#include <thread>

#include "storage/lmdb/lmdb_backend.h"

namespace arca::storage::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using Strings = std::vector<std::string>;

std::optional<std::string> MustGet(Backend& b, std::string_view key) {
  auto got = b.Get(key);
  EXPECT_TRUE(got) << got.error().ToString();
  return got ? *got : std::nullopt;
}

Strings MustList(Backend& b, std::string_view prefix) {
  auto got = b.List(prefix);
  EXPECT_TRUE(got) << got.error().ToString();
  return got ? *got : Strings{};
}

void MustPut(Backend& b, std::string_view key, std::string_view value) {
  auto s = b.Put(key, value);
  ASSERT_TRUE(s) << s.error().ToString();
}

void MustDelete(Backend& b, std::string_view key) {
  auto s = b.Delete(key);
  ASSERT_TRUE(s) << s.error().ToString();
}

// An independent model of the listing rule, from a set of keys.
Strings ModelList(const std::set<std::string>& keys, std::string_view prefix) {
  std::set<std::string> names;
  for (const std::string& key : keys) {
    if (key.size() <= prefix.size() || key.compare(0, prefix.size(), prefix) != 0) continue;
    std::string rest = key.substr(prefix.size());
    size_t slash = rest.find('/');
    names.insert(slash == std::string::npos ? rest : rest.substr(0, slash + 1));
  }
  return Strings(names.begin(), names.end());
}

TEST_P(BackendConformanceTest, TypeIsNamed) { EXPECT_FALSE(b().Type().empty()); }

TEST_P(BackendConformanceTest, GetMissingIsNullopt) {
  EXPECT_EQ(MustGet(b(), "missing"), std::nullopt);
  EXPECT_EQ(MustGet(b(), "missing/deeper"), std::nullopt);
}

TEST_P(BackendConformanceTest, PutGetOverwriteDelete) {
  MustPut(b(), "k", "v1");
  EXPECT_EQ(MustGet(b(), "k"), "v1");
  MustPut(b(), "k", "second value");
  EXPECT_EQ(MustGet(b(), "k"), "second value");
  MustPut(b(), "k", "");  // an empty value is a value, not an absence
  EXPECT_EQ(MustGet(b(), "k"), "");
  MustDelete(b(), "k");
  EXPECT_EQ(MustGet(b(), "k"), std::nullopt);
  EXPECT_THAT(MustList(b(), ""), IsEmpty());
}

TEST_P(BackendConformanceTest, DeleteMissingSucceeds) {
  MustDelete(b(), "never/written");
  MustPut(b(), "a", "1");
  MustDelete(b(), "a");
  MustDelete(b(), "a");
  EXPECT_EQ(MustGet(b(), "a"), std::nullopt);
}

TEST_P(BackendConformanceTest, EmptyKeyIsInvalidRequest) {
  auto get = b().Get("");
  ASSERT_FALSE(get);
  EXPECT_EQ(get.error().kind(), ErrorKind::kInvalidRequest);
  auto put = b().Put("", "v");
  ASSERT_FALSE(put);
  EXPECT_EQ(put.error().kind(), ErrorKind::kInvalidRequest);
  auto del = b().Delete("");
  ASSERT_FALSE(del);
  EXPECT_EQ(del.error().kind(), ErrorKind::kInvalidRequest);
  EXPECT_THAT(MustList(b(), ""), IsEmpty());
}

TEST_P(BackendConformanceTest, ListRootAndNested) {
  for (const char* k : {"foo", "bar/baz", "bar/qux/x", "bar/qux/y", "zip/zap/zop", "bar0"}) {
    MustPut(b(), k, k);
  }
  EXPECT_THAT(MustList(b(), ""), ElementsAre("bar/", "bar0", "foo", "zip/"));
  EXPECT_THAT(MustList(b(), "bar/"), ElementsAre("baz", "qux/"));
  EXPECT_THAT(MustList(b(), "bar/qux/"), ElementsAre("x", "y"));
  EXPECT_THAT(MustList(b(), "zip/"), ElementsAre("zap/"));
  EXPECT_THAT(MustList(b(), "zip/zap/"), ElementsAre("zop"));
}

TEST_P(BackendConformanceTest, ListEmptyOrMissingPrefixIsEmpty) {
  EXPECT_THAT(MustList(b(), ""), IsEmpty());
  EXPECT_THAT(MustList(b(), "nope/"), IsEmpty());
  MustPut(b(), "some/key", "v");
  EXPECT_THAT(MustList(b(), "nope/"), IsEmpty());
  EXPECT_THAT(MustList(b(), "some/key/"), IsEmpty());
  EXPECT_THAT(MustList(b(), "som/"), IsEmpty());
}

TEST_P(BackendConformanceTest, KeysSharingPrefixes) {
  for (const char* k : {"a", "a/", "a/b", "ab"}) MustPut(b(), k, std::string("v") + k);
  EXPECT_THAT(MustList(b(), ""), ElementsAre("a", "a/", "ab"));
  EXPECT_THAT(MustList(b(), "a/"), ElementsAre("b"));  // the key "a/" is not its own child
  EXPECT_EQ(MustGet(b(), "a"), "va");
  EXPECT_EQ(MustGet(b(), "a/"), "va/");
  EXPECT_EQ(MustGet(b(), "a/b"), "va/b");
  EXPECT_EQ(MustGet(b(), "ab"), "vab");
  MustDelete(b(), "a/b");
  EXPECT_THAT(MustList(b(), ""), ElementsAre("a", "a/", "ab"));
  EXPECT_THAT(MustList(b(), "a/"), IsEmpty());
  MustDelete(b(), "a/");
  EXPECT_THAT(MustList(b(), ""), ElementsAre("a", "ab"));
}

TEST_P(BackendConformanceTest, ListMatchesModelSortedWithoutDuplicates) {
  // Keys over an alphabet around '/' ('.' < '/' < '0') and 0xff, to stress folder skipping.
  const std::string alphabet = std::string("ab/.0") + '\xff';
  std::mt19937 rng(42);
  std::set<std::string> keys;
  while (keys.size() < 80) {
    std::string key(1 + rng() % 6, 'a');
    for (char& c : key) c = alphabet[rng() % alphabet.size()];
    keys.insert(key);
  }
  for (const std::string& k : keys) MustPut(b(), k, k);
  std::set<std::string> prefixes = {""};
  for (const std::string& k : keys) {
    for (size_t i = 0; i < k.size(); ++i) {
      if (k[i] == '/') prefixes.insert(k.substr(0, i + 1));
    }
  }
  for (const std::string& p : prefixes) {
    Strings got = MustList(b(), p);
    EXPECT_EQ(got, ModelList(keys, p)) << "prefix '" << p << "'";
    EXPECT_TRUE(std::is_sorted(got.begin(), got.end()));
    EXPECT_EQ(std::adjacent_find(got.begin(), got.end()), got.end());
  }
}

TEST_P(BackendConformanceTest, OneMiBValues) {
  std::string big(1 << 20, '\0');
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>((i * 131 + i / 977) & 0xff);
  MustPut(b(), "big/one", big);
  std::string bigger = big + big + "tail";
  MustPut(b(), "big/two", bigger);
  EXPECT_EQ(MustGet(b(), "big/one"), big);
  EXPECT_EQ(MustGet(b(), "big/two"), bigger);
  MustPut(b(), "big/one", "small");
  EXPECT_EQ(MustGet(b(), "big/one"), "small");
  EXPECT_THAT(MustList(b(), "big/"), ElementsAre("one", "two"));
}

TEST_P(BackendConformanceTest, BinaryKeysAndValues) {
  const std::string key1("bin/\0a\xff", 7), key2("bin/\xff\xfe/\0", 8), key3("bin/\0", 5);
  std::string value;
  for (int i = 0; i < 256; ++i) value.push_back(static_cast<char>(i));
  MustPut(b(), key1, value);
  MustPut(b(), key2, std::string("\0\0\0", 3));
  MustPut(b(), key3, "");
  EXPECT_EQ(MustGet(b(), key1), value);
  EXPECT_EQ(MustGet(b(), key2), std::string("\0\0\0", 3));
  EXPECT_EQ(MustGet(b(), key3), "");
  EXPECT_EQ(MustGet(b(), std::string("bin/\0b", 6)), std::nullopt);
  EXPECT_THAT(MustList(b(), "bin/"), ElementsAre(std::string("\0", 1), std::string("\0a\xff", 3),
                                                 std::string("\xff\xfe/", 3)));
  EXPECT_THAT(MustList(b(), "bin/\xff\xfe/"), ElementsAre(std::string("\0", 1)));
  MustDelete(b(), key1);
  EXPECT_EQ(MustGet(b(), key1), std::nullopt);
}

TEST_P(BackendConformanceTest, TransactionalCommitAppliesAll) {
  Transactional* tx = b().AsTransactional();
  if (tx == nullptr) GTEST_SKIP() << "backend is not transactional";
  MustPut(b(), "t/old", "x");
  std::vector<Operation> ops = {
      {Operation::Kind::kPut, "t/a", "1"},
      {Operation::Kind::kPut, "t/b", "2"},
      {Operation::Kind::kDelete, "t/old", ""},
      {Operation::Kind::kPut, "t/a", "3"},  // later ops win
      {Operation::Kind::kDelete, "t/never", ""},
  };
  auto s = tx->Commit(ops);
  ASSERT_TRUE(s) << s.error().ToString();
  EXPECT_EQ(MustGet(b(), "t/a"), "3");
  EXPECT_EQ(MustGet(b(), "t/b"), "2");
  EXPECT_EQ(MustGet(b(), "t/old"), std::nullopt);
  EXPECT_THAT(MustList(b(), "t/"), ElementsAre("a", "b"));
  EXPECT_TRUE(tx->Commit({}));
}

TEST_P(BackendConformanceTest, TransactionalCommitIsAllOrNothing) {
  Transactional* tx = b().AsTransactional();
  if (tx == nullptr) GTEST_SKIP() << "backend is not transactional";
  MustPut(b(), "t/keep", "original");
  std::vector<Operation> ops = {
      {Operation::Kind::kPut, "t/new", "1"},
      {Operation::Kind::kDelete, "t/keep", ""},
      {Operation::Kind::kPut, "", "bad key"},
  };
  auto s = tx->Commit(ops);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().kind(), ErrorKind::kInvalidRequest);
  EXPECT_EQ(MustGet(b(), "t/new"), std::nullopt);
  EXPECT_EQ(MustGet(b(), "t/keep"), "original");
}

TEST_P(BackendConformanceTest, TransactionalCommitIsAtomicForReaders) {
  Transactional* tx = b().AsTransactional();
  if (tx == nullptr) GTEST_SKIP() << "backend is not transactional";
  // Batch n replaces {n-1}a, {n-1}b by {n}a, {n}b: a reader must always see exactly one pair.
  constexpr int kBatches = 30;
  auto name = [](int n, char c) { return "x/" + std::to_string(1000 + n) + c; };
  ASSERT_TRUE(tx->Commit(std::vector<Operation>{{Operation::Kind::kPut, name(0, 'a'), "0"},
                                                {Operation::Kind::kPut, name(0, 'b'), "0"}}));
  std::atomic<bool> stop = false;
  std::atomic<int> torn = 0, reads = 0;
  std::thread reader([&] {
    while (!stop.load()) {
      auto listed = b().List("x/");
      if (!listed || listed->size() != 2 ||
          (*listed)[0].substr(0, 4) != (*listed)[1].substr(0, 4)) {
        ++torn;
      }
      ++reads;
    }
  });
  for (int n = 1; n <= kBatches; ++n) {
    std::vector<Operation> ops = {{Operation::Kind::kDelete, name(n - 1, 'a'), ""},
                                  {Operation::Kind::kPut, name(n, 'a'), "v"},
                                  {Operation::Kind::kDelete, name(n - 1, 'b'), ""},
                                  {Operation::Kind::kPut, name(n, 'b'), "v"}};
    auto s = tx->Commit(ops);
    ASSERT_TRUE(s) << s.error().ToString();
  }
  while (reads.load() < 10) std::this_thread::yield();
  stop = true;
  reader.join();
  EXPECT_EQ(torn.load(), 0);
  EXPECT_THAT(MustList(b(), "x/"),
              ElementsAre(name(kBatches, 'a').substr(2), name(kBatches, 'b').substr(2)));
}

TEST_P(BackendConformanceTest, ConcurrentMixedOperations) {
  constexpr int kThreads = 4, kOps = 500, kKeysPerThread = 40;
  std::vector<std::map<std::string, std::string>> models(kThreads);
  std::atomic<int> failures = 0;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      std::mt19937 rng(t + 1);
      auto& model = models[t];
      const std::string dir = "c/t" + std::to_string(t) + "/";
      for (int i = 0; i < kOps; ++i) {
        std::string key = dir + "k" + std::to_string(rng() % kKeysPerThread);
        int dice = rng() % 10;
        if (dice < 5) {
          std::string value = key + "#" + std::to_string(i);
          if (!b().Put(key, value)) ++failures;
          model[key] = value;
        } else if (dice < 8) {
          auto got = b().Get(key);
          auto it = model.find(key);
          std::optional<std::string> want;
          if (it != model.end()) want = it->second;
          if (!got || *got != want) ++failures;
        } else if (dice < 9) {
          if (!b().Delete(key)) ++failures;
          model.erase(key);
        } else {
          auto listed = b().List(dir);
          if (!listed || listed->size() != model.size()) ++failures;
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  Strings want_root;
  for (int t = 0; t < kThreads; ++t) {
    const std::string dir = "c/t" + std::to_string(t) + "/";
    if (!models[t].empty()) want_root.push_back("t" + std::to_string(t) + "/");
    Strings want;
    for (const auto& [key, value] : models[t]) {
      want.push_back(key.substr(dir.size()));
      EXPECT_EQ(MustGet(b(), key), value);
    }
    std::sort(want.begin(), want.end());
    EXPECT_EQ(MustList(b(), dir), want);
  }
  EXPECT_EQ(MustList(b(), "c/"), want_root);
}

Result<std::unique_ptr<Backend>> MakeInmem(const std::string&) { return NewInmemBackend({}); }

Result<std::unique_ptr<Backend>> MakeLmdb(const std::string& dir) {
  return NewLmdbBackend({{"path", dir + "/db"}}, "lmdb");
}

// A map that starts at 1 MiB and must grow during the suite (1 MiB values, many writes).
Result<std::unique_ptr<Backend>> MakeLmdbGrowing(const std::string& dir) {
  LmdbOptions options{.path = dir, .max_size = 64 << 20, .initial_map_size = 1 << 20};
  ARCA_ASSIGN_OR_RETURN(auto backend, LmdbBackend::Open(options));
  return std::unique_ptr<Backend>(std::move(backend));
}

INSTANTIATE_TEST_SUITE_P(Inmem, BackendConformanceTest,
                         ::testing::Values(ConformanceParam{"inmem", &MakeInmem}),
                         ConformanceParamName);
INSTANTIATE_TEST_SUITE_P(Lmdb, BackendConformanceTest,
                         ::testing::Values(ConformanceParam{"lmdb", &MakeLmdb},
                                           ConformanceParam{"lmdb_growing", &MakeLmdbGrowing}),
                         ConformanceParamName);

}  // namespace
}  // namespace arca::storage::testing
