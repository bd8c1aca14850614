// HA on PostgreSQL, end to end (tests/integration/ha_cluster.h with HaStorage::kPostgres: two or
// three `arca server` nodes on storage "postgresql" with ha_enabled, each cluster in a database
// of its own on the shared PostgreSQL server of tests/services): one active node and standbys
// that forward; kill -9 of the active node under concurrent writers (a standby takes over
// within a bound, nothing acknowledged is lost); an active node paused past its lock TTL
// (SIGSTOP) that must not carry out anything once it runs again; the lock row taken from under
// the active node (its writes are refused at once: the fence is checked inside the writing
// transaction); a TRUNCATE of the lock table noticed and stepped down from; a PostgreSQL restart
// the cluster recovers from.
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <cstdio>
#include <map>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "common/json.h"
#include "integration/ha_cluster.h"

namespace arca::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using Clock = std::chrono::steady_clock;

HaClusterOptions Pg(int nodes, const std::string& lock_timeout) {
  return HaClusterOptions{.nodes = nodes, .lock_timeout = lock_timeout,
                          .storage = HaStorage::kPostgres};
}

bool Ok(int status) { return status >= 200 && status < 300; }

long long Ms(Clock::duration d) {
  return static_cast<long long>(std::chrono::duration_cast<milliseconds>(d).count());
}

// Running nodes other than `a`.
std::vector<int> Others(const HaCluster& c, int a) {
  std::vector<int> out;
  for (int i = 0; i < c.size(); ++i) {
    if (i != a && c.Serving(i)) out.push_back(i);
  }
  return out;
}

// One value of the cluster's database (psql's unaligned output, trimmed); "" on error.
std::string SqlValue(const HaCluster& c, const std::string& sql) {
  std::string out;
  if (c.Sql(sql, &out) != 0) return "error: " + out;
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  return out;
}

// Writes through node i until one is acknowledged or the deadline passes; the last status.
int PutUntilOk(const HaCluster& c, int i, const std::string& key, const std::string& value,
               milliseconds deadline) {
  const auto until = Clock::now() + deadline;
  int st = 0;
  do {
    st = KvPut(c, i, key, value).status;
    if (Ok(st)) return st;
    std::this_thread::sleep_for(milliseconds(100));
  } while (Clock::now() < until);
  return st;
}

// Acknowledged writes read back with their values through node i, refused ones are absent
// (404). Returns a description of every mismatch ("" when none).
std::string CheckWrites(const HaCluster& c, int i, const std::map<std::string, std::string>& acked,
                        const std::set<std::string>& refused) {
  std::string bad;
  for (const auto& [key, value] : acked) {
    int st = 0;
    auto got = KvGet(c, i, key, &st);
    if (got != value) bad += key + " acknowledged but reads " + std::to_string(st) + "\n";
  }
  for (const auto& key : refused) {
    int st = 0;
    auto got = KvGet(c, i, key, &st);
    if (got || st != 404) bad += key + " refused but reads " + std::to_string(st) + "\n";
  }
  return bad;
}

// Writers: each thread writes distinct keys continuously, even threads through the node in
// `target`, odd ones through the other live nodes in turn, and records every answer.
struct Writers {
  const HaCluster& c;
  std::vector<int> ports;
  std::atomic<int> target{-1};
  std::vector<std::atomic<bool>> dead;
  std::atomic<bool> stop{false};
  std::atomic<bool> after{false};
  std::vector<std::thread> threads;
  std::mutex mu;
  std::map<std::string, std::string> acked;
  std::set<std::string> refused;
  std::vector<int> acked_after;
  std::map<std::string, int> failure_kinds;  // "<node>:<status>" -> count

