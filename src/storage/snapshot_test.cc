// The snapshot file format (snapshot.h) and Snapshottable on inmem and LMDB.
#include "storage/snapshot.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>

#include "storage/cache.h"
#include "storage/lmdb/lmdb_backend.h"
#include "storage/test_util.h"

namespace arca::storage {
namespace {

using testing::ScopedTempDir;
using Entries = std::map<std::string, std::string>;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}
void WriteFile(const std::string& path, std::string_view data) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(data.data(), static_cast<std::streamsize>(data.size()));
}

Entries All(Snapshottable& s) {
  Entries out;
  auto st = s.VisitAll([&](std::string_view k, std::string_view v) -> Status {
    out.emplace(std::string(k), std::string(v));
    return OkStatus();
  });
  EXPECT_TRUE(st) << st.error().ToString();
  return out;
}

Entries FromSource(const EntrySource& source) {
  Entries out;
  std::string k, v;
  for (;;) {
    auto more = source(&k, &v);
    EXPECT_TRUE(more) << more.error().ToString();
    if (!more || !*more) break;
    out.emplace(k, v);
  }
  return out;
}

// Without the 1 MiB value: for the tests that open many damaged copies.
Entries SmallSample() {
  Entries e;
  for (int i = 0; i < 200; ++i) {
    e["logical/" + std::to_string(i % 7) + "/key" + std::to_string(i)] =
        "value-" + std::to_string(i * 7919);
  }
  e["core/keyring"] = std::string("\x00\x01\xff binary\n", 11);
  e["empty-value"] = "";
  return e;
}

Entries Sample() {
  Entries e = SmallSample();
  e["z/big"] = std::string(1 << 20, 'x');
  return e;
}

std::unique_ptr<Backend> Inmem(const Entries& e) {
  auto b = NewInmemBackend({});
  EXPECT_TRUE(b);
  for (const auto& [k, v] : e) EXPECT_TRUE((*b)->Put(k, v));
  return std::move(*b);
}

// Writes a snapshot of `b` to `path`.
snapshot::Meta Save(Backend& b, const std::string& path) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  EXPECT_GE(fd, 0);
  auto meta = snapshot::Write(*b.AsSnapshottable(), b.Type(), fd);
  ::close(fd);
  EXPECT_TRUE(meta) << meta.error().ToString();
  return meta ? *meta : snapshot::Meta{};
}

// The members of a (valid) snapshot, decompressed, in order.
std::vector<std::pair<std::string, std::string>> Members(const std::string& path) {
  std::vector<std::pair<std::string, std::string>> out;
  archive* a = archive_read_new();
  archive_read_support_filter_gzip(a);
  archive_read_support_format_tar(a);
  EXPECT_EQ(archive_read_open_filename(a, path.c_str(), 10240), ARCHIVE_OK);
  archive_entry* entry = nullptr;
  while (archive_read_next_header(a, &entry) == ARCHIVE_OK) {
    std::string data(archive_entry_size(entry), '\0');
    EXPECT_EQ(archive_read_data(a, data.data(), data.size()), static_cast<la_ssize_t>(data.size()));
    out.emplace_back(archive_entry_pathname(entry), data);
  }
  archive_read_free(a);
  return out;
}

// Builds a gzip'd tar of `members` at `path` (for crafted, wrong snapshots).
void BuildArchive(const std::string& path,
                  const std::vector<std::pair<std::string, std::string>>& members) {
  archive* a = archive_write_new();
  archive_write_add_filter_gzip(a);
  archive_write_set_format_pax_restricted(a);
  archive_write_set_bytes_in_last_block(a, 1);
  ASSERT_EQ(archive_write_open_filename(a, path.c_str()), ARCHIVE_OK);
  for (const auto& [name, data] : members) {
    archive_entry* entry = archive_entry_new();
    archive_entry_set_pathname(entry, name.c_str());
    archive_entry_set_filetype(entry, AE_IFREG);
    archive_entry_set_perm(entry, 0600);
    archive_entry_set_size(entry, static_cast<la_int64_t>(data.size()));
    ASSERT_EQ(archive_write_header(a, entry), ARCHIVE_OK);
    archive_entry_free(entry);
    ASSERT_EQ(archive_write_data(a, data.data(), data.size()),
              static_cast<la_ssize_t>(data.size()));
  }
  archive_write_close(a);
  archive_write_free(a);
}

