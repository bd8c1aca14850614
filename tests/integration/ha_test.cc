// HA on etcd, end to end (tests/integration/ha_cluster.h: three etcd members, two or three
// `arca server` nodes): what a standby answers (sys/health, sys/leader, forwarding, 307 with
// X-Vault-No-Request-Forwarding, the CLI and hvac through a standby, sys/ha-status,
// sys/step-down, `arca status`), and failover (kill -9 of the active node under concurrent
// writers with nothing acknowledged lost; SIGTERM hands the lock over at once).
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <atomic>
#include <fstream>
#include <map>
#include <mutex>
#include <regex>
#include <set>
#include <thread>

#include "common/json.h"
#include "integration/ha_cluster.h"

namespace arca::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using Clock = std::chrono::steady_clock;

json::object Obj(const HttpResult& r) {
  auto o = ParseJsonObject(r.body);
  return o ? *o : json::object{};
}

// The other running node (a standby) than `a`.
int Other(const HaCluster& c, int a) {
  for (int i = 0; i < c.size(); ++i) {
    if (i != a && c.Serving(i)) return i;
  }
  return -1;
}

// Plain standbys (disable_standby_reads): standby_reads_test.cc covers read-serving ones.
TEST(HaStandby, HealthAndLeaderOnActiveAndStandby) {
  HaCluster c(HaClusterOptions{.nodes = 2, .extra_top = "disable_standby_reads = true\n"});
  ASSERT_TRUE(c.ok()) << c.error();
  const int a = c.WaitSettled(seconds(15));
  ASSERT_GE(a, 0) << c.Describe();
  const int s = Other(c, a);

  // sys/health: 200 active, 429 standby; standbyok and standbycode; the body says which.
  HttpResult h = c.Req(a, "GET", "/v1/sys/health");
  EXPECT_EQ(h.status, 200) << h.body;
  EXPECT_FALSE(BoolOr(Obj(h), "standby", true)) << h.body;
  EXPECT_EQ(c.Req(a, "GET", "/v1/sys/health?activecode=299").status, 299);
  h = c.Req(s, "GET", "/v1/sys/health");
  EXPECT_EQ(h.status, 429) << h.body;
  EXPECT_TRUE(BoolOr(Obj(h), "standby")) << h.body;
  EXPECT_FALSE(BoolOr(Obj(h), "sealed", true)) << h.body;
  EXPECT_TRUE(BoolOr(Obj(h), "initialized")) << h.body;
  EXPECT_EQ(RawHttp(c.Port(s), "GET", "/v1/sys/health?standbyok=true").status, 200);
  EXPECT_EQ(RawHttp(c.Port(s), "GET", "/v1/sys/health?standbycode=299").status, 299);
  EXPECT_EQ(RawHttp(c.Port(s), "GET", "/v1/sys/health?standbyok=true&activecode=203").status, 203);
  // Bad input on a standby: an out-of-range code is a 400, as on the active node.
  EXPECT_EQ(RawHttp(c.Port(s), "GET", "/v1/sys/health?standbycode=1000").status, 400);
  // A standby is unsealed: seal-status says so.
  EXPECT_FALSE(BoolOr(Obj(RawHttp(c.Port(s), "GET", "/v1/sys/seal-status")), "sealed", true));

  // sys/leader on both, unauthenticated: the same leader, is_self only on the active node.
  for (int i : {a, s}) {
    HttpResult l = RawHttp(c.Port(i), "GET", "/v1/sys/leader");
    ASSERT_EQ(l.status, 200) << "node " << i << " " << l.body;
    json::object o = Obj(l);
    EXPECT_TRUE(BoolOr(o, "ha_enabled")) << l.body;
    EXPECT_EQ(BoolOr(o, "is_self"), i == a) << l.body;
    EXPECT_EQ(StringOr(o, "leader_address"), c.Url(a)) << l.body;
    const std::string cluster = StringOr(o, "leader_cluster_address");
    EXPECT_TRUE(std::regex_match(cluster, std::regex(R"(https://127\.0\.0\.1:[0-9]+)")))
        << l.body;
    EXPECT_NE(cluster, "https://127.0.0.1:" + std::to_string(c.Port(a))) << l.body;
    const std::string since = StringOr(o, "active_time");
    if (i == a) {
      EXPECT_TRUE(std::regex_match(since, std::regex(R"(20[0-9]{2}-[0-9]{2}-[0-9]{2}T.*Z)")))
          << l.body;
    } else {
      EXPECT_EQ(since, "0001-01-01T00:00:00Z") << l.body;
    }
  }
  // Both nodes report the same cluster address for the leader.
  EXPECT_EQ(StringOr(Obj(RawHttp(c.Port(a), "GET", "/v1/sys/leader")), "leader_cluster_address"),
            StringOr(Obj(RawHttp(c.Port(s), "GET", "/v1/sys/leader")), "leader_cluster_address"));
}