  Writers(const HaCluster& cluster, int n) : c(cluster), dead(static_cast<size_t>(cluster.size())) {
    for (int i = 0; i < c.size(); ++i) ports.push_back(c.Port(i));
    acked_after.assign(static_cast<size_t>(n), 0);
    for (int t = 0; t < n; ++t) threads.emplace_back([this, t] { Run(t); });
  }
  ~Writers() { Join(); }
  void Join() {
    stop = true;
    for (auto& th : threads) {
      if (th.joinable()) th.join();
    }
  }
  int Pick(int t, int seq) {
    const int a = target.load();
    const int n = static_cast<int>(ports.size());
    if (t % 2 == 0 && a >= 0 && !dead[static_cast<size_t>(a)]) return a;
    for (int k = 0; k < n; ++k) {
      const int i = (seq + k) % n;
      if (i != a && !dead[static_cast<size_t>(i)]) return i;
    }
    return a;
  }
  void Run(int t) {
    for (int seq = 0; !stop; ++seq) {
      const std::string key = "w" + std::to_string(t) + "-" + std::to_string(seq);
      const std::string value = "v-" + key;
      const int node = Pick(t, seq);
      const bool was_after = after.load();
      HttpResult r = RawHttp(ports[static_cast<size_t>(node)], "POST", "/v1/secret/data/" + key,
                             "{\"data\":{\"v\":\"" + value + "\"}}",
                             {{"X-Vault-Token", c.root_token()}});
      std::lock_guard<std::mutex> l(mu);
      if (Ok(r.status)) {
        acked[key] = value;
        if (was_after) ++acked_after[static_cast<size_t>(t)];
      } else {
        refused.insert(key);
        ++failure_kinds[std::to_string(node) + ":" + std::to_string(r.status)];
      }
    }
  }
  size_t Acked() {
    std::lock_guard<std::mutex> l(mu);
    return acked.size();
  }
  int MinAfter() {
    std::lock_guard<std::mutex> l(mu);
    int m = 1 << 30;
    for (int n : acked_after) m = std::min(m, n);
    return m;
  }
  std::string Failures() {
    std::lock_guard<std::mutex> l(mu);
    std::string s;
    for (const auto& [kind, n] : failure_kinds) s += " " + kind + " x" + std::to_string(n) + ";";
    return s;
  }
};

TEST(HaPostgres, OneActiveTwoStandbysForwardAndTheDataIsEncryptedInTheTable) {
  HaCluster c(Pg(3, "5s"));
  ASSERT_TRUE(c.ok()) << c.error();
  const int a = c.WaitSettled(seconds(15));
  ASSERT_GE(a, 0) << c.Describe();
  const std::vector<int> standbys = Others(c, a);
  ASSERT_EQ(standbys.size(), 2u);

  // Every node names the same leader; only the active node is self; the standbys say 473
  // (serving reads; 429 while they catch up).
  for (int i = 0; i < c.size(); ++i) {
    HaNodeView v = c.View(i);
    EXPECT_TRUE(v.ha_enabled) << v.leader_body;
    EXPECT_EQ(v.is_self, i == a) << v.leader_body;
    EXPECT_EQ(v.leader_address, c.Url(a)) << v.leader_body;
    if (i == a) {
      EXPECT_EQ(v.health, 200) << v.health_body;
    } else {
      EXPECT_TRUE(v.health == 473 || v.health == 429) << v.health_body;
    }
  }
  // The lock is one unexpired row of vault_ha_locks.
  EXPECT_EQ(SqlValue(c, "SELECT count(*) FROM vault_ha_locks WHERE valid_until > now()"), "1")
      << c.Describe();

  std::string err;
  ASSERT_TRUE(EnableKv(c, a, &err)) << err;
  // Writes through each standby are forwarded, and read back through every node.
  for (int s : standbys) {
    const std::string key = "via-" + std::to_string(s);
    const std::string value = "plaintext-through-standby-" + std::to_string(s);
    HttpResult w = KvPut(c, s, key, value);
    ASSERT_EQ(w.status, 200) << w.body << "\n" << c.Describe();
    for (int i = 0; i < c.size(); ++i) EXPECT_EQ(KvGet(c, i, key), value) << "node " << i;
  }
  // Deleted through a standby: gone everywhere.
  ASSERT_EQ(KvPut(c, a, "to-delete", "x").status, 200);
  EXPECT_EQ(c.Req(standbys[0], "DELETE", "/v1/secret/data/to-delete").status, 204);
  int st = 0;
  EXPECT_FALSE(KvGet(c, standbys[1], "to-delete", &st));
  EXPECT_EQ(st, 404);

  // The entries are rows of vault_kv_store (Vault's layout), and encrypted: no value contains
  // the plaintext written.
  EXPECT_NE(SqlValue(c, "SELECT count(*) FROM vault_kv_store"), "0");
  EXPECT_EQ(SqlValue(c, "SELECT count(*) FROM vault_kv_store WHERE position("
                        "convert_to('plaintext-through-standby', 'UTF8') IN value) > 0"),
            "0");
  // Another cluster's database is another world: this one's tables are not in `postgres`.
  std::string out;
  EXPECT_NE(c.postgres().Sql("SELECT count(*) FROM vault_kv_store", &out), 0) << out;
}