std::string HexSha(std::string_view s) {
  unsigned char md[32];
  unsigned int n = 0;
  EVP_Digest(s.data(), s.size(), md, &n, EVP_sha256(), nullptr);
  static const char d[] = "0123456789abcdef";
  std::string out;
  for (unsigned i = 0; i < n; ++i) {
    out.push_back(d[md[i] >> 4]);
    out.push_back(d[md[i] & 15]);
  }
  return out;
}
std::string Sums(std::string_view meta, std::string_view state) {
  return HexSha(meta) + "  meta.json\n" + HexSha(state) + "  state.bin\n";
}

// Open must refuse `path` with InvalidRequest and a message containing `needle`.
void ExpectRefused(const std::string& path, std::string_view needle) {
  auto r = snapshot::Reader::Open(path);
  ASSERT_FALSE(r) << "accepted; expected refusal with '" << needle << "'";
  EXPECT_EQ(r.error().kind(), ErrorKind::kInvalidRequest) << r.error().ToString();
  EXPECT_NE(r.error().message().find(needle), std::string::npos) << r.error().message();
}

class SnapshotFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    source_ = Inmem(Sample());
    small_ = Inmem(SmallSample());
    small_path_ = dir_.path() + "/small.tar.gz";
    Save(*small_, small_path_);
    path_ = dir_.path() + "/snap.tar.gz";
    meta_ = Save(*source_, path_);
  }
  std::string Other(std::string_view name) { return dir_.path() + "/" + std::string(name); }

  ScopedTempDir dir_;
  std::unique_ptr<Backend> source_, small_;
  std::string path_, small_path_;
  snapshot::Meta meta_;
};

TEST_F(SnapshotFileTest, RoundTripsEveryEntryAndTheMeta) {
  EXPECT_EQ(meta_.entries, Sample().size());
  EXPECT_EQ(meta_.backend, "inmem");
  EXPECT_EQ(meta_.version, 1);
  EXPECT_FALSE(meta_.id.empty());
  auto reader = snapshot::Reader::Open(path_);
  ASSERT_TRUE(reader) << reader.error().ToString();
  EXPECT_EQ((*reader)->meta().entries, meta_.entries);
  EXPECT_EQ((*reader)->meta().state_bytes, meta_.state_bytes);
  EXPECT_EQ((*reader)->meta().id, meta_.id);
  EXPECT_EQ(FromSource((*reader)->Entries()), Sample());
  // Each Entries() starts over.
  EXPECT_EQ(FromSource((*reader)->Entries()), Sample());
  auto found = (*reader)->Find("core/keyring");
  ASSERT_TRUE(found);
  EXPECT_EQ(*found, Sample()["core/keyring"]);
  auto absent = (*reader)->Find("core/nope");
  ASSERT_TRUE(absent);
  EXPECT_FALSE(absent->has_value());

  // Restored into another backend, it holds exactly the snapshot's entries.
  auto target = Inmem({{"stale/key", "old"}});
  ASSERT_TRUE(target->AsSnapshottable()->ReplaceAll((*reader)->Entries()));
  EXPECT_EQ(All(*target->AsSnapshottable()), Sample());

  // The members, as Vault's raft snapshots name them, in that order.
  auto members = Members(path_);
  ASSERT_EQ(members.size(), 3u);
  EXPECT_EQ(members[0].first, "meta.json");
  EXPECT_EQ(members[1].first, "state.bin");
  EXPECT_EQ(members[2].first, "SHA256SUMS");
  EXPECT_EQ(members[2].second, Sums(members[0].second, members[1].second));
  EXPECT_EQ(members[1].second.size(), meta_.state_bytes);
}

TEST(SnapshotTest, EmptyBackendRoundTrips) {
  ScopedTempDir dir;
  auto empty = Inmem({});
  auto meta = Save(*empty, dir.path() + "/s");
  EXPECT_EQ(meta.entries, 0u);
  auto reader = snapshot::Reader::Open(dir.path() + "/s");
  ASSERT_TRUE(reader) << reader.error().ToString();
  EXPECT_TRUE(FromSource((*reader)->Entries()).empty());
}