TEST(HaStandby, ForwardingRedirectCliAndHvacThroughTheStandby) {
  HaCluster c(HaClusterOptions{.nodes = 2, .extra_top = "disable_standby_reads = true\n"});
  ASSERT_TRUE(c.ok()) << c.error();
  const int a = c.WaitSettled(seconds(15));
  ASSERT_GE(a, 0) << c.Describe();
  const int s = Other(c, a);
  std::string err;
  ASSERT_TRUE(EnableKv(c, a, &err)) << err;

  // A write through the standby is forwarded: answered like the active node answers it, and
  // visible there.
  HttpResult w = KvPut(c, s, "fwd", "through-standby");
  ASSERT_EQ(w.status, 200) << w.body << c.Describe();
  EXPECT_EQ(IntOr(ObjectOr(Obj(w), "data"), "version"), 1) << w.body;
  EXPECT_EQ(KvGet(c, a, "fwd"), "through-standby");
  EXPECT_EQ(KvGet(c, s, "fwd"), "through-standby");
  // Written on the active node, read through the standby.
  ASSERT_EQ(KvPut(c, a, "on-active", "direct").status, 200);
  EXPECT_EQ(KvGet(c, s, "on-active"), "direct");
  // The forwarded request carries the client's token: none, 403; a bad one, 403.
  EXPECT_EQ(RawHttp(c.Port(s), "GET", "/v1/secret/data/fwd").status, 403);
  EXPECT_EQ(RawHttp(c.Port(s), "GET", "/v1/secret/data/fwd", "",
                    {{"X-Vault-Token", "hvs.not-a-token"}}).status, 403);
  // Errors come back as they are: a missing key 404, a malformed body 400.
  int st = 0;
  EXPECT_FALSE(KvGet(c, s, "never-written", &st));
  EXPECT_EQ(st, 404);
  EXPECT_EQ(c.Req(s, "POST", "/v1/secret/data/bad", "{not json").status, 400);
  // Other methods are relayed as they are: LIST, and DELETE answered 204.
  HttpResult list = c.Req(s, "LIST", "/v1/secret/metadata/");
  EXPECT_EQ(list.status, 200) << list.body;
  EXPECT_NE(list.body.find("\"on-active\""), std::string::npos) << list.body;
  ASSERT_EQ(KvPut(c, a, "to-delete", "x").status, 200);
  EXPECT_EQ(c.Req(s, "DELETE", "/v1/secret/data/to-delete").status, 204);
  EXPECT_FALSE(KvGet(c, a, "to-delete", &st));
  EXPECT_EQ(st, 404);

  // X-Vault-No-Request-Forwarding: a 307 to the active node's api address, path and query.
  HttpResult r = c.Req(s, "GET", "/v1/secret/data/fwd?version=1",
                       "", {{"X-Vault-No-Request-Forwarding", "true"}});
  EXPECT_EQ(r.status, 307) << r.body;
  EXPECT_EQ(r.headers["location"], c.Url(a) + "/v1/secret/data/fwd?version=1");
  r = KvPut(c, s, "redirected", "not-here", {{"X-Vault-No-Request-Forwarding", "true"}});
  EXPECT_EQ(r.status, 307) << r.body;
  EXPECT_EQ(r.headers["location"], c.Url(a) + "/v1/secret/data/redirected");
  EXPECT_FALSE(KvGet(c, a, "redirected", &st)) << "a redirected write must not be carried out";
  EXPECT_EQ(st, 404);
  // Following the redirect by hand works.
  HttpResult followed = c.Req(a, "GET", "/v1/secret/data/fwd?version=1");
  EXPECT_EQ(followed.status, 200) << followed.body;

  // The CLI against the standby.
  CliResult put = c.Cli(s, {"kv", "put", "secret/cli", "v=from-cli"});
  EXPECT_EQ(put.exit_code, 0) << put.out << put.err;
  CliResult get = c.Cli(s, {"kv", "get", "-field=v", "secret/cli"});
  EXPECT_EQ(get.exit_code, 0) << get.err;
  EXPECT_EQ(get.out, "from-cli");
  EXPECT_EQ(KvGet(c, a, "cli"), "from-cli");

  // Python hvac against the standby: once forwarded, once following the 307 (requests keeps
  // X-Vault-Token and re-sends the body on a 307).
  TempDir dir;
  const std::string script = dir.File("hvac_standby.py");
  {
    std::ofstream f(script);
    f << R"PY(import os, sys
os.environ["NO_PROXY"] = "127.0.0.1"
for k in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"):
    os.environ.pop(k, None)
import hvac, requests
url, token = sys.argv[1], sys.argv[2]
c = hvac.Client(url=url, token=token)
assert c.is_authenticated()
c.secrets.kv.v2.create_or_update_secret(path="hvac-fwd", secret={"v": "one"}, mount_point="secret")
got = c.secrets.kv.v2.read_secret_version(path="hvac-fwd", mount_point="secret")
print("forwarded", got["data"]["data"]["v"])
s = requests.Session()
s.headers["X-Vault-No-Request-Forwarding"] = "true"
c2 = hvac.Client(url=url, token=token, session=s)
c2.secrets.kv.v2.create_or_update_secret(path="hvac-307", secret={"v": "two"}, mount_point="secret")
got = c2.secrets.kv.v2.read_secret_version(path="hvac-307", mount_point="secret")
print("redirected", got["data"]["data"]["v"])
)PY";
  }
  ShellResult py = Sh("/usr/bin/python3 " + script + " " + c.Url(s) + " " + c.root_token());
  EXPECT_EQ(py.code, 0) << py.out;
  EXPECT_NE(py.out.find("forwarded one"), std::string::npos) << py.out;
  EXPECT_NE(py.out.find("redirected two"), std::string::npos) << py.out;
  EXPECT_EQ(KvGet(c, a, "hvac-fwd"), "one");
  EXPECT_EQ(KvGet(c, a, "hvac-307"), "two");
}

