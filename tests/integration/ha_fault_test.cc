// HA on etcd under faults (tests/integration/ha_cluster.h): an active node paused past its
// lease (SIGSTOP) whose queued writes must all fail and land nowhere once it runs again
// (fencing), and etcd members killed: one (no failover, writes go on) and two (no quorum: the
// active node steps down, nobody is active, writes get 503; quorum back: service resumes with
// nothing acknowledged lost).
#include <gtest/gtest.h>
#include <signal.h>

#include <cstdio>
#include <ctime>
#include <map>
#include <optional>
#include <thread>
#include <vector>

#include "common/json.h"
#include "integration/ha_cluster.h"

namespace arca::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using Clock = std::chrono::steady_clock;

int Other(const HaCluster& c, int a) {
  for (int i = 0; i < c.size(); ++i) {
    if (i != a && c.Serving(i)) return i;
  }
  return -1;
}

bool Ok(int status) { return status >= 200 && status < 300; }

// Writes through node i until one is acknowledged or the deadline passes; the last status.
int PutUntilOk(const HaCluster& c, int i, const std::string& key, const std::string& value,
               std::chrono::milliseconds deadline) {
  const auto until = Clock::now() + deadline;
  int st = 0;
  do {
    st = KvPut(c, i, key, value).status;
    if (Ok(st)) return st;
    std::this_thread::sleep_for(milliseconds(100));
  } while (Clock::now() < until);
  return st;
}