TEST_F(SnapshotFileTest, RefusesEveryTruncation) {
  const std::string full = ReadFile(small_path_);
  ASSERT_GT(full.size(), 100u);
  for (size_t n = 0; n < full.size(); ++n) {
    WriteFile(Other("t"), std::string_view(full).substr(0, n));
    auto r = snapshot::Reader::Open(Other("t"));
    ASSERT_FALSE(r) << "a snapshot truncated to " << n << " of " << full.size()
                    << " bytes was accepted";
    ASSERT_EQ(r.error().kind(), ErrorKind::kInvalidRequest) << r.error().ToString();
    if (n == 0) {
      EXPECT_EQ(r.error().message(), "not a snapshot: the file is empty");
    } else if (n >= 10) {
      EXPECT_NE(r.error().message().find("truncated"), std::string::npos)
          << n << ": " << r.error().message();
    }
  }
}

TEST_F(SnapshotFileTest, FlippedBytesAreRefusedOrChangeNothing) {
  const std::string full = ReadFile(small_path_);
  size_t refused = 0, tried = 0;
  for (size_t i = 0; i < full.size(); ++i) {
    if (i >= 4 && i <= 9) continue;  // gzip header's mtime, flags and OS: not data
    for (unsigned char mask : {static_cast<unsigned char>(i % 2 ? 0x01 : 0x80)}) {
      std::string bad = full;
      bad[i] = static_cast<char>(bad[i] ^ mask);
      WriteFile(Other("f"), bad);
      ++tried;
      auto r = snapshot::Reader::Open(Other("f"));
      if (!r) {
        ++refused;
        ASSERT_EQ(r.error().kind(), ErrorKind::kInvalidRequest) << i << ": " << r.error().ToString();
        continue;
      }
      // A flip in bits the decoder ignores: accepted only if the content is unchanged.
      ASSERT_EQ(FromSource((*r)->Entries()), SmallSample()) << "flip at byte " << i << " changed data";
    }
  }
  EXPECT_GT(refused * 100, tried * 95) << refused << " of " << tried;
}

TEST_F(SnapshotFileTest, RefusesGarbageAndTrailingData) {
  WriteFile(Other("g"), "this is not a snapshot at all, just some text\n");
  ExpectRefused(Other("g"), "not a snapshot: not gzip data");
  WriteFile(Other("trail"), ReadFile(path_) + "x");
  ExpectRefused(Other("trail"), "data after the end of the gzip stream");
  WriteFile(Other("twice"), ReadFile(path_) + ReadFile(path_));
  ExpectRefused(Other("twice"), "data after the end of the gzip stream");
  // A gzip'd file that is not a tar.
  BuildArchive(Other("empty-tar"), {});
  ExpectRefused(Other("empty-tar"), "the archive is empty");
  ExpectRefused(Other("does-not-exist"), "cannot open snapshot");
}

TEST_F(SnapshotFileTest, RefusesWrongMembers) {
  auto m = Members(path_);
  const std::string meta = m[0].second, state = m[1].second, sums = m[2].second;

  BuildArchive(Other("order"), {{"state.bin", state}, {"meta.json", meta}, {"SHA256SUMS", sums}});
  ExpectRefused(Other("order"), "expected member meta.json, found state.bin");
  BuildArchive(Other("nosums"), {{"meta.json", meta}, {"state.bin", state}});
  ExpectRefused(Other("nosums"), "SHA256SUMS is missing");
  BuildArchive(Other("nostate"), {{"meta.json", meta}});
  ExpectRefused(Other("nostate"), "state.bin is missing");
  BuildArchive(Other("extra"), {{"meta.json", meta}, {"state.bin", state}, {"SHA256SUMS", sums},
                                {"evil", "x"}});
  ExpectRefused(Other("extra"), "unexpected member evil");
  // A checksum that does not match.
  std::string bad_sums = sums;
  bad_sums[76] = bad_sums[76] == '0' ? '1' : '0';  // first char of state.bin's sum
  BuildArchive(Other("sum"), {{"meta.json", meta}, {"state.bin", state}, {"SHA256SUMS", bad_sums}});
  ExpectRefused(Other("sum"), "checksum mismatch for state.bin");
  BuildArchive(Other("sums-garbage"),
               {{"meta.json", meta}, {"state.bin", state}, {"SHA256SUMS", "nonsense\n"}});
  ExpectRefused(Other("sums-garbage"), "SHA256SUMS is malformed");
  // meta.json altered with a matching checksum: its counts must still match state.bin.
  std::string meta2 = meta;
  meta2.replace(meta2.find("\"entries\":"), 10, "\"entries\":1");
  BuildArchive(Other("meta"), {{"meta.json", meta2}, {"state.bin", state},
                               {"SHA256SUMS", Sums(meta2, state)}});
  ExpectRefused(Other("meta"), "meta.json does not match state.bin");
}