TEST(HaStandby, HaStatusStatusCliAndStepDown) {
  HaCluster c(HaClusterOptions{.nodes = 3});
  ASSERT_TRUE(c.ok()) << c.error();
  const int a = c.WaitSettled(seconds(15));
  ASSERT_GE(a, 0) << c.Describe();
  std::set<std::string> urls;
  for (int i = 0; i < c.size(); ++i) urls.insert(c.Url(i));

  // sys/ha-status (through the active node and through a standby): every node, one active.
  for (int via : {a, Other(c, a)}) {
    std::set<std::string> listed;
    std::string active_listed, body;
    const auto until = Clock::now() + seconds(20);
    while (Clock::now() < until) {
      HttpResult r = c.Req(via, "GET", "/v1/sys/ha-status");
      body = r.body;
      listed.clear();
      active_listed.clear();
      // The list is under data (and, per Vault's sys/ quirk, also at the top level; checked
      // below).
      const json::object data = ObjectOr(Obj(r), "data");
      const json::value* nodes = data.if_contains("nodes");
      if (r.status == 200 && nodes != nullptr && nodes->is_array()) {
        for (const auto& n : nodes->as_array()) {
          if (!n.is_object()) continue;
          const std::string api = StringOr(n.as_object(), "api_address");
          listed.insert(api);
          if (BoolOr(n.as_object(), "active_node")) active_listed += api + " ";
          EXPECT_FALSE(StringOr(n.as_object(), "cluster_address").empty()) << body;
          EXPECT_FALSE(StringOr(n.as_object(), "hostname").empty()) << body;
        }
      }
      if (listed == urls) break;
      std::this_thread::sleep_for(milliseconds(200));
    }
    EXPECT_EQ(listed, urls) << "via node " << via << ": " << body;
    EXPECT_EQ(active_listed, c.Url(a) + " ") << body;
    // Vault copies sys/ha-status's data to the top level of the body (API-NOTES: the
    // top-level duplication quirk); old clients read "nodes" there.
    json::object top = Obj(c.Req(via, "GET", "/v1/sys/ha-status"));
    EXPECT_TRUE(top.contains("nodes") && top.at("nodes").is_array())
        << "sys/ha-status has no top-level \"nodes\": " << body;
  }
  EXPECT_EQ(RawHttp(c.Port(a), "GET", "/v1/sys/ha-status").status, 403);

  // `arca status` on a standby and on the active node.
  const int s = Other(c, a);
  CliResult st = c.Cli(s, {"status"});
  EXPECT_EQ(st.exit_code, 0) << st.out << st.err;
  EXPECT_TRUE(std::regex_search(st.out, std::regex(R"(HA Enabled\s+true)"))) << st.out;
  EXPECT_TRUE(std::regex_search(st.out, std::regex(R"(HA Mode\s+standby)"))) << st.out;
  EXPECT_TRUE(std::regex_search(
      st.out, std::regex("Active Node Address\\s+" + std::regex_replace(
                             c.Url(a), std::regex(R"([.])"), R"(\.)"))))
      << st.out;
  st = c.Cli(a, {"status"});
  EXPECT_EQ(st.exit_code, 0) << st.out << st.err;
  EXPECT_TRUE(std::regex_search(st.out, std::regex(R"(HA Mode\s+active)"))) << st.out;

  // sys/step-down needs a token (403 without; nothing changes), then hands over.
  EXPECT_EQ(RawHttp(c.Port(a), "PUT", "/v1/sys/step-down").status, 403);
  EXPECT_EQ(c.Active(), a);
  HttpResult sd = c.Req(a, "PUT", "/v1/sys/step-down");
  EXPECT_EQ(sd.status, 204) << sd.body;
  const auto t0 = Clock::now();
  const int b = c.WaitActive(seconds(10), a);
  ASSERT_GE(b, 0) << "no other node active within 10 s of sys/step-down\n" << c.Describe();
  RecordProperty("step_down_handover_ms",
                 static_cast<int>(std::chrono::duration_cast<milliseconds>(Clock::now() - t0)
                                      .count()));
  // The old active node stays an unsealed standby that follows the new leader.
  EXPECT_TRUE(c.WaitStandby(a, seconds(5))) << c.Describe();
  EXPECT_EQ(c.WaitSettled(seconds(10)), b) << c.Describe();
  HaNodeView old = c.View(a);
  EXPECT_FALSE(old.sealed);
  EXPECT_FALSE(old.is_self);
  EXPECT_EQ(old.leader_address, c.Url(b));
  // And it forwards to the new one.
  std::string err;
  ASSERT_TRUE(EnableKv(c, b, &err)) << err;
  EXPECT_EQ(KvPut(c, a, "after-step-down", "x").status, 200) << c.Describe();
  EXPECT_EQ(KvGet(c, b, "after-step-down"), "x");
}