TEST(HaFencing, AnActiveNodePausedPastItsLeaseStepsDownAndNoWriteIsLostOrInvented) {
  HaCluster c(HaClusterOptions{.nodes = 2, .lock_timeout = "4s"});
  ASSERT_TRUE(c.ok()) << c.error();
  const int a = c.WaitSettled(seconds(15));
  ASSERT_GE(a, 0) << c.Describe();
  const int b = Other(c, a);
  std::string err;
  ASSERT_TRUE(EnableKv(c, a, &err)) << err;
  ASSERT_EQ(KvPut(c, a, "before-pause", "from-a").status, 200);

  // Pause the active node; the standby takes over once the lease has run out.
  ASSERT_TRUE(c.Signal(a, SIGSTOP));
  const auto t0 = Clock::now();
  ASSERT_EQ(c.WaitActive(seconds(20), a), b)
      << "the standby did not take over from a paused active node (lock_timeout 4s)\n"
      << c.Describe();
  RecordProperty("takeover_ms", static_cast<int>(std::chrono::duration_cast<milliseconds>(
                                                     Clock::now() - t0).count()));
  // The new active node writes.
  std::map<std::string, std::string> by_b;
  for (int k = 0; k < 10; ++k) {
    const std::string key = "by-b-" + std::to_string(k);
    ASSERT_TRUE(Ok(PutUntilOk(c, b, key, "from-b-" + std::to_string(k), seconds(10))))
        << key << "\n" << c.Describe();
    by_b[key] = "from-b-" + std::to_string(k);
  }

  // Requests queued at the paused node: connections opened and requests sent now, answered
  // (or not) once it runs again. New keys, an overwrite of a key b wrote, and a policy.
  struct Pending {
    std::string what;
    int fd;
  };
  std::vector<Pending> pending;
  const std::map<std::string, std::string> token{{"X-Vault-Token", c.root_token()}};
  for (int k = 0; k < 8; ++k) {
    const std::string key = "from-paused-" + std::to_string(k);
    pending.push_back({key, SendHttp(c.Port(a), "POST", "/v1/secret/data/" + key,
                                     R"({"data":{"v":"stale"}})", token)});
  }
  pending.push_back({"by-b-0", SendHttp(c.Port(a), "POST", "/v1/secret/data/by-b-0",
                                        R"({"data":{"v":"stale"}})", token)});
  pending.push_back({"policy", SendHttp(c.Port(a), "PUT", "/v1/sys/policies/acl/from-paused",
                                        R"({"policy":"path \"*\" { capabilities = [\"read\"] }"})",
                                        token)});
  pending.push_back({"mount", SendHttp(c.Port(a), "POST", "/v1/sys/mounts/paused-kv",
                                       R"({"type":"kv"})", token)});
  for (const Pending& p : pending) ASSERT_GE(p.fd, 0) << "could not queue " << p.what;

  ASSERT_TRUE(c.Signal(a, SIGCONT));
  std::vector<std::thread> readers;
  std::vector<HttpResult> answers(pending.size());
  for (size_t k = 0; k < pending.size(); ++k) {
    readers.emplace_back([&, k] { answers[k] = ReceiveHttp(pending[k].fd, seconds(30)); });
  }
  for (auto& t : readers) t.join();
  // The resumed node must not carry out any of them itself: it has lost the lock (its local
  // deadline has passed, and etcd would refuse its fenced writes). It may step down first and
  // forward them to the new active node, which carries them out: then they are acknowledged
  // and land. So: every write answered 2xx lands with its value, every other one lands nowhere.
  // (A write carried out by a node without the lock is checked directly in
  // WritesAfterTheLeaseIsRevokedAreRefusedUntilTheNodeWinsAgain.)
  std::map<std::string, bool> acked;
  for (size_t k = 0; k < pending.size(); ++k) {
    acked[pending[k].what] = Ok(answers[k].status);
    EXPECT_NE(answers[k].status, 0) << pending[k].what << ": no answer";
    std::printf("queued at the paused node: %s -> %d\n", pending[k].what.c_str(),
                answers[k].status);
    std::fflush(stdout);
  }

  // It steps down: an unsealed standby naming the new leader.
  EXPECT_TRUE(c.WaitStandby(a, seconds(15))) << c.Describe();
  EXPECT_EQ(c.WaitSettled(seconds(15)), b) << c.Describe();

  // Checked key by key through the new active node.
  for (int k = 0; k < 8; ++k) {
    int st = 0;
    const std::string key = "from-paused-" + std::to_string(k);
    auto got = KvGet(c, b, key, &st);
    if (acked[key]) {
      EXPECT_EQ(got, "stale") << key << " was acknowledged but did not land";
    } else {
      EXPECT_FALSE(got) << key << " was refused but landed";
      EXPECT_EQ(st, 404) << key;
    }
  }
  for (const auto& [key, value] : by_b) {
    EXPECT_EQ(KvGet(c, b, key), key == "by-b-0" && acked["by-b-0"] ? "stale" : value) << key;
  }
  EXPECT_EQ(KvGet(c, b, "before-pause"), "from-a");
  EXPECT_EQ(c.Req(b, "GET", "/v1/sys/policies/acl/from-paused").status,
            acked["policy"] ? 200 : 404);
  HttpResult mounts = c.Req(b, "GET", "/v1/sys/mounts");
  EXPECT_EQ(mounts.status, 200);
  EXPECT_EQ(mounts.body.find("paused-kv/") != std::string::npos, acked["mount"]) << mounts.body;
  // And the cluster goes on: a write through the old node now lands (forwarded to b).
  EXPECT_TRUE(Ok(PutUntilOk(c, a, "after-resume", "ok", seconds(10)))) << c.Describe();
  EXPECT_EQ(KvGet(c, b, "after-resume"), "ok");
}

// "2026-12-07T03:16:23.083722Z" and "2026-12-07T03:16:23.083722123Z" in one comparable form
// (nanoseconds, no zone).
std::string NormTime(std::string t) {
  if (!t.empty() && t.back() == 'Z') t.pop_back();
  size_t dot = t.find('.');
  if (dot == std::string::npos) {
    t += '.';
    dot = t.size() - 1;
  }
  while (t.size() - dot - 1 < 9) t += '0';
  return t;
}

std::string NowUtc() {
  const auto now = std::chrono::system_clock::now();
  const std::time_t secs = std::chrono::system_clock::to_time_t(now);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  const auto us = std::chrono::duration_cast<std::chrono::microseconds>(
                      now.time_since_epoch()).count() % 1000000;
  char frac[16];
  std::snprintf(frac, sizeof frac, ".%06lld", static_cast<long long>(us));
  return NormTime(std::string(buf) + frac);
}