TEST(HaPostgresFailover, KillNineOfTheActiveUnderWritersLosesNoAcknowledgedWrite) {
  const int ttl_s = 5;
  HaCluster c(Pg(3, std::to_string(ttl_s) + "s"));
  ASSERT_TRUE(c.ok()) << c.error();
  const int a = c.WaitSettled(seconds(15));
  ASSERT_GE(a, 0) << c.Describe();
  std::string err;
  ASSERT_TRUE(EnableKv(c, a, &err)) << err;
  ASSERT_EQ(KvPut(c, Others(c, a)[0], "probe", "p").status, 200) << c.Describe();

  Writers w(c, 4);
  w.target = a;
  auto until = Clock::now() + seconds(30);
  while (w.Acked() < 40 && Clock::now() < until) std::this_thread::sleep_for(milliseconds(20));
  ASSERT_GE(w.Acked(), 40u) << "few writes before the kill:" << w.Failures() << "\n"
                            << c.Describe();

  const auto t0 = Clock::now();
  c.Kill(a);
  w.dead[static_cast<size_t>(a)] = true;
  const int b = c.WaitActive(seconds(ttl_s + 10), a);
  const auto took = Clock::now() - t0;
  ASSERT_GE(b, 0) << "no standby became active within " << ttl_s + 10
                  << " s of kill -9\n" << c.Describe();
  RecordProperty("failover_ms", static_cast<int>(Ms(took)));
  std::printf("failover after kill -9 (lock_timeout %d s): %lld ms\n", ttl_s, Ms(took));
  std::fflush(stdout);
  // The bound: at most the lock's TTL plus the standbys' retry and their poll (a standby that
  // sees the active node's cluster port gone may depose it sooner).
  EXPECT_LT(Ms(took), (ttl_s + 2) * 1000LL) << c.Describe();
  w.target = b;
  w.after = true;

  until = Clock::now() + seconds(30);
  while (w.MinAfter() < 5 && Clock::now() < until) std::this_thread::sleep_for(milliseconds(20));
  EXPECT_GE(w.MinAfter(), 5) << "writers stalled after the failover:" << w.Failures() << "\n"
                             << c.Describe();
  w.Join();
  std::printf("%zu writes acknowledged, %zu failed (node:status):%s\n", w.acked.size(),
              w.refused.size(), w.Failures().c_str());
  std::fflush(stdout);

  // Nothing acknowledged is lost. (A refused write may have landed: the node was killed after
  // committing and before answering. So only acknowledged writes are checked.)
  EXPECT_EQ(CheckWrites(c, b, w.acked, {}), "") << c.Describe();

  // The killed node, started again, joins as a standby of the new active node.
  ASSERT_TRUE(c.Restart(a)) << c.error();
  EXPECT_EQ(c.WaitSettled(seconds(15)), b) << c.Describe();
  EXPECT_TRUE(c.WaitForwarding(a, seconds(15))) << c.Describe();
  EXPECT_EQ(KvGet(c, a, "probe"), "p");
}

