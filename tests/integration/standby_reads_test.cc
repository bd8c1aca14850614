// Standby reads end to end (docs/ha.md "Standby reads"): one active node and two standbys on
// three etcd members (one case on PostgreSQL). A write on the active node is visible on every
// standby within the staleness bound; X-Vault-Index gives read-your-writes on the very next
// standby read; X-Vault-Inconsistent: fail answers 412; a policy change and a token revocation
// take effect on standbys within the bound (at once with the index); a standby performs no
// storage write while it serves reads, and the reads are its own (its served-requests counter,
// and it still answers while the active node is SIGSTOPped, within the bound); a standby that
// has not heard from the active node for longer than the bound stops serving reads;
// disable_standby_reads = true makes plain standbys again; sys/health 473 and perfstandbyok;
// a write sent to a standby is forwarded and lands; hvac reads from a standby.
#include <gtest/gtest.h>
#include <signal.h>

#include <fstream>
#include <regex>
#include <thread>

#include "common/encoding.h"
#include "common/json.h"
#include "integration/ha_cluster.h"

namespace arca::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using Clock = std::chrono::steady_clock;

// The documented default bound (standby_read_max_staleness).
constexpr auto kBound = milliseconds(1000);
// Timing slack for the test's own polling and process scheduling on a loaded machine.
constexpr auto kSlack = milliseconds(500);

constexpr char kMetricsListener[] =
    "  telemetry {\n    unauthenticated_metrics_access = true\n  }\n";

json::object Obj(const HttpResult& r) {
  auto o = ParseJsonObject(r.body);
  return o ? *o : json::object{};
}

long long Ms(Clock::duration d) {
  return static_cast<long long>(std::chrono::duration_cast<milliseconds>(d).count());
}

std::vector<int> Standbys(const HaCluster& c, int a) {
  std::vector<int> out;
  for (int i = 0; i < c.size(); ++i) {
    if (i != a && c.Serving(i)) out.push_back(i);
  }
  return out;
}

// Polls until node i reports itself a read-serving standby (sys/health 473).
bool WaitPerfStandby(const HaCluster& c, int i, milliseconds deadline) {
  const auto until = Clock::now() + deadline;
  while (Clock::now() < until) {
    if (RawHttp(c.Port(i), "GET", "/v1/sys/health").status == 473) return true;
    std::this_thread::sleep_for(milliseconds(50));
  }
  return false;
}

// A counter of node i's own metrics (unauthenticated metrics listener, Prometheus text; a
// counter, or a gauge used as one): the sum of the samples named ...`suffix`[_total]; -1 when
// there is none.
long long Metric(const HaCluster& c, int i, const std::string& suffix) {
  HttpResult r = RawHttp(c.Port(i), "GET", "/v1/sys/metrics?format=prometheus");
  if (r.status != 200) return -1;
  std::regex re("(^|\\n)[a-z_]*" + suffix + "(_total)?(\\{[^}]*\\})? ([0-9.e+]+)");
  long long sum = -1;
  for (auto it = std::sregex_iterator(r.body.begin(), r.body.end(), re);
       it != std::sregex_iterator(); ++it) {
    sum = std::max(sum, 0LL) + static_cast<long long>(std::stod((*it)[4]));
  }
  return sum;
}

std::string IndexOf(const HttpResult& r) {
  auto it = r.headers.find("x-vault-index");
  return it == r.headers.end() ? "" : it->second;
}

HttpResult KvRead(const HaCluster& c, int i, const std::string& key,
                  std::map<std::string, std::string> headers = {}) {
  return c.Req(i, "GET", "/v1/secret/data/" + key, "", std::move(headers));
}

std::string ValueOf(const HttpResult& r) {
  return StringOr(ObjectOr(ObjectOr(Obj(r), "data"), "data"), "v");
}