TEST_F(SnapshotFileTest, RefusesBadFramingEvenWithMatchingChecksums) {
  auto m = Members(path_);
  const std::string meta = m[0].second, state = m[1].second;
  auto build = [&](std::string_view name, const std::string& st) {
    BuildArchive(Other(name), {{"meta.json", meta}, {"state.bin", st}, {"SHA256SUMS", Sums(meta, st)}});
  };
  std::string magic = state;
  magic[0] = 'X';
  build("magic", magic);
  ExpectRefused(Other("magic"), "wrong magic");
  std::string version = state;
  version[11] = 9;
  build("version", version);
  ExpectRefused(Other("version"), "snapshot format version 9 is not supported");
  // End marker count off by one.
  std::string count = state;
  count[count.size() - 1] = static_cast<char>(count[count.size() - 1] + 1);
  build("count", count);
  ExpectRefused(Other("count"), "end marker counts");
  // Cut inside the framing (no end marker).
  build("cut", state.substr(0, state.size() / 2));
  ExpectRefused(Other("cut"), "state.bin ends inside");
  build("tail", state + "x");
  ExpectRefused(Other("tail"), "data after state.bin's end marker");
  std::string tag = state;
  tag[12] = 7;  // first record's type
  build("tag", tag);
  ExpectRefused(Other("tag"), "unknown record type");
}

TEST_F(SnapshotFileTest, ChangedAfterVerificationIsCaughtByEntries) {
  auto reader = snapshot::Reader::Open(path_);
  ASSERT_TRUE(reader);
  // Replace the file with another valid snapshot: Entries notices state.bin changed.
  auto other = Inmem({{"a", "b"}});
  Save(*other, path_);
  EntrySource source = (*reader)->Entries();
  std::string k, v;
  Result<bool> r = true;
  while (r && *r) r = source(&k, &v);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("changed since"), std::string::npos) << r.error().message();
}

// ---- Snapshottable on LMDB ----

std::unique_ptr<LmdbBackend> OpenLmdb(const std::string& path) {
  LmdbOptions options;
  options.path = path;
  options.max_size = size_t{256} << 20;
  auto b = LmdbBackend::Open(options);
  EXPECT_TRUE(b) << b.error().ToString();
  return b ? std::move(*b) : nullptr;
}

TEST(LmdbSnapshotTest, RoundTripReplacesEverythingDurably) {
  ScopedTempDir dir;
  std::string snap = dir.path() + "/snap";
  {
    auto src = OpenLmdb(dir.path() + "/src");
    for (const auto& [k, v] : Sample()) ASSERT_TRUE(src->Put(k, v));
    EXPECT_EQ(All(*src), Sample());
    Save(*src, snap);
  }
  auto reader = snapshot::Reader::Open(snap);
  ASSERT_TRUE(reader) << reader.error().ToString();
  EXPECT_EQ((*reader)->meta().backend, "file");
  {
    auto dst = OpenLmdb(dir.path() + "/dst");
    ASSERT_TRUE(dst->Put("stale/entry", "gone after restore"));
    ASSERT_TRUE(dst->Put("0-before-everything", "x"));
    auto st = dst->ReplaceAll((*reader)->Entries());
    ASSERT_TRUE(st) << st.error().ToString();
    EXPECT_EQ(All(*dst), Sample());
    // Normal writes go on afterwards.
    ASSERT_TRUE(dst->Put("after", "1"));
  }
  auto reopened = OpenLmdb(dir.path() + "/dst");
  Entries expected = Sample();
  expected["after"] = "1";
  EXPECT_EQ(All(*reopened), expected);
}