TEST(HaPostgresFencing, AnActiveNodePausedPastItsTtlStepsDownAndNoneOfItsQueuedWritesIsLost) {
  const int ttl_s = 3;
  HaCluster c(Pg(2, std::to_string(ttl_s) + "s"));
  ASSERT_TRUE(c.ok()) << c.error();
  const int a = c.WaitSettled(seconds(15));
  ASSERT_GE(a, 0) << c.Describe();
  const int b = Others(c, a)[0];
  std::string err;
  ASSERT_TRUE(EnableKv(c, a, &err)) << err;
  ASSERT_EQ(KvPut(c, a, "before-pause", "from-a").status, 200);

  // Paused: its lock row expires (the database's clock) and the standby takes it.
  ASSERT_TRUE(c.Signal(a, SIGSTOP));
  const auto t0 = Clock::now();
  ASSERT_EQ(c.WaitActive(seconds(ttl_s + 15), a), b)
      << "the standby did not take over from a paused active node\n" << c.Describe();
  const auto took = Clock::now() - t0;
  RecordProperty("takeover_ms", static_cast<int>(Ms(took)));
  std::printf("takeover from a paused node (lock_timeout %d s): %lld ms\n", ttl_s, Ms(took));
  std::fflush(stdout);
  // Not before the row could have expired: the last renewal (every lock_timeout / 3) came at
  // most a renewal interval before the pause. (No depose here: a paused node's cluster port
  // accepts connections, so the standbys' echoes time out instead of being refused.)
  EXPECT_GE(Ms(took), 1000LL * ttl_s * 2 / 3 - 100)
      << "taken over before the lock could have expired";
  std::map<std::string, std::string> by_b;
  for (int k = 0; k < 5; ++k) {
    const std::string key = "by-b-" + std::to_string(k);
    ASSERT_TRUE(Ok(PutUntilOk(c, b, key, "from-b", seconds(10)))) << key << "\n" << c.Describe();
    by_b[key] = "from-b";
  }

  // Requests queued at the paused node, answered once it runs again: new keys, an overwrite of
  // a key b wrote, a policy and a mount.
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
  // The resumed node has lost the lock (its row is b's now, and the fence inside its writing
  // transaction refuses its commits). It may step down first and forward a request to b, which
  // carries it out: acknowledged, it lands. So every write answered 2xx lands with its value and
  // every other one lands nowhere; the storage-level fence itself is checked directly in
  // WritesAreRefusedAtOnceWhenTheLockRowIsTaken.
  std::map<std::string, bool> acked;
  int refused = 0;
  for (size_t k = 0; k < pending.size(); ++k) {
    acked[pending[k].what] = Ok(answers[k].status);
    EXPECT_NE(answers[k].status, 0) << pending[k].what << ": no answer";
    if (!Ok(answers[k].status)) ++refused;
    std::printf("queued at the paused node: %s -> %d\n", pending[k].what.c_str(),
                answers[k].status);
  }
  std::printf("%d of %zu queued requests refused\n", refused, pending.size());
  std::fflush(stdout);

  // It steps down: an unsealed standby naming b.
  EXPECT_TRUE(c.WaitStandby(a, seconds(15))) << c.Describe();
  EXPECT_EQ(c.WaitSettled(seconds(15)), b) << c.Describe();
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
  // The cluster goes on: a write through the old node lands (forwarded to b).
  EXPECT_TRUE(Ok(PutUntilOk(c, a, "after-resume", "ok", seconds(10)))) << c.Describe();
  EXPECT_EQ(KvGet(c, b, "after-resume"), "ok");
}