// Writers: each thread writes distinct keys continuously, through the node chosen by `pick`,
// and records every write answered 2xx.
struct Writers {
  std::vector<int> ports;
  std::atomic<int> active{-1};
  std::vector<std::atomic<bool>> dead;
  std::atomic<bool> stop{false};
  std::atomic<bool> failed_over{false};
  std::vector<std::thread> threads;
  std::mutex mu;
  std::map<std::string, std::string> acked;  // key -> value
  std::vector<int> acked_after_failover;
  std::atomic<int> failures{0};
  std::map<std::string, int> failure_kinds;  // "<node>:<status>" -> count, under mu
  std::map<int, std::string> failure_bodies;  // status -> the first body, under mu
  std::string token;

  Writers(const HaCluster& c, int n_threads) : dead(static_cast<size_t>(c.size())) {
    for (int i = 0; i < c.size(); ++i) ports.push_back(c.Port(i));
    token = c.root_token();
    acked_after_failover.assign(static_cast<size_t>(n_threads), 0);
    for (int t = 0; t < n_threads; ++t) threads.emplace_back([this, t] { Run(t); });
  }
  ~Writers() { Join(); }
  void Join() {
    stop = true;
    for (auto& th : threads) {
      if (th.joinable()) th.join();
    }
  }
  int Target(int t, int seq) {
    const int act = active.load();
    const int n = static_cast<int>(ports.size());
    if (t % 2 == 0 && act >= 0 && !dead[static_cast<size_t>(act)]) return act;
    // Odd threads go through the standbys, round robin.
    for (int k = 0; k < n; ++k) {
      int i = (seq + k) % n;
      if (i != act && !dead[static_cast<size_t>(i)]) return i;
    }
    return act;
  }
  void Run(int t) {
    for (int seq = 0; !stop; ++seq) {
      const std::string key = "w" + std::to_string(t) + "-" + std::to_string(seq);
      const std::string value = "value-" + key + "-" + std::to_string(seq * 7919 % 1000);
      const int target = Target(t, seq);
      const bool after = failed_over.load();
      HttpResult r = RawHttp(ports[static_cast<size_t>(target)], "POST", "/v1/secret/data/" + key,
                             "{\"data\":{\"v\":\"" + value + "\"}}", {{"X-Vault-Token", token}});
      if (r.status >= 200 && r.status < 300) {
        std::lock_guard<std::mutex> l(mu);
        acked[key] = value;
        if (after) ++acked_after_failover[static_cast<size_t>(t)];
      } else {
        ++failures;
        std::lock_guard<std::mutex> l(mu);
        ++failure_kinds[std::to_string(target) + ":" + std::to_string(r.status) +
                        (after ? " after" : " before")];
        failure_bodies.emplace(r.status, r.body.substr(0, 300));
      }
    }
  }
  size_t Acked() {
    std::lock_guard<std::mutex> l(mu);
    return acked.size();
  }
  int MinAfterFailover() {
    std::lock_guard<std::mutex> l(mu);
    int m = 1 << 30;
    for (int n : acked_after_failover) m = std::min(m, n);
    return m;
  }
};