// The timestamp of the first line of `log` containing `what` at or after `since` ("" if none).
std::string FirstLogLineAfter(const std::string& log, const std::string& what,
                              const std::string& since) {
  size_t pos = 0;
  while ((pos = log.find(what, pos)) != std::string::npos) {
    size_t start = log.rfind('\n', pos);
    start = start == std::string::npos ? 0 : start + 1;
    const std::string ts = NormTime(log.substr(start, log.find(' ', start) - start));
    if (ts >= since) return ts;
    pos += what.size();
  }
  return "";
}

// The etcd fence itself: the lease of the lock is revoked in etcd (what etcd does when a node
// misses its keepalives) while the node still believes it holds the lock. Until it notices
// (its next keepalive fails), every write it tries is refused by etcd (the txn compares the
// lock key, which is gone); once it has stepped down and won again, writes succeed. One node,
// so that no other node can carry out a write for it: a write acknowledged with a
// created_time between the revocation and the node's "lock was lost" line was carried out
// without the lock.
TEST(HaFencing, WritesAfterTheLeaseIsRevokedAreRefusedUntilTheNodeWinsAgain) {
  HaCluster c(HaClusterOptions{.nodes = 1, .lock_timeout = "6s"});
  ASSERT_TRUE(c.ok()) << c.error();
  ASSERT_EQ(c.WaitSettled(seconds(15)), 0) << c.Describe();
  std::string err;
  ASSERT_TRUE(EnableKv(c, 0, &err)) << err;
  ASSERT_EQ(KvPut(c, 0, "before-revoke", "1").status, 200);

  // The lock: the campaign key with the lowest create revision, and its lease.
  const std::string etcdctl = "ETCDCTL_API=3 etcdctl --endpoints=" + c.etcd().ClientUrls();
  ShellResult keys = Sh(etcdctl + " get --prefix /arca-ha/core/lock/ -w json");
  ASSERT_EQ(keys.code, 0) << keys.out;
  auto parsed = ParseJsonObject(keys.out);
  ASSERT_TRUE(parsed) << keys.out;
  const json::value* kvs = parsed->if_contains("kvs");
  ASSERT_TRUE(kvs != nullptr && kvs->is_array() && !kvs->as_array().empty()) << keys.out;
  int64_t best_rev = -1;
  uint64_t lease = 0;
  for (const auto& kv : kvs->as_array()) {
    const json::object& o = kv.as_object();
    const int64_t rev = IntOr(o, "create_revision", -1);
    const json::value* l = o.if_contains("lease");
    if (rev < 0 || l == nullptr) continue;
    if (best_rev < 0 || rev < best_rev) {
      best_rev = rev;
      lease = l->is_uint64() ? l->as_uint64() : static_cast<uint64_t>(l->to_number<int64_t>());
    }
  }
  ASSERT_GT(best_rev, 0) << keys.out;
  char hex[32];
  std::snprintf(hex, sizeof hex, "%llx", static_cast<unsigned long long>(lease));

  const std::string t0 = NowUtc();
  ShellResult revoke = Sh(etcdctl + " lease revoke " + hex);
  ASSERT_EQ(revoke.code, 0) << revoke.out;

  // Writes until the node has noticed, stepped down and won again (and a second more).
  struct Write {
    std::string key;
    int status;
    std::string created;
  };
  std::vector<Write> writes;
  const auto until = Clock::now() + seconds(30);
  std::optional<Clock::time_point> rewon;
  for (int n = 0; Clock::now() < until; ++n) {
    const std::string key = "after-revoke-" + std::to_string(n);
    HttpResult r = KvPut(c, 0, key, "v" + std::to_string(n));
    std::string created;
    if (auto o = ParseJsonObject(r.body)) created = StringOr(ObjectOr(*o, "data"), "created_time");
    writes.push_back({key, r.status, NormTime(created)});
    if (Ok(r.status) && !rewon) rewon = Clock::now();
    if (rewon && Clock::now() > *rewon + seconds(1)) break;
  }
  ASSERT_TRUE(rewon) << "no write succeeded within 30 s of the lease revocation\n"
                     << c.Describe();
  ASSERT_EQ(c.WaitActive(seconds(10)), 0) << c.Describe();

  const std::string log = c.node(0).Log();
  const std::string lost = FirstLogLineAfter(log, "HA: the lock was lost", t0);
  ASSERT_FALSE(lost.empty()) << "the node never noticed it lost the lock\n" << c.Describe();
  int refused = 0;
  for (const Write& w : writes) {
    if (Ok(w.status)) {
      EXPECT_GE(w.created, lost) << w.key << " was carried out at " << w.created
                                 << ", after the lease was revoked (" << t0
                                 << ") and before the node noticed (" << lost << ")";
      EXPECT_EQ(KvGet(c, 0, w.key), "v" + w.key.substr(std::string("after-revoke-").size()))
          << w.key;
    } else {
      ++refused;
      int st = 0;
      EXPECT_FALSE(KvGet(c, 0, w.key, &st)) << w.key << " was refused (" << w.status
                                            << ") but landed";
      EXPECT_EQ(st, 404) << w.key;
    }
  }
  std::printf("lease revoked at %s, loss noticed at %s; %zu writes, %d refused\n", t0.c_str(),
              lost.c_str(), writes.size(), refused);
  std::fflush(stdout);
  EXPECT_EQ(KvGet(c, 0, "before-revoke"), "1");
}

