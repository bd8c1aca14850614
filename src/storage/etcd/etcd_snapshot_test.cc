// Snapshottable on storage "etcd" against a real etcd (tests/services/etcd.h), over both
// transports: a scan pinned to one revision, paged; a restore that replaces everything but the
// HA election's keys, in batches within etcd's limits.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <map>

#include "services/etcd.h"
#include "services/services.h"
#include "storage/etcd/etcd_backend.h"
#include "storage/etcd/transport_testing.h"
#include "storage/snapshot.h"
#include "storage/test_util.h"

namespace arca::storage::etcd {
namespace {

ARCA_ETCD_TRANSPORT_SUITE(EtcdSnapshot);

using Entries = std::map<std::string, std::string>;

std::unique_ptr<Backend> Open(const std::string& what) {
  arca::testing::EtcdCluster& etcd = arca::testing::SharedEtcd();
  EXPECT_TRUE(etcd.ok()) << etcd.error();
  static std::atomic<int> n = 0;
  EtcdBackendOptions o;
  o.client.endpoints = {etcd.ClientUrl(0)};
  o.path = "/snap-" + what + "/" + std::to_string(::getpid()) + "-" + std::to_string(n++) + "/";
  o.sync = false;
  o.transport = TestTransport();
  auto b = NewEtcdBackend(o);
  EXPECT_TRUE(b) << b.error().ToString();
  return b ? std::move(*b) : nullptr;
}

Entries All(Backend& b) {
  Entries out;
  auto s = b.AsSnapshottable()->VisitAll([&](std::string_view k, std::string_view v) -> Status {
    EXPECT_TRUE(out.empty() || out.rbegin()->first < k) << "out of order: " << k;
    out.emplace(std::string(k), std::string(v));
    return OkStatus();
  });
  EXPECT_TRUE(s) << s.error().ToString();
  return out;
}

void Fill(Backend& b, const Entries& e) {
  std::vector<Operation> batch;
  for (const auto& [k, v] : e) {
    batch.push_back({Operation::Kind::kPut, k, v});
    if (batch.size() == 100) {
      ASSERT_TRUE(b.AsTransactional()->Commit(batch));
      batch.clear();
    }
  }
  if (!batch.empty()) ASSERT_TRUE(b.AsTransactional()->Commit(batch));
}

Entries Many(int n, const std::string& prefix) {
  Entries e;
  for (int i = 0; i < n; ++i) {
    e[prefix + std::to_string(100000 + i)] = "value-" + std::to_string(i) + std::string(i % 50, 'x');
  }
  return e;
}

TEST_P(EtcdSnapshot, ScanIsOnePointInTimeAcrossPages) {
  auto b = Open("scan");
  ASSERT_NE(b, nullptr);
  Entries e = Many(1300, "data/k");  // three pages
  ASSERT_NO_FATAL_FAILURE(Fill(*b, e));
  // The election's keys are not part of a snapshot.
  ASSERT_TRUE(b->Put("core/lock/12345", "a campaign"));
  Entries seen;
  bool changed = false;
  auto s = b->AsSnapshottable()->VisitAll([&](std::string_view k, std::string_view v) -> Status {
    if (!changed) {
      // Writes during the scan are not seen: a new key, a deleted and an overwritten one.
      changed = true;
      if (!b->Put("data/k999999", "new")) return Internal("put");
      if (!b->Delete("data/k101299")) return Internal("delete");
      if (!b->Put("data/k101000", "overwritten")) return Internal("put");
    }
    seen.emplace(std::string(k), std::string(v));
    return OkStatus();
  });
  ASSERT_TRUE(s) << s.error().ToString();
  EXPECT_EQ(seen, e);
  // A later scan sees them.
  Entries now = All(*b);
  EXPECT_EQ(now.count("data/k999999"), 1u);
  EXPECT_EQ(now.count("data/k101299"), 0u);
  EXPECT_EQ(now["data/k101000"], "overwritten");
  EXPECT_EQ(now.count("core/lock/12345"), 0u);
}

TEST_P(EtcdSnapshot, RestoreReplacesEverythingButTheElection) {
  arca::storage::testing::ScopedTempDir dir;
  const std::string path = dir.path() + "/snap";
  auto src = NewInmemBackend({});
  ASSERT_TRUE(src);
  Entries e = Many(700, "logical/x/");  // several txns of at most 128 keys
  e["core/keyring"] = std::string("\0\1binary", 8);
  e["big/value"] = std::string(700 * 1024, 'v');  // over one batch's bytes on its own
  for (const auto& [k, v] : e) ASSERT_TRUE((*src)->Put(k, v));
  {
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    ASSERT_GE(fd, 0);
    auto meta = snapshot::Write(*(*src)->AsSnapshottable(), "inmem", fd);
    ::close(fd);
    ASSERT_TRUE(meta) << meta.error().ToString();
  }
  auto reader = snapshot::Reader::Open(path);
  ASSERT_TRUE(reader) << reader.error().ToString();

  auto b = Open("restore");
  ASSERT_NE(b, nullptr);
  ASSERT_NO_FATAL_FAILURE(Fill(*b, Many(300, "stale/")));
  ASSERT_TRUE(b->Put("core/lock/777", "a campaign"));
  auto s = b->AsSnapshottable()->ReplaceAll((*reader)->Entries());
  ASSERT_TRUE(s) << s.error().ToString();
  EXPECT_EQ(All(*b), e);
  auto lock = b->Get("core/lock/777");
  ASSERT_TRUE(lock);
  EXPECT_EQ(lock->value_or(""), "a campaign");
  auto listed = b->List("");
  ASSERT_TRUE(listed);
  EXPECT_EQ(*listed, (std::vector<std::string>{"big/", "core/", "logical/"}));
}

}  // namespace
}  // namespace arca::storage::etcd