// Polls a read of `key` on node i until it answers `want`; how long that took, or nullopt
// past `deadline`.
std::optional<milliseconds> VisibleAfter(const HaCluster& c, int i, const std::string& key,
                                         const std::string& want, Clock::time_point since,
                                         milliseconds deadline) {
  while (Clock::now() < since + deadline) {
    HttpResult r = KvRead(c, i, key);
    if (r.status == 200 && ValueOf(r) == want) {
      return std::chrono::duration_cast<milliseconds>(Clock::now() - since);
    }
    std::this_thread::sleep_for(milliseconds(5));
  }
  return std::nullopt;
}

TEST(StandbyReads, VisibleWithinTheBoundIndexReadYourWritesHealthPoliciesTokensAndNoWrites) {
  HaCluster c(HaClusterOptions{.nodes = 3, .extra_listener = kMetricsListener});
  ASSERT_TRUE(c.ok()) << c.error();
  const int a = c.WaitSettled(seconds(15));
  ASSERT_GE(a, 0) << c.Describe();
  const std::vector<int> standbys = Standbys(c, a);
  ASSERT_EQ(standbys.size(), 2u);
  std::string err;
  ASSERT_TRUE(EnableKv(c, a, &err)) << err;
  for (int s : standbys) ASSERT_TRUE(WaitPerfStandby(c, s, seconds(15))) << c.Describe();

  // sys/health: 473 with performance_standby; perfstandbyok and performancestandbycode.
  for (int s : standbys) {
    HttpResult h = RawHttp(c.Port(s), "GET", "/v1/sys/health");
    EXPECT_EQ(h.status, 473) << h.body;
    EXPECT_TRUE(BoolOr(Obj(h), "performance_standby")) << h.body;
    EXPECT_TRUE(BoolOr(Obj(h), "standby")) << h.body;
    EXPECT_EQ(RawHttp(c.Port(s), "GET", "/v1/sys/health?perfstandbyok=true").status, 200);
    EXPECT_EQ(RawHttp(c.Port(s), "GET", "/v1/sys/health?performancestandbycode=299").status, 299);
    EXPECT_EQ(RawHttp(c.Port(s), "GET", "/v1/sys/health?performancestandbycode=1000").status, 400);
    // standbyok does not apply to a performance standby (as Vault).
    EXPECT_EQ(RawHttp(c.Port(s), "GET", "/v1/sys/health?standbyok=true").status, 473);
    HttpResult l = RawHttp(c.Port(s), "GET", "/v1/sys/leader");
    EXPECT_TRUE(BoolOr(Obj(l), "performance_standby")) << l.body;
    EXPECT_FALSE(BoolOr(Obj(l), "is_self", true)) << l.body;
  }
  HttpResult ah = RawHttp(c.Port(a), "GET", "/v1/sys/health");
  EXPECT_EQ(ah.status, 200);
  EXPECT_FALSE(BoolOr(Obj(ah), "performance_standby", true)) << ah.body;
  EXPECT_FALSE(
      BoolOr(Obj(RawHttp(c.Port(a), "GET", "/v1/sys/leader")), "performance_standby", true));
  // `arca status` on a standby shows Vault's performance standby row.
  CliResult st = c.Cli(standbys[0], {"status"});
  EXPECT_TRUE(std::regex_search(st.out, std::regex("\nPerformance Standby Node +true\n")))
      << st.out;

  // A write on the active node: visible on each standby within the bound. Each standby has
  // read the key first (its cache holds the old value), so a missed invalidation would show.
  ASSERT_EQ(KvPut(c, a, "k", "v0").status, 200);
  for (int s : standbys) {
    ASSERT_TRUE(VisibleAfter(c, s, "k", "v0", Clock::now(), kBound + kSlack)) << c.Describe();
  }
  for (int round = 1; round <= 5; ++round) {
    const std::string want = "v" + std::to_string(round);
    ASSERT_EQ(KvPut(c, a, "k", want).status, 200);
    const auto acked = Clock::now();
    for (int s : standbys) {
      auto took = VisibleAfter(c, s, "k", want, acked, kBound + kSlack);
      ASSERT_TRUE(took) << "node " << s << " did not show " << want << " within the bound\n"
                        << c.Describe();
      EXPECT_LE(took->count(), Ms(kBound + kSlack)) << "node " << s;
    }
  }

  // X-Vault-Index: the very next read on a standby sees the write, every time.
  for (int round = 0; round < 20; ++round) {
    const int s = standbys[static_cast<size_t>(round % 2)];
    HttpResult pre = KvRead(c, s, "ryw");  // the standby caches the old value (or absence)
    ASSERT_TRUE(pre.status == 200 || pre.status == 404) << pre.body;
    const std::string want = "w" + std::to_string(round);
    HttpResult w = KvPut(c, a, "ryw", want);
    ASSERT_EQ(w.status, 200) << w.body;
    const std::string index = IndexOf(w);
    ASSERT_FALSE(index.empty()) << "the active node's answer carries X-Vault-Index";
    HttpResult r = KvRead(c, s, "ryw", {{"X-Vault-Index", index}});
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(ValueOf(r), want) << "round " << round;
    EXPECT_FALSE(IndexOf(r).empty()) << "a standby's answer carries X-Vault-Index";
  }

  // An index the standby has not applied (from the future): fail -> 412 with Vault's wording;
  // forward-active-node (and no X-Vault-Inconsistent) -> answered by the active node.
  {
    HttpResult w = KvPut(c, a, "idx", "x");
    const std::string index = IndexOf(w);
    auto raw = Base64Decode(index);
    ASSERT_TRUE(raw.has_value());
    const size_t colon = raw->rfind(':');
    ASSERT_NE(colon, std::string::npos) << *raw;
    const std::string future = Base64Encode(
        raw->substr(0, colon + 1) + std::to_string(std::stoull(raw->substr(colon + 1)) + 1000000));
    const int s = standbys[0];
    HttpResult f =
        KvRead(c, s, "idx", {{"X-Vault-Index", future}, {"X-Vault-Inconsistent", "fail"}});
    EXPECT_EQ(f.status, 412) << f.body;
    EXPECT_NE(f.body.find("required index state not present"), std::string::npos) << f.body;
    HttpResult fwd = KvRead(
        c, s, "idx", {{"X-Vault-Index", future}, {"X-Vault-Inconsistent", "forward-active-node"}});
    EXPECT_EQ(fwd.status, 200) << fwd.body;
    EXPECT_EQ(ValueOf(fwd), "x");
    EXPECT_EQ(KvRead(c, s, "idx", {{"X-Vault-Index", future}}).status, 200);
    // Bad input: an unknown X-Vault-Inconsistent value is a 400; an index that is not ours is
    // never present (412 with fail).
    EXPECT_EQ(
        KvRead(c, s, "idx", {{"X-Vault-Index", future}, {"X-Vault-Inconsistent", "maybe"}}).status,
        400);
    EXPECT_EQ(
        KvRead(c, s, "idx", {{"X-Vault-Index", "bm90LW91cnM="}, {"X-Vault-Inconsistent", "fail"}})
            .status,
        412);
    // A current index with fail: served.
    EXPECT_EQ(
        KvRead(c, s, "idx", {{"X-Vault-Index", index}, {"X-Vault-Inconsistent", "fail"}}).status,
        200);
  }

  // A write sent to a standby is forwarded, lands, and the next read through that standby
  // (without an index) sees it: the standby applies the answer's index before relaying it.
  for (int s : standbys) {
    for (int round = 0; round < 5; ++round) {
      const std::string want = "fw" + std::to_string(s) + "-" + std::to_string(round);
      HttpResult w = KvPut(c, s, "via-standby", want);
      ASSERT_EQ(w.status, 200) << w.body;
      EXPECT_EQ(ValueOf(KvRead(c, s, "via-standby")), want);
      HttpResult on_active = KvRead(c, a, "via-standby");
      EXPECT_EQ(ValueOf(on_active), want);
    }
  }

  // No storage write by a standby while it serves reads, and the reads are its own.
  for (int s : standbys) {
    const long long writes_before = Metric(c, s, "storage_writes");
    const long long served_before = Metric(c, s, "ha_standby_served_requests");
    ASSERT_GE(writes_before, 0) << "the storage write counter is on sys/metrics";
    ASSERT_GE(served_before, 0) << "the served-requests counter is on sys/metrics";
    for (int i = 0; i < 50; ++i) {
      HttpResult r = KvRead(c, s, "k");
      ASSERT_EQ(r.status, 200) << r.body;
      ASSERT_EQ(c.Req(s, "GET", "/v1/auth/token/lookup-self").status, 200);
    }
    EXPECT_EQ(Metric(c, s, "storage_writes"), writes_before) << "node " << s;
    EXPECT_GE(Metric(c, s, "ha_standby_served_requests"), served_before + 100) << "node " << s;
  }
  // The active node counts writes (the counter is real).
  {
    const long long before = Metric(c, a, "storage_writes");
    ASSERT_EQ(KvPut(c, a, "counted", "x").status, 200);
    EXPECT_GT(Metric(c, a, "storage_writes"), before);
  }

  // A policy change takes effect on standbys within the bound, and at once with the index.
  ASSERT_EQ(KvPut(c, a, "pol", "secret-value").status, 200);
  ASSERT_EQ(c.Req(a, "PUT", "/v1/sys/policies/acl/reader",
                  R"({"policy":"path \"secret/data/pol\" { capabilities = [\"read\"] }"})")
                .status,
            204);
  HttpResult tok = c.Req(a, "POST", "/v1/auth/token/create", R"({"policies":["reader"]})");
  ASSERT_EQ(tok.status, 200) << tok.body;
  const std::string token = StringOr(ObjectOr(Obj(tok), "auth"), "client_token");
  ASSERT_FALSE(token.empty());
  auto read_as = [&](int i, const std::string& t, std::map<std::string, std::string> h = {}) {
    h["X-Vault-Token"] = t;
    return RawHttp(c.Port(i), "GET", "/v1/secret/data/pol", "", h);
  };
  for (int s : standbys) {
    const auto until = Clock::now() + kBound + kSlack;
    int got = 0;
    while (Clock::now() < until && (got = read_as(s, token).status) != 200) {
      std::this_thread::sleep_for(milliseconds(10));
    }
    ASSERT_EQ(got, 200) << "the new token reads on node " << s;
  }
  // Within the bound (no index).
  HttpResult narrowed =
      c.Req(a, "PUT", "/v1/sys/policies/acl/reader",
            R"({"policy":"path \"secret/data/other\" { capabilities = [\"read\"] }"})");
  ASSERT_EQ(narrowed.status, 204);
  const auto narrowed_at = Clock::now();
  for (int s : standbys) {
    int got = 0;
    while (Clock::now() < narrowed_at + kBound + kSlack &&
           (got = read_as(s, token).status) != 403) {
      std::this_thread::sleep_for(milliseconds(10));
    }
    EXPECT_EQ(got, 403) << "the narrowed policy applies on node " << s << " within the bound";
  }
  // At once with the index of the change's answer.
  HttpResult widened =
      c.Req(a, "PUT", "/v1/sys/policies/acl/reader",
            R"({"policy":"path \"secret/data/pol\" { capabilities = [\"read\"] }"})");
  ASSERT_EQ(widened.status, 204);
  ASSERT_FALSE(IndexOf(widened).empty());
  for (int s : standbys) {
    EXPECT_EQ(read_as(s, token, {{"X-Vault-Index", IndexOf(widened)}}).status, 200) << "node " << s;
  }
  // A token revocation: at once with the index, and within the bound without.
  HttpResult revoked = c.Req(a, "POST", "/v1/auth/token/revoke", "{\"token\":\"" + token + "\"}");
  ASSERT_EQ(revoked.status, 204) << revoked.body;
  ASSERT_FALSE(IndexOf(revoked).empty());
  EXPECT_EQ(read_as(standbys[0], token, {{"X-Vault-Index", IndexOf(revoked)}}).status, 403);
  {
    const auto until = Clock::now() + kBound + kSlack;
    int got = 0;
    while (Clock::now() < until && (got = read_as(standbys[1], token).status) != 403) {
      std::this_thread::sleep_for(milliseconds(10));
    }
    EXPECT_EQ(got, 403) << "the revoked token is refused on the standby within the bound";
  }

  // hvac reads from a standby; redirects are refused, so the answer is the standby's own.
  TempDir dir;
  const std::string script = dir.File("hvac_standby_read.py");
  {
    std::ofstream f(script);
    f << R"PY(import os, sys
os.environ["NO_PROXY"] = "127.0.0.1"
for k in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"):
    os.environ.pop(k, None)
import hvac, requests
url, token = sys.argv[1], sys.argv[2]
s = requests.Session()
s.max_redirects = 0
s.headers["X-Vault-No-Request-Forwarding"] = "true"
c = hvac.Client(url=url, token=token, session=s)
got = c.secrets.kv.v2.read_secret_version(path="k", mount_point="secret")
print("standby read", got["data"]["data"]["v"])
)PY";
  }
  ShellResult py =
      Sh("/usr/bin/python3 " + script + " " + c.Url(standbys[1]) + " " + c.root_token() + " 2>&1");
  EXPECT_EQ(py.code, 0) << py.out;
  EXPECT_NE(py.out.find("standby read v5"), std::string::npos) << py.out;
}