// The fence inside the writing transaction: the lock row is given to someone else (what a
// standby that found it expired would do) while the active node still believes it holds the
// lock, with a lock_timeout long enough that the node cannot notice through a renewal for seconds.
// One node, so that no other node can carry out a write for it: every write it is asked to do
// from then on must be refused, and none may land. When the row is freed, the node takes the
// lock again and writes succeed.
TEST(HaPostgresFencing, WritesAreRefusedAtOnceWhenTheLockRowIsTaken) {
  HaCluster c(Pg(1, "15s"));
  ASSERT_TRUE(c.ok()) << c.error();
  ASSERT_EQ(c.WaitSettled(seconds(15)), 0) << c.Describe();
  std::string err;
  ASSERT_TRUE(EnableKv(c, 0, &err)) << err;
  ASSERT_EQ(KvPut(c, 0, "before-steal", "1").status, 200);

  const std::string taken = SqlValue(
      c, "UPDATE vault_ha_locks SET ha_identity = 'intruder', valid_until = now() + "
         "interval '1 hour' RETURNING ha_key");
  ASSERT_FALSE(taken.empty()) << "no lock row to take\n" << c.Describe();
  ASSERT_EQ(taken.find("error"), std::string::npos) << taken;
  const auto t0 = Clock::now();

  // Writes for two seconds (well inside a renewal period of a 15 s lock): all refused.
  std::map<std::string, std::string> acked;
  std::set<std::string> refused;
  std::map<int, int> statuses;
  std::string first_body;
  for (int n = 0; Clock::now() < t0 + seconds(2); ++n) {
    const std::string key = "after-steal-" + std::to_string(n);
    HttpResult r = KvPut(c, 0, key, "stolen");
    if (n == 0) first_body = r.body;
    ++statuses[r.status];
    if (Ok(r.status)) {
      acked[key] = "stolen";
    } else {
      refused.insert(key);
    }
  }
  std::string kinds;
  for (const auto& [s, n] : statuses) kinds += " " + std::to_string(s) + " x" + std::to_string(n);
  std::printf("writes after the lock row was taken:%s\n", kinds.c_str());
  std::fflush(stdout);
  EXPECT_TRUE(acked.empty()) << acked.size() << " writes were acknowledged by a node whose lock "
                             << "row was someone else's, e.g. " << acked.begin()->first;
  EXPECT_FALSE(refused.empty());
  // The first one reached the storage and was refused by the fence in its own transaction (the
  // node still believed it held the lock); the next ones are refused before that, the node
  // having noticed. Unless a renewal happened to run between the UPDATE and the first write and
  // noticed first (its log line says so).
  if (c.node(0).Log().find("the HA lock row is no longer this node's") == std::string::npos) {
    EXPECT_NE(first_body.find("(fenced)"), std::string::npos) << first_body;
  }

  // The node notices (a refused fenced write, or its renewal) and is no longer active.
  const auto until = Clock::now() + seconds(20);
  while (c.View(0).health == 200 && Clock::now() < until) {
    std::this_thread::sleep_for(milliseconds(100));
  }
  EXPECT_NE(c.View(0).health, 200) << "still active with its lock row taken\n" << c.Describe();

  // Freed: the node wins again; nothing refused landed.
  ASSERT_EQ(SqlValue(c, "DELETE FROM vault_ha_locks WHERE ha_identity = 'intruder' RETURNING 1"),
            "1");
  ASSERT_EQ(c.WaitActive(seconds(20)), 0) << c.Describe();
  ASSERT_TRUE(Ok(PutUntilOk(c, 0, "after-release", "ok", seconds(10)))) << c.Describe();
  EXPECT_EQ(CheckWrites(c, 0, {{"before-steal", "1"}, {"after-release", "ok"}}, refused), "");
}

// How often node i's log says it lost the lock.
size_t LostLines(HaCluster& c, int i) {
  size_t n = 0;
  const std::string log = c.node(i).Log();
  for (size_t p = 0; (p = log.find("HA: the lock was lost", p)) != std::string::npos; ++p) ++n;
  return n;
}