TEST(LmdbSnapshotTest, FailingSourceChangesNothing) {
  ScopedTempDir dir;
  auto b = OpenLmdb(dir.path() + "/db");
  ASSERT_TRUE(b->Put("keep/a", "1"));
  ASSERT_TRUE(b->Put("keep/b", "2"));
  int n = 0;
  EntrySource failing = [&](std::string* k, std::string* v) -> Result<bool> {
    if (++n > 3) return InvalidRequest("snapshot is corrupted: test");
    *k = "new/" + std::to_string(n);
    *v = "x";
    return true;
  };
  auto st = b->ReplaceAll(failing);
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().message(), "snapshot is corrupted: test");
  EXPECT_EQ(All(*b), (Entries{{"keep/a", "1"}, {"keep/b", "2"}}));
  // Unsorted sources are accepted (migration from any order).
  std::vector<std::pair<std::string, std::string>> unsorted = {{"b", "2"}, {"a", "1"}, {"c", "3"}};
  size_t i = 0;
  ASSERT_TRUE(b->ReplaceAll([&](std::string* k, std::string* v) -> Result<bool> {
    if (i == unsorted.size()) return false;
    *k = unsorted[i].first;
    *v = unsorted[i].second;
    ++i;
    return true;
  }));
  EXPECT_EQ(All(*b), (Entries{{"a", "1"}, {"b", "2"}, {"c", "3"}}));
}

// A snapshot taken while writers run is one point in time: every batch (a pair of keys written
// in one transaction) is in it whole or not at all, and every write acknowledged before the
// snapshot started is in it.
void ConsistentWhileWriting(Backend& b) {
  std::atomic<bool> stop{false};
  std::atomic<int> acked{0};
  std::vector<std::thread> writers;
  for (int w = 0; w < 4; ++w) {
    writers.emplace_back([&, w] {
      for (int i = 0; i < 5000 && !stop.load(); ++i) {
        std::string id = std::to_string(w) + "-" + std::to_string(i);
        std::vector<Operation> ops = {{Operation::Kind::kPut, "a/" + id, id},
                                      {Operation::Kind::kPut, "b/" + id, id}};
        if (!b.AsTransactional()->Commit(ops)) return;
        acked.fetch_add(1);
      }
    });
  }
  ScopedTempDir dir;
  for (int round = 0; round < 3; ++round) {
    while (acked.load() < 200 * (round + 1) && acked.load() < 4 * 5000) std::this_thread::yield();
    // Entries acknowledged before the snapshot begins.
    Entries before = All(*b.AsSnapshottable());
    Save(b, dir.path() + "/s");
    auto reader = snapshot::Reader::Open(dir.path() + "/s");
    ASSERT_TRUE(reader) << reader.error().ToString();
    Entries snap = FromSource((*reader)->Entries());
    for (const auto& [k, v] : before) ASSERT_TRUE(snap.count(k)) << k << " lost";
    size_t a = 0;
    for (const auto& [k, v] : snap) {
      std::string_view id = std::string_view(k).substr(2);
      if (k[0] == 'a') {
        ++a;
        ASSERT_TRUE(snap.count("b/" + std::string(id))) << "torn batch " << id;
      } else {
        ASSERT_TRUE(snap.count("a/" + std::string(id))) << "torn batch " << id;
      }
    }
    EXPECT_EQ(snap.size(), 2 * a);
    EXPECT_GE(snap.size(), before.size());
  }
  stop = true;
  for (auto& t : writers) t.join();
}

TEST(LmdbSnapshotTest, ConsistentWhileWritersRun) {
  ScopedTempDir dir;
  auto b = OpenLmdb(dir.path() + "/db");
  ConsistentWhileWriting(*b);
}

TEST(InmemSnapshotTest, ConsistentWhileWritersRun) {
  auto b = Inmem({});
  ConsistentWhileWriting(*b);
}

TEST(CachedSnapshotTest, ForwardsAndPurgesOnReplace) {
  CachedBackend cached(Inmem({{"a", "1"}, {"gone", "x"}}));
  ASSERT_NE(cached.AsSnapshottable(), nullptr);
  ASSERT_EQ(cached.Get("a")->value_or(""), "1");  // now cached
  ASSERT_EQ(cached.Get("gone")->value_or(""), "x");
  EXPECT_EQ(All(cached), (Entries{{"a", "1"}, {"gone", "x"}}));
  std::vector<std::pair<std::string, std::string>> next = {{"a", "2"}, {"b", "3"}};
  size_t i = 0;
  ASSERT_TRUE(cached.ReplaceAll([&](std::string* k, std::string* v) -> Result<bool> {
    if (i == next.size()) return false;
    *k = next[i].first;
    *v = next[i].second;
    ++i;
    return true;
  }));
  EXPECT_EQ(cached.Get("a")->value_or(""), "2");
  EXPECT_FALSE(cached.Get("gone")->has_value());
  EXPECT_EQ(All(cached), (Entries{{"a", "2"}, {"b", "3"}}));
}

}  // namespace
}  // namespace arca::storage