TEST(HaFailover, KillNineOfTheActiveUnderWritersLosesNoAcknowledgedWrite) {
  HaCluster c(HaClusterOptions{.nodes = 3, .lock_timeout = "5s"});
  ASSERT_TRUE(c.ok()) << c.error();
  const int a = c.WaitSettled(seconds(15));
  ASSERT_GE(a, 0) << c.Describe();
  std::string err;
  ASSERT_TRUE(EnableKv(c, a, &err)) << err;
  ASSERT_EQ(KvPut(c, Other(c, a), "probe", "p").status, 200) << c.Describe();

  Writers w(c, 4);
  w.active = a;
  auto until = Clock::now() + seconds(30);
  while (w.Acked() < 40 && Clock::now() < until) std::this_thread::sleep_for(milliseconds(20));
  ASSERT_GE(w.Acked(), 40u) << "the writers got few writes through before the kill, failures "
                            << w.failures << "\n" << c.Describe();

  const auto t0 = Clock::now();
  c.Kill(a);
  w.dead[static_cast<size_t>(a)] = true;
  const int b = c.WaitActive(seconds(15), a);
  ASSERT_GE(b, 0) << "no standby became active within 15 s of kill -9 (lock_timeout 5s)\n"
                  << c.Describe();
  const auto took = std::chrono::duration_cast<milliseconds>(Clock::now() - t0);
  RecordProperty("failover_ms", static_cast<int>(took.count()));
  std::printf("failover after kill -9: %lld ms\n", static_cast<long long>(took.count()));
  std::fflush(stdout);
  w.active = b;
  w.failed_over = true;

  // The writers continue: every thread gets writes through the new topology.
  until = Clock::now() + seconds(30);
  while (w.MinAfterFailover() < 5 && Clock::now() < until) {
    std::this_thread::sleep_for(milliseconds(20));
  }
  EXPECT_GE(w.MinAfterFailover(), 5) << "writers stalled after the failover\n" << c.Describe();
  w.Join();

  // Nothing acknowledged is lost: every key reads back with its value through the new active.
  std::vector<std::string> missing;
  for (const auto& [key, value] : w.acked) {
    int st = 0;
    auto got = KvGet(c, b, key, &st);
    if (got != value) missing.push_back(key + " (" + std::to_string(st) + ")");
  }
  EXPECT_TRUE(missing.empty()) << missing.size() << " of " << w.acked.size()
                               << " acknowledged writes lost, e.g. " << missing.front() << "\n"
                               << c.Describe();
  std::printf("%zu writes acknowledged, %d failed (node:status):", w.acked.size(),
              w.failures.load());
  std::fflush(stdout);
  for (const auto& [kind, n] : w.failure_kinds) std::printf(" %s x%d;", kind.c_str(), n);
  std::printf("\n");
  std::fflush(stdout);
  for (const auto& [st, body] : w.failure_bodies) std::printf("  %d: %s\n", st, body.c_str());
  // While a standby takes over, writes may fail (refused, 307, 503), but a write is never
  // answered as if the mount were missing.
  EXPECT_EQ(w.failure_bodies.count(404), 0u) << w.failure_bodies[404];

  // The killed node, started again and unsealed, joins as a standby of the new active node.
  ASSERT_TRUE(c.Restart(a)) << c.error();
  EXPECT_EQ(c.WaitSettled(seconds(15)), b) << c.Describe();
  EXPECT_TRUE(c.WaitForwarding(a, seconds(15))) << c.Describe();
  EXPECT_EQ(KvGet(c, a, w.acked.begin()->first), w.acked.begin()->second);
}