// TRUNCATEs the lock table under active node a and waits until a's log says it lost the lock;
// the time it took, or a negative duration when it did not notice within `deadline`.
Clock::duration TruncateAndWaitNoticed(HaCluster& c, int a, seconds deadline) {
  const size_t before = LostLines(c, a);
  std::string out;
  if (c.Sql("TRUNCATE vault_ha_locks", &out) != 0) {
    ADD_FAILURE() << "TRUNCATE failed: " << out;
    return Clock::duration(-1);
  }
  const auto t0 = Clock::now();
  while (LostLines(c, a) == before) {
    if (Clock::now() > t0 + deadline) return Clock::duration(-1);
    std::this_thread::sleep_for(milliseconds(20));
  }
  return Clock::now() - t0;
}

// A TRUNCATE of the lock table (an operator's mistake, a restore of the table): the active node
// notices -- idle, through its next renewal, which finds no row of its own; under writes,
// through the first fenced write -- and steps down. Some node becomes active again (there is no
// row: whoever campaigns first inserts one); nothing acknowledged is lost, nothing refused lands.
TEST(HaPostgresFaults, ATruncateOfTheLockTableIsNoticedAndSteppedDownFrom) {
  const int ttl_s = 3;
  HaCluster c(Pg(2, std::to_string(ttl_s) + "s"));
  ASSERT_TRUE(c.ok()) << c.error();
  const int a = c.WaitSettled(seconds(15));
  ASSERT_GE(a, 0) << c.Describe();
  std::string err;
  ASSERT_TRUE(EnableKv(c, a, &err)) << err;
  std::map<std::string, std::string> before;
  for (int k = 0; k < 5; ++k) {
    ASSERT_EQ(KvPut(c, a, "before-" + std::to_string(k), "b").status, 200);
    before["before-" + std::to_string(k)] = "b";
  }

  // Idle: the renewal (every lock_timeout / 3) notices.
  auto took = TruncateAndWaitNoticed(c, a, seconds(ttl_s + 10));
  ASSERT_GE(took.count(), 0) << "the idle active node did not notice the TRUNCATE within "
                             << ttl_s + 10 << " s\n" << c.Describe();
  RecordProperty("truncate_noticed_idle_ms", static_cast<int>(Ms(took)));
  std::printf("TRUNCATE of the lock table, idle: noticed after %lld ms (lock_timeout %d s)\n",
              Ms(took), ttl_s);
  std::fflush(stdout);
  EXPECT_LT(Ms(took), 1000LL * ttl_s / 3 + 2000) << c.Describe();
  const int x = c.WaitSettled(seconds(20));
  ASSERT_GE(x, 0) << c.Describe();
  EXPECT_EQ(SqlValue(c, "SELECT count(*) FROM vault_ha_locks WHERE valid_until > now()"), "1");
  ASSERT_TRUE(Ok(PutUntilOk(c, x, "after-idle-truncate", "i", seconds(10)))) << c.Describe();
  before["after-idle-truncate"] = "i";

  // Under writers: the first fenced write notices.
  Writers w(c, 2);
  w.target = x;
  auto until = Clock::now() + seconds(20);
  while (w.Acked() < 20 && Clock::now() < until) std::this_thread::sleep_for(milliseconds(20));
  ASSERT_GE(w.Acked(), 20u) << w.Failures() << "\n" << c.Describe();
  took = TruncateAndWaitNoticed(c, x, seconds(ttl_s + 10));
  ASSERT_GE(took.count(), 0) << "the active node did not notice the TRUNCATE under writes within "
                             << ttl_s + 10 << " s\n" << c.Describe();
  RecordProperty("truncate_noticed_writing_ms", static_cast<int>(Ms(took)));
  std::printf("TRUNCATE of the lock table, under writes: noticed after %lld ms\n", Ms(took));
  std::fflush(stdout);
  EXPECT_LT(Ms(took), 1000LL * ttl_s / 3 + 2000) << c.Describe();

  const int y = c.WaitSettled(seconds(20));
  ASSERT_GE(y, 0) << c.Describe();
  EXPECT_EQ(SqlValue(c, "SELECT count(*) FROM vault_ha_locks WHERE valid_until > now()"), "1");
  w.target = y;
  w.after = true;
  until = Clock::now() + seconds(20);
  while (w.MinAfter() < 5 && Clock::now() < until) std::this_thread::sleep_for(milliseconds(20));
  EXPECT_GE(w.MinAfter(), 5) << w.Failures() << "\n" << c.Describe();
  w.Join();
  std::printf("%zu writes acknowledged, %zu refused (node:status):%s\n", w.acked.size(),
              w.refused.size(), w.Failures().c_str());
  std::fflush(stdout);
  EXPECT_EQ(CheckWrites(c, y, w.acked, w.refused), "") << c.Describe();
  EXPECT_EQ(CheckWrites(c, y, before, {}), "") << c.Describe();
}