TEST(HaEtcdFaults, OneMemberDownNothingChangesTwoDownNobodyActiveQuorumBackResumes) {
  HaCluster c(HaClusterOptions{.nodes = 2, .lock_timeout = "4s"});
  ASSERT_TRUE(c.ok()) << c.error();
  const int a = c.WaitSettled(seconds(15));
  ASSERT_GE(a, 0) << c.Describe();
  const int b = Other(c, a);
  std::string err;
  ASSERT_TRUE(EnableKv(c, a, &err)) << err;
  std::map<std::string, std::string> acked;
  for (int k = 0; k < 10; ++k) {
    const std::string key = "quorum-" + std::to_string(k);
    ASSERT_EQ(KvPut(c, a, key, "v" + std::to_string(k)).status, 200);
    acked[key] = "v" + std::to_string(k);
  }

  // One member down: no failover over a whole lease, writes succeed (one retry allowed).
  EtcdCluster& etcd = c.etcd();
  etcd.Kill(0);
  const auto t0 = Clock::now();
  int n = 0;
  while (Clock::now() < t0 + seconds(6)) {  // crosses lock_timeout on purpose
    const std::string key = "one-down-" + std::to_string(n++);
    int st = KvPut(c, n % 2 ? a : b, key, "x").status;
    if (!Ok(st)) st = KvPut(c, n % 2 ? a : b, key, "x").status;
    ASSERT_TRUE(Ok(st)) << key << ": " << st << " after a retry\n" << c.Describe();
    acked[key] = "x";
    ASSERT_EQ(c.Active(), a) << "the active node changed with one etcd member down\n"
                             << c.Describe();
  }

  std::printf("one etcd member down: %d writes acknowledged, no failover\n", n);
  std::fflush(stdout);
  // Two members down: no quorum. The active node steps down within lock_timeout (plus the
  // time to notice); nobody is active; writes get 503.
  etcd.Kill(1);
  const auto t1 = Clock::now();
  bool nobody = false;
  std::string trace;  // what sys/health said, when
  auto since = [&t1] {
    return std::to_string(std::chrono::duration_cast<milliseconds>(Clock::now() - t1).count());
  };
  while (!nobody && Clock::now() < t1 + seconds(12)) {
    nobody = true;
    for (int i : {a, b}) {
      HttpResult h = RawHttp(c.Port(i), "GET", "/v1/sys/health");
      trace += "  +" + since() + " ms node " + std::to_string(i) + ": health " +
               std::to_string(h.status) + "\n";
      nobody = nobody && (h.status == 429 || h.status == 473 || h.status == 503);
    }
    if (!nobody) std::this_thread::sleep_for(milliseconds(100));
  }
  const auto stepped_down = std::chrono::duration_cast<milliseconds>(Clock::now() - t1);
  ASSERT_TRUE(nobody) << "an active node remained 12 s after etcd lost quorum (lock_timeout 4s)\n"
                      << trace << c.Describe();
  RecordProperty("step_down_without_quorum_ms", static_cast<int>(stepped_down.count()));
  // sys/leader agrees: nobody is self. (It may take a while: without quorum a node's leader
  // lookup waits for etcd.)
  for (int i : {a, b}) {
    const auto l0 = Clock::now();
    HttpResult l = RawHttp(c.Port(i), "GET", "/v1/sys/leader");
    auto lo = ParseJsonObject(l.body);
    EXPECT_EQ(l.status, 200) << l.body;
    EXPECT_FALSE(lo && BoolOr(*lo, "is_self")) << "node " << i << ": " << l.body;
    std::printf("sys/leader on node %d without quorum: %d in %lld ms: %s\n", i, l.status,
                static_cast<long long>(
                    std::chrono::duration_cast<milliseconds>(Clock::now() - l0).count()),
                l.body.c_str());
    std::fflush(stdout);
  }
  std::printf("two etcd members down: nobody active after %lld ms\n",
              static_cast<long long>(stepped_down.count()));
  std::fflush(stdout);
  std::vector<std::string> refused;
  for (int i : {a, b}) {
    const std::string key = "no-quorum-" + std::to_string(i);
    const auto w0 = Clock::now();
    HttpResult r = KvPut(c, i, key, "must-not-land");
    const auto took = std::chrono::duration_cast<milliseconds>(Clock::now() - w0);
    EXPECT_EQ(r.status, 503) << "node " << i << ": " << r.body;
    EXPECT_NE(r.body.find("active cluster node not found"), std::string::npos) << r.body;
    std::printf("write through node %d without quorum: %d in %lld ms\n", i, r.status,
                static_cast<long long>(took.count()));
    std::fflush(stdout);
    if (r.status == 503) refused.push_back(key);
  }
  // sys/health still says so (the lifecycle paths are answered locally).
  for (int i : {a, b}) {
    HttpResult h = RawHttp(c.Port(i), "GET", "/v1/sys/health");
    EXPECT_TRUE(h.status == 429 || h.status == 473 || h.status == 503) << h.status << " " << h.body;
  }

  // Quorum back: an active node again, writes succeed, nothing acknowledged lost.
  const auto t2 = Clock::now();
  ASSERT_TRUE(etcd.Start(0)) << etcd.Log(0);
  ASSERT_TRUE(etcd.Start(1)) << etcd.Log(1);
  const auto t3 = Clock::now();
  const int x = c.WaitActive(seconds(30));
  std::printf("etcd members restarted in %lld ms; an active node %lld ms later\n",
              static_cast<long long>(std::chrono::duration_cast<milliseconds>(t3 - t2).count()),
              static_cast<long long>(
                  std::chrono::duration_cast<milliseconds>(Clock::now() - t3).count()));
  std::fflush(stdout);
  ASSERT_GE(x, 0) << "no active node 30 s after etcd regained quorum\n" << c.Describe();
  ASSERT_TRUE(Ok(PutUntilOk(c, x, "after-quorum", "back", seconds(10)))) << c.Describe();
  for (int k = 0; k < 5; ++k) {
    const std::string key = "after-quorum-" + std::to_string(k);
    EXPECT_EQ(KvPut(c, x, key, "y").status, 200) << key;
    acked[key] = "y";
  }
  const int other = x == a ? b : a;
  EXPECT_TRUE(c.WaitStandby(other, seconds(15))) << c.Describe();
  for (const auto& [key, value] : acked) EXPECT_EQ(KvGet(c, x, key), value) << key;
  std::printf("checked %zu acknowledged writes\n", acked.size());
  std::fflush(stdout);
  // A write refused with 503 did not land later either.
  for (const auto& key : refused) {
    int st = 0;
    EXPECT_FALSE(KvGet(c, x, key, &st)) << key;
    EXPECT_EQ(st, 404) << key;
  }
}

}  // namespace
}  // namespace arca::testing