TEST(StandbyReads, ServedLocallyWhileTheActiveIsPausedThenStaleAfterTheBound) {
  // A long lock TTL: the pause must not cause a failover.
  HaCluster c(HaClusterOptions{.nodes = 2, .lock_timeout = "15s"});
  ASSERT_TRUE(c.ok()) << c.error();
  const int a = c.WaitSettled(seconds(15));
  ASSERT_GE(a, 0) << c.Describe();
  const int s = Standbys(c, a).at(0);
  std::string err;
  ASSERT_TRUE(EnableKv(c, a, &err)) << err;
  ASSERT_EQ(KvPut(c, a, "p", "paused").status, 200);
  ASSERT_TRUE(WaitPerfStandby(c, s, seconds(15))) << c.Describe();
  ASSERT_TRUE(VisibleAfter(c, s, "p", "paused", Clock::now(), kBound + kSlack));
  const std::map<std::string, std::string> no_fwd = {{"X-Vault-No-Request-Forwarding", "true"}};
  // Fresh: served here even when forwarding is refused by the client.
  ASSERT_EQ(KvRead(c, s, "p", no_fwd).status, 200);

  ASSERT_TRUE(c.Signal(a, SIGSTOP));
  const auto stopped = Clock::now();
  // Within the bound: still served by the standby itself (the active node cannot answer).
  HttpResult r = KvRead(c, s, "p", no_fwd);
  const auto answered = Clock::now();
  if (answered - stopped < kBound - milliseconds(200)) {
    EXPECT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(ValueOf(r), "paused");
  }
  // Past the bound: no more local reads: 307 to the active node (the client refused
  // forwarding), sys/health 429.
  int status = 0, health = 0;
  const auto until = stopped + kBound + seconds(3);
  while (Clock::now() < until) {
    status = KvRead(c, s, "p", no_fwd).status;
    health = RawHttp(c.Port(s), "GET", "/v1/sys/health").status;
    if (status == 307 && health == 429) break;
    std::this_thread::sleep_for(milliseconds(20));
  }
  const auto stale_at = Clock::now();
  EXPECT_EQ(status, 307);
  EXPECT_EQ(health, 429);
  EXPECT_GE(Ms(stale_at - stopped), Ms(kBound) - 100) << "stale before the bound";
  // Every read after the bound is refused locally while the pause lasts.
  for (int i = 0; i < 5; ++i) EXPECT_EQ(KvRead(c, s, "p", no_fwd).status, 307);

  ASSERT_TRUE(c.Signal(a, SIGCONT));
  EXPECT_TRUE(WaitPerfStandby(c, s, seconds(10))) << c.Describe();
  EXPECT_EQ(KvRead(c, s, "p", no_fwd).status, 200);
}