// PostgreSQL stopped (immediate shutdown: a crash) and started again: while it is down nobody
// stays active and writes fail; once it is back some node becomes active, writes succeed, and
// every write acknowledged before is there.
TEST(HaPostgresFaults, APostgresRestartIsRecoveredFrom) {
  const int ttl_s = 3;
  HaCluster c(Pg(2, std::to_string(ttl_s) + "s"));
  ASSERT_TRUE(c.ok()) << c.error();
  const int a = c.WaitSettled(seconds(15));
  ASSERT_GE(a, 0) << c.Describe();
  const int b = Others(c, a)[0];
  std::string err;
  ASSERT_TRUE(EnableKv(c, a, &err)) << err;
  std::map<std::string, std::string> acked;
  for (int k = 0; k < 10; ++k) {
    const std::string key = "before-" + std::to_string(k);
    ASSERT_EQ(KvPut(c, k % 2 ? a : b, key, "v" + std::to_string(k)).status, 200) << key;
    acked[key] = "v" + std::to_string(k);
  }

  c.postgres().Stop();
  const auto t0 = Clock::now();
  // Nobody active within the lock's TTL (plus the time to notice).
  bool nobody = false;
  while (!nobody && Clock::now() < t0 + seconds(ttl_s + 10)) {
    nobody = c.View(a).health != 200 && c.View(b).health != 200;
    if (!nobody) std::this_thread::sleep_for(milliseconds(100));
  }
  const auto stepped_down = Clock::now() - t0;
  ASSERT_TRUE(nobody) << "a node stayed active with PostgreSQL down\n" << c.Describe();
  std::printf("PostgreSQL down: nobody active after %lld ms (lock_timeout %d s)\n", Ms(stepped_down),
              ttl_s);
  std::fflush(stdout);
  EXPECT_LT(Ms(stepped_down), 1000LL * ttl_s + 3000);
  std::set<std::string> refused;
  for (int i : {a, b}) {
    const std::string key = "while-down-" + std::to_string(i);
    HttpResult r = KvPut(c, i, key, "must-not-land");
    EXPECT_FALSE(Ok(r.status)) << "node " << i << " acknowledged a write with PostgreSQL down: "
                               << r.body;
    refused.insert(key);
  }

  ASSERT_TRUE(c.postgres().Start()) << c.postgres().error();
  const auto t1 = Clock::now();
  const int x = c.WaitActive(seconds(30));
  ASSERT_GE(x, 0) << "no active node 30 s after PostgreSQL came back\n" << c.Describe();
  std::printf("PostgreSQL back: an active node after %lld ms\n", Ms(Clock::now() - t1));
  std::fflush(stdout);
  ASSERT_TRUE(Ok(PutUntilOk(c, x, "after-restart", "back", seconds(10)))) << c.Describe();
  acked["after-restart"] = "back";
  EXPECT_TRUE(c.WaitStandby(x == a ? b : a, seconds(15))) << c.Describe();
  EXPECT_EQ(c.WaitSettled(seconds(15)), x) << c.Describe();
  for (int i : {a, b}) EXPECT_EQ(CheckWrites(c, i, acked, refused), "") << "via node " << i;
}

}  // namespace
}  // namespace arca::testing