TEST(HaFailover, SigtermOfTheActiveHandsOverAtOnce) {
  // lock_timeout 15 s (Vault's default): a takeover well under it proves the lock was released,
  // not left to expire.
  HaCluster c(HaClusterOptions{.nodes = 2, .lock_timeout = "15s"});
  ASSERT_TRUE(c.ok()) << c.error();
  const int a = c.WaitSettled(seconds(15));
  ASSERT_GE(a, 0) << c.Describe();
  std::string err;
  ASSERT_TRUE(EnableKv(c, a, &err)) << err;
  ASSERT_EQ(KvPut(c, a, "before", "1").status, 200);

  const auto t0 = Clock::now();
  ASSERT_TRUE(c.Signal(a, SIGTERM));
  const int b = c.WaitActive(seconds(4), a);
  const auto took = std::chrono::duration_cast<milliseconds>(Clock::now() - t0);
  const int status = c.Wait(a);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
      << "wait status " << status << "\n" << c.Describe();
  ASSERT_GE(b, 0) << "no handover within 4 s of SIGTERM (lock_timeout 15s)\n" << c.Describe();
  RecordProperty("sigterm_handover_ms", static_cast<int>(took.count()));
  std::printf("handover after SIGTERM: %lld ms\n", static_cast<long long>(took.count()));
  std::fflush(stdout);
  EXPECT_EQ(KvGet(c, b, "before"), "1");
  EXPECT_EQ(KvPut(c, b, "after", "2").status, 200);
}

}  // namespace
}  // namespace arca::testing