TEST(StandbyReads, DisabledStandbyReadsMakePlainStandbys) {
  HaCluster c(HaClusterOptions{.nodes = 2, .extra_top = "disable_standby_reads = true\n"});
  ASSERT_TRUE(c.ok()) << c.error();
  const int a = c.WaitSettled(seconds(15));
  ASSERT_GE(a, 0) << c.Describe();
  const int s = Standbys(c, a).at(0);
  std::string err;
  ASSERT_TRUE(EnableKv(c, a, &err)) << err;
  ASSERT_EQ(KvPut(c, a, "d", "disabled").status, 200);
  // Plain standby: 429, performance_standby false, the read forwarded (200 through the
  // standby; 307 when the client refuses forwarding).
  for (int i = 0; i < 10; ++i) {
    HttpResult h = RawHttp(c.Port(s), "GET", "/v1/sys/health");
    EXPECT_EQ(h.status, 429) << h.body;
    EXPECT_FALSE(BoolOr(Obj(h), "performance_standby", true)) << h.body;
    std::this_thread::sleep_for(milliseconds(100));
  }
  EXPECT_FALSE(
      BoolOr(Obj(RawHttp(c.Port(s), "GET", "/v1/sys/leader")), "performance_standby", true));
  EXPECT_EQ(ValueOf(KvRead(c, s, "d")), "disabled");
  HttpResult r = KvRead(c, s, "d", {{"X-Vault-No-Request-Forwarding", "true"}});
  EXPECT_EQ(r.status, 307) << r.body;
  EXPECT_EQ(r.headers["location"], c.Url(a) + "/v1/secret/data/d");
  // No index from a plain standby of its own: the relayed answer carries the active node's.
  HttpResult fwd = KvRead(c, s, "d");
  EXPECT_EQ(fwd.status, 200);
}

