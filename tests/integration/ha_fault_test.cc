// HA on etcd under faults (tests/integration/ha_cluster.h): an active node paused past its
// lease (SIGSTOP) whose queued writes must all fail and land nowhere once it runs again
// (fencing), and etcd members killed: one (no failover, writes go on) and two (no quorum: the
// active node steps down, nobody is active, writes get 503; quorum back: service resumes with
// nothing acknowledged lost).
#include <gtest/gtest.h>
#include <signal.h>

#include <map>
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

TEST(HaFencing, AnActiveNodePausedPastItsLeaseWritesNothing) {
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
  for (size_t k = 0; k < pending.size(); ++k) {
    EXPECT_FALSE(Ok(answers[k].status))
        << "the deposed node acknowledged " << pending[k].what << ": " << answers[k].status << " "
        << answers[k].body;
  }

  // It steps down: an unsealed standby naming the new leader.
  EXPECT_TRUE(c.WaitStandby(a, seconds(15))) << c.Describe();
  EXPECT_EQ(c.WaitSettled(seconds(15)), b) << c.Describe();

  // None of its writes landed, checked key by key through the new active node.
  for (int k = 0; k < 8; ++k) {
    int st = 0;
    const std::string key = "from-paused-" + std::to_string(k);
    EXPECT_FALSE(KvGet(c, b, key, &st)) << key << " landed";
    EXPECT_EQ(st, 404) << key;
  }
  for (const auto& [key, value] : by_b) EXPECT_EQ(KvGet(c, b, key), value) << key;
  EXPECT_EQ(KvGet(c, b, "before-pause"), "from-a");
  EXPECT_EQ(c.Req(b, "GET", "/v1/sys/policies/acl/from-paused").status, 404);
  HttpResult mounts = c.Req(b, "GET", "/v1/sys/mounts");
  EXPECT_EQ(mounts.status, 200);
  EXPECT_EQ(mounts.body.find("paused-kv/"), std::string::npos) << mounts.body;
  // And the cluster goes on: a write through the old node now lands (forwarded to b).
  EXPECT_TRUE(Ok(PutUntilOk(c, a, "after-resume", "ok", seconds(10)))) << c.Describe();
  EXPECT_EQ(KvGet(c, b, "after-resume"), "ok");
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

  // Two members down: no quorum. The active node steps down within lock_timeout (plus the
  // time to notice); nobody is active; writes get 503.
  etcd.Kill(1);
  const auto t1 = Clock::now();
  bool nobody = false;
  while (!nobody && Clock::now() < t1 + seconds(12)) {
    nobody = true;
    for (int i : {a, b}) {
      HaNodeView v = c.View(i);
      nobody = nobody && !v.is_self && (v.health == 429 || v.health == 503);
    }
    if (!nobody) std::this_thread::sleep_for(milliseconds(100));
  }
  ASSERT_TRUE(nobody) << "an active node remained 12 s after etcd lost quorum (lock_timeout 4s)\n"
                      << c.Describe();
  RecordProperty("step_down_without_quorum_ms",
                 static_cast<int>(std::chrono::duration_cast<milliseconds>(Clock::now() - t1)
                                      .count()));
  std::vector<std::string> refused;
  for (int i : {a, b}) {
    const std::string key = "no-quorum-" + std::to_string(i);
    HttpResult r = KvPut(c, i, key, "must-not-land");
    EXPECT_EQ(r.status, 503) << "node " << i << ": " << r.body;
    if (r.status == 503) refused.push_back(key);
  }
  // sys/health says so with no leader, and still answers (lifecycle paths are local).
  for (int i : {a, b}) {
    HaNodeView v = c.View(i);
    EXPECT_FALSE(v.is_self) << v.leader_body;
    EXPECT_NE(v.health, 200) << v.health_body;
  }

  // Quorum back: an active node again, writes succeed, nothing acknowledged lost.
  ASSERT_TRUE(etcd.Start(0)) << etcd.Log(0);
  ASSERT_TRUE(etcd.Start(1)) << etcd.Log(1);
  const int x = c.WaitActive(seconds(30));
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
  // A write refused with 503 did not land later either.
  for (const auto& key : refused) {
    int st = 0;
    EXPECT_FALSE(KvGet(c, x, key, &st)) << key;
    EXPECT_EQ(st, 404) << key;
  }
}

}  // namespace
}  // namespace arca::testing