TEST(StandbyReadsPostgres, VisibleWithinTheBoundAndIndexReadYourWrites) {
  HaCluster c(HaClusterOptions{.nodes = 3, .lock_timeout = "5s", .storage = HaStorage::kPostgres});
  ASSERT_TRUE(c.ok()) << c.error();
  const int a = c.WaitSettled(seconds(15));
  ASSERT_GE(a, 0) << c.Describe();
  const std::vector<int> standbys = Standbys(c, a);
  ASSERT_EQ(standbys.size(), 2u);
  std::string err;
  ASSERT_TRUE(EnableKv(c, a, &err)) << err;
  for (int s : standbys) ASSERT_TRUE(WaitPerfStandby(c, s, seconds(15))) << c.Describe();
  const std::map<std::string, std::string> no_fwd = {{"X-Vault-No-Request-Forwarding", "true"}};
  for (int round = 0; round < 5; ++round) {
    const std::string want = "pg" + std::to_string(round);
    HttpResult w = KvPut(c, a, "pgk", want);
    ASSERT_EQ(w.status, 200) << w.body;
    const auto acked = Clock::now();
    for (int s : standbys) {
      auto took = VisibleAfter(c, s, "pgk", want, acked, kBound + kSlack);
      ASSERT_TRUE(took) << "node " << s << "\n" << c.Describe();
    }
    // Read-your-writes with the index, served by the standby itself.
    HttpResult w2 = KvPut(c, a, "pgryw", want);
    ASSERT_EQ(w2.status, 200);
    for (int s : standbys) {
      std::map<std::string, std::string> h = no_fwd;
      h["X-Vault-Index"] = IndexOf(w2);
      HttpResult r = KvRead(c, s, "pgryw", h);
      ASSERT_EQ(r.status, 200) << r.body << "\nnode " << s << " round " << round << "\n"
                               << c.Describe();
      EXPECT_EQ(ValueOf(r), want);
    }
  }
}

}  // namespace
}  // namespace arca::testing
