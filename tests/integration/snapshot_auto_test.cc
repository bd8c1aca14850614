// Scheduled snapshots (sys/storage/raft/snapshot-auto) on a real server: configuration CRUD and
// bad input, a 1 s interval producing verified snapshot files, retention of the configuration's
// own files only, status fields, the last-success metric, a failing path_prefix counted in
// consecutive_errors, nothing written while the node is sealed, and in an HA cluster (on
// PostgreSQL) only the active node takes snapshots, the new one after a step-down.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <thread>

#include "common/json.h"
#include "integration/harness.h"
#include "storage/postgresql/pg_test_util.h"
#include "storage/snapshot.h"

namespace arca::testing {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

// The snapshot files of `prefix` in `dir` ("<prefix>-<digits>.snap"), sorted.
std::vector<std::string> SnapFiles(const std::string& dir, const std::string& prefix) {
  std::vector<std::string> out;
  std::error_code ec;
  std::regex re(prefix + "-[0-9]+\\.snap");
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (std::regex_match(name, re)) out.push_back(name);
  }
  std::sort(out.begin(), out.end());
  return out;
}

// Polls `pred` every 50 ms until it holds or `limit` passes.
template <typename Pred>
bool Eventually(Pred pred, std::chrono::seconds limit = std::chrono::seconds(30)) {
  const auto deadline = Clock::now() + limit;
  while (Clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return pred();
}

json::object DataOf(const HttpResult& r) {
  auto o = ParseJsonObject(r.body);
  if (!o) return {};
  return ObjectOr(*o, "data");
}

// The error messages of a response, decoded.
std::string Errors(const HttpResult& r) {
  auto o = ParseJsonObject(r.body);
  if (!o) return r.body;
  std::string out;
  for (const auto& e : StringsOf(*o, "errors")) out += e + "\n";
  return out;
}

class SnapshotAutoTest : public DevServerTest {
 protected:
  HttpResult Req(const std::string& method, const std::string& path, const std::string& body = "",
                 const std::optional<std::string>& token = std::nullopt) {
    return RawHttp(port_, method, "/v1/sys/storage/raft/snapshot-auto/" + path, body,
                   {{"X-Vault-Token", token.value_or(root_)}});
  }
  json::object Status(const std::string& name) {
    auto r = Req("GET", "status/" + name);
    EXPECT_EQ(r.status, 200) << r.body;
    return DataOf(r);
  }
};

TEST_F(SnapshotAutoTest, ConfigCrud) {
  const std::string snaps = dir_.File("snaps");
  auto put = Req("POST", "config/daily",
                 R"({"interval":"24h","storage_type":"local","retain":3,"path_prefix":")" + snaps +
                     R"(","local_max_space":10000000})");
  ASSERT_EQ(put.status, 204) << put.body;
  auto get = Req("GET", "config/daily");
  ASSERT_EQ(get.status, 200) << get.body;
  json::object d = DataOf(get);
  EXPECT_EQ(IntOr(d, "interval"), 86400);
  EXPECT_EQ(IntOr(d, "retain"), 3);
  EXPECT_EQ(StringOr(d, "path_prefix"), snaps);
  EXPECT_EQ(StringOr(d, "file_prefix"), "vault-snapshot");
  EXPECT_EQ(StringOr(d, "storage_type"), "local");
  EXPECT_EQ(IntOr(d, "local_max_space"), 10000000);

  // An update changes only what it names; an integer interval is seconds.
  ASSERT_EQ(Req("PUT", "config/daily", R"({"retain":5,"interval":7200})").status, 204);
  d = DataOf(Req("GET", "config/daily"));
  EXPECT_EQ(IntOr(d, "retain"), 5);
  EXPECT_EQ(IntOr(d, "interval"), 7200);
  EXPECT_EQ(StringOr(d, "path_prefix"), snaps);

  ASSERT_EQ(Req("POST", "config/weekly",
                R"({"interval":"168h","storage_type":"local","file_prefix":"weekly","path_prefix":")" +
                    snaps + "\"}")
                .status,
            204);
  auto list = Req("LIST", "config");
  ASSERT_EQ(list.status, 200) << list.body;
  EXPECT_EQ(StringsOf(DataOf(list), "keys"), (std::vector<std::string>{"daily", "weekly"}));

  // A fresh configuration's status: nothing taken yet, the next one scheduled.
  json::object st = Status("daily");
  EXPECT_EQ(IntOr(st, "consecutive_errors", -1), 0);
  EXPECT_EQ(StringOr(st, "last_snapshot_url", "x"), "");
  EXPECT_EQ(StringOr(st, "last_snapshot_error", "x"), "");
  EXPECT_NE(StringOr(st, "next_snapshot_start"), "");

  ASSERT_EQ(Req("DELETE", "config/daily").status, 204);
  EXPECT_EQ(Req("GET", "config/daily").status, 404);
  EXPECT_EQ(Req("GET", "status/daily").status, 404);
  ASSERT_EQ(Req("DELETE", "config/weekly").status, 204);
  EXPECT_EQ(Req("LIST", "config").status, 404);
}

TEST_F(SnapshotAutoTest, BadInputIs400AndStoresNothing) {
  const std::string p = dir_.File("snaps");
  struct Case {
    std::string body;
    std::string message;
  };
  const std::vector<Case> cases = {
      {R"({"storage_type":"local","path_prefix":")" + p + "\"}", "interval is required"},
      {R"({"interval":"1h","path_prefix":")" + p + "\"}", "storage_type is required"},
      {R"({"interval":"1h","storage_type":"local"})", "path_prefix is required"},
      {R"({"interval":"soon","storage_type":"local","path_prefix":")" + p + "\"}",
       "error converting input for field \"interval\""},
      {R"({"interval":0,"storage_type":"local","path_prefix":")" + p + "\"}",
       "interval must be at least 1s"},
      {R"({"interval":"1h","storage_type":"aws-s3","path_prefix":")" + p + "\"}",
       "storage_type \"aws-s3\" is not supported"},
      {R"({"interval":"1h","storage_type":"local","path_prefix":"relative/dir"})",
       "path_prefix must be an absolute directory path"},
      {R"({"interval":"1h","storage_type":"local","retain":0,"path_prefix":")" + p + "\"}",
       "retain must be at least 1"},
      {R"({"interval":"1h","storage_type":"local","retain":"many","path_prefix":")" + p + "\"}",
       "error converting input for field \"retain\""},
      {R"({"interval":"1h","storage_type":"local","local_max_space":-1,"path_prefix":")" + p +
           "\"}",
       "local_max_space must not be negative"},
      {R"({"interval":"1h","storage_type":"local","file_prefix":"a/b","path_prefix":")" + p +
           "\"}",
       "file_prefix must be a file name prefix"},
      {R"({"interval":"1h","storage_type":"local","autoload_enabled":true,"path_prefix":")" + p +
           "\"}",
       "autoload_enabled is not allowed for storage_type=local"},
  };
  for (const Case& c : cases) {
    auto r = Req("POST", "config/bad", c.body);
    EXPECT_EQ(r.status, 400) << c.body << " -> " << r.body;
    EXPECT_NE(Errors(r).find(c.message), std::string::npos) << c.body << " -> " << r.body;
    EXPECT_EQ(Req("GET", "config/bad").status, 404) << c.body;
  }
  // A bad update of an existing configuration changes nothing.
  ASSERT_EQ(Req("POST", "config/good",
                R"({"interval":"1h","storage_type":"local","path_prefix":")" + p + "\"}")
                .status,
            204);
  EXPECT_EQ(Req("POST", "config/good", R"({"storage_type":"google-gcs"})").status, 400);
  EXPECT_EQ(StringOr(DataOf(Req("GET", "config/good")), "storage_type"), "local");
  // Two configurations may not share their files.
  auto clash = Req("POST", "config/clash",
                   R"({"interval":"2h","storage_type":"local","path_prefix":")" + p + "/\"}");
  EXPECT_EQ(clash.status, 400);
  EXPECT_NE(Errors(clash).find("already writes snapshots with this path_prefix and file_prefix"),
            std::string::npos)
      << clash.body;
  EXPECT_EQ(Req("GET", "config/clash").status, 404);
  // Unknown names, bad names.
  EXPECT_EQ(Req("GET", "status/nope").status, 404);
  EXPECT_EQ(Req("POST", "config/-bad-", R"({"interval":"1h"})").status, 400);

  // sudo is required on the configurations (not on the status), as in Vault.
  ASSERT_EQ(RawHttp(port_, "POST", "/v1/sys/policies/acl/snap",
                    R"({"policy":"path \"sys/storage/raft/snapshot-auto/*\" { capabilities = [\"create\", \"read\", \"update\", \"delete\", \"list\"] }"})",
                    {{"X-Vault-Token", root_}})
                .status,
            204);
  auto tok = RawHttp(port_, "POST", "/v1/auth/token/create", R"({"policies":["snap"]})",
                     {{"X-Vault-Token", root_}});
  ASSERT_EQ(tok.status, 200) << tok.body;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(tok.body, m, std::regex("\"client_token\":\"([^\"]+)\"")));
  const std::string token = m[1];
  EXPECT_EQ(Req("GET", "config/good", "", token).status, 403);
  EXPECT_EQ(Req("POST", "config/other",
                R"({"interval":"1h","storage_type":"local","path_prefix":"/tmp/x"})", token)
                .status,
            403);
  EXPECT_EQ(Req("GET", "status/good", "", token).status, 200);
}

TEST_F(SnapshotAutoTest, ShortIntervalWritesSnapshotsAndKeepsTheNewestOfItsOwn) {
  const std::string snaps = dir_.File("snaps");
  fs::create_directories(snaps);
  // Files that are not this configuration's: another prefix, a near miss, anything else.
  for (const char* name : {"other-1.snap", "fast-abc.snap", "fast-1.snap.bak", "notes.txt"}) {
    std::ofstream(snaps + "/" + name) << "keep me";
  }
  ASSERT_EQ(RawHttp(port_, "POST", "/v1/sys/mounts/kv", R"({"type":"kv"})",
                    {{"X-Vault-Token", root_}})
                .status,
            204);
  ASSERT_EQ(RawHttp(port_, "POST", "/v1/kv/a", R"({"v":"1"})", {{"X-Vault-Token", root_}}).status,
            204);
  ASSERT_EQ(Req("POST", "config/fast",
                R"({"interval":"1s","retain":2,"file_prefix":"fast","storage_type":"local","path_prefix":")" +
                    snaps + "\"}")
                .status,
            204);

  // Several snapshots are taken; only the newest two stay.
  std::set<std::string> seen;
  size_t most = 0;
  ASSERT_TRUE(Eventually([&] {
    auto files = SnapFiles(snaps, "fast");
    most = std::max(most, files.size());
    seen.insert(files.begin(), files.end());
    return seen.size() >= 4 && files.size() == 2;
  })) << "seen " << seen.size();
  EXPECT_LE(most, 3u);  // the new file, then retention: never more than retain + 1
  EXPECT_FALSE(fs::exists(snaps + "/" + *seen.begin()));  // the oldest went
  for (const char* name : {"other-1.snap", "fast-abc.snap", "fast-1.snap.bak", "notes.txt"}) {
    EXPECT_TRUE(fs::exists(snaps + "/" + name)) << name;
  }
  // No temporary file is left behind.
  for (const auto& e : fs::directory_iterator(snaps)) {
    EXPECT_FALSE(e.path().filename().string().ends_with(".tmp")) << e.path();
  }

  // The status of the latest snapshot, and its file is a complete snapshot of the storage.
  json::object st = Status("fast");
  EXPECT_EQ(IntOr(st, "consecutive_errors", -1), 0);
  EXPECT_EQ(StringOr(st, "last_snapshot_error", "x"), "");
  const std::string url = StringOr(st, "last_snapshot_url");
  ASSERT_TRUE(url.starts_with("file://" + snaps + "/fast-")) << url;
  EXPECT_NE(StringOr(st, "last_snapshot_start"), "");
  EXPECT_NE(StringOr(st, "last_snapshot_end"), "");
  EXPECT_GE(StringOr(st, "next_snapshot_start"), StringOr(st, "last_snapshot_start"));
  EXPECT_NE(StringOr(st, "snapshot_start"), "");
  const std::string newest = snaps + "/" + SnapFiles(snaps, "fast").back();
  auto reader = storage::snapshot::Reader::Open(newest);
  ASSERT_TRUE(reader.has_value()) << reader.error().message();
  EXPECT_EQ((*reader)->meta().backend, "inmem");
  EXPECT_GT((*reader)->meta().entries, 5u);
  // Only ciphertext: the KV value is not in the file.
  std::ifstream in(newest, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(bytes.find("\"v\":\"1\""), std::string::npos);

  // The metric of the last success, in both formats.
  auto prom = RawHttp(port_, "GET", "/v1/sys/metrics?format=prometheus", "",
                      {{"X-Vault-Token", root_}});
  ASSERT_EQ(prom.status, 200);
  EXPECT_TRUE(std::regex_search(
      prom.body,
      std::regex("\nvault_autosnapshots_last_success_time\\{snapshot_config_name=\"fast\"\\} "
                 "1[0-9.eE+]+\n")))
      << prom.body;
  auto js = RawHttp(port_, "GET", "/v1/sys/metrics", "", {{"X-Vault-Token", root_}});
  ASSERT_EQ(js.status, 200);
  EXPECT_TRUE(std::regex_search(
      js.body, std::regex("\\{\"Name\":\"vault\\.autosnapshots\\.last\\.success\\.time\","
                          "\"Value\":[0-9.eE+]+,\"Labels\":\\{\"snapshot_config_name\":\"fast\"\\}")))
      << js.body;

  // Deleting the configuration stops it; its files stay.
  ASSERT_EQ(Req("DELETE", "config/fast").status, 204);
  auto left = SnapFiles(snaps, "fast");
  EXPECT_EQ(left.size(), 2u);
}

TEST_F(SnapshotAutoTest, FailingPathPrefixCountsConsecutiveErrors) {
  // A path below a regular file can never be a directory, whoever runs the test.
  const std::string blocker = dir_.File("blocker");
  std::ofstream(blocker) << "x";
  ASSERT_EQ(Req("POST", "config/broken",
                R"({"interval":"1s","storage_type":"local","path_prefix":")" + blocker +
                    "/snaps\"}")
                .status,
            204);
  json::object st;
  ASSERT_TRUE(Eventually([&] {
    st = Status("broken");
    return IntOr(st, "consecutive_errors") >= 2;
  })) << ToJson(st);
  EXPECT_NE(StringOr(st, "last_snapshot_error").find(blocker), std::string::npos) << ToJson(st);
  EXPECT_EQ(StringOr(st, "last_snapshot_url", "x"), "");
  auto prom = RawHttp(port_, "GET", "/v1/sys/metrics?format=prometheus", "",
                      {{"X-Vault-Token", root_}});
  EXPECT_TRUE(std::regex_search(
      prom.body,
      std::regex("\nvault_autosnapshots_save_errors_total\\{snapshot_config_name=\"broken\"\\} "
                 "[1-9][0-9]*\n")))
      << prom.body;

  // Pointing it at a usable directory: the next snapshot succeeds and the count resets.
  const std::string good = dir_.File("good");
  ASSERT_EQ(Req("POST", "config/broken", R"({"path_prefix":")" + good + "\"}").status, 204);
  ASSERT_TRUE(Eventually([&] {
    st = Status("broken");
    return IntOr(st, "consecutive_errors", -1) == 0 && !StringOr(st, "last_snapshot_url").empty();
  })) << ToJson(st);
  EXPECT_EQ(StringOr(st, "last_snapshot_error", "x"), "");
  EXPECT_FALSE(SnapFiles(good, "vault-snapshot").empty());
}

TEST_F(SnapshotAutoTest, LocalMaxSpaceRefusesASnapshotThatDoesNotFit) {
  const std::string snaps = dir_.File("snaps");
  ASSERT_EQ(Req("POST", "config/tiny",
                R"({"interval":"1s","storage_type":"local","local_max_space":64,"path_prefix":")" +
                    snaps + "\"}")
                .status,
            204);
  json::object st;
  ASSERT_TRUE(Eventually([&] {
    st = Status("tiny");
    return IntOr(st, "consecutive_errors") >= 1;
  })) << ToJson(st);
  EXPECT_NE(StringOr(st, "last_snapshot_error").find("does not fit in local_max_space (64 bytes"),
            std::string::npos)
      << ToJson(st);
  // Nothing was left in the directory: neither a snapshot nor its temporary file.
  std::error_code ec;
  EXPECT_TRUE(!fs::exists(snaps) || fs::is_empty(snaps, ec)) << snaps;
  // Enough room: it succeeds.
  ASSERT_EQ(Req("POST", "config/tiny", R"({"local_max_space":100000000})").status, 204);
  ASSERT_TRUE(Eventually([&] {
    st = Status("tiny");
    return IntOr(st, "consecutive_errors", -1) == 0 && !StringOr(st, "last_snapshot_url").empty();
  })) << ToJson(st);
  EXPECT_EQ(SnapFiles(snaps, "vault-snapshot").size(), 1u);
}

// A server on file storage: sealing stops the schedule, unsealing resumes it.
TEST(SnapshotAutoSealed, NothingRunsWhileSealed) {
  TempDir dir;
  const std::string cfg = dir.File("arca.hcl");
  std::ofstream(cfg) << "storage \"file\" {\n  path = \"" << dir.File("data")
                     << "\"\n}\nlistener \"tcp\" {\n  address = \"127.0.0.1:0\"\n"
                        "  tls_disable = true\n}\ndisable_mlock = true\nlog_level = \"warn\"\n";
  ServerProcess server({"-config=" + cfg});
  ASSERT_TRUE(server.running()) << server.Log();
  std::map<std::string, std::string> env{{"ARCA_ADDR", server.url()}};
  auto init = RunCli({"operator", "init", "-key-shares=1", "-key-threshold=1"}, env);
  ASSERT_EQ(init.exit_code, 0) << init.err;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(init.out, m, std::regex("Unseal Key 1: (\\S+)")));
  const std::string key = m[1];
  ASSERT_TRUE(std::regex_search(init.out, m, std::regex("Initial Root Token: (\\S+)")));
  const std::string root = m[1];
  ASSERT_EQ(RunCli({"operator", "unseal", key}, env).exit_code, 0);

  const std::string snaps = dir.File("snaps");
  ASSERT_EQ(RawHttp(server.port(), "POST", "/v1/sys/storage/raft/snapshot-auto/config/s",
                    R"({"interval":"1s","storage_type":"local","retain":100,"path_prefix":")" +
                        snaps + "\"}",
                    {{"X-Vault-Token", root}})
                .status,
            204);
  ASSERT_TRUE(Eventually([&] { return !SnapFiles(snaps, "vault-snapshot").empty(); }));
  auto reader = storage::snapshot::Reader::Open(snaps + "/" +
                                                SnapFiles(snaps, "vault-snapshot").back());
  ASSERT_TRUE(reader.has_value()) << reader.error().message();
  EXPECT_EQ((*reader)->meta().backend, "file");

  ASSERT_EQ(RawHttp(server.port(), "PUT", "/v1/sys/seal", "", {{"X-Vault-Token", root}}).status,
            204);
  const size_t sealed_count = SnapFiles(snaps, "vault-snapshot").size();
  // Three intervals pass without a new file (the check is for something NOT happening, so it
  // watches for the whole window).
  EXPECT_FALSE(Eventually(
      [&] { return SnapFiles(snaps, "vault-snapshot").size() != sealed_count; },
      std::chrono::seconds(3)));
  EXPECT_EQ(RawHttp(server.port(), "GET", "/v1/sys/storage/raft/snapshot-auto/status/s", "",
                    {{"X-Vault-Token", root}})
                .status,
            503);

  // Unsealed again: the configuration (stored through the barrier) runs again.
  ASSERT_EQ(RunCli({"operator", "unseal", key}, env).exit_code, 0);
  EXPECT_TRUE(Eventually(
      [&] { return SnapFiles(snaps, "vault-snapshot").size() > sealed_count; }));
}


// Two nodes with HA on PostgreSQL: only the active node runs the schedule; after a step-down
// the new active node does.
TEST(SnapshotAutoHa, OnlyTheActiveNodeRunsTheSchedule) {
  ASSERT_TRUE(SharedPostgres().ok()) << SharedPostgres().error();
  namespace pgt = storage::postgresql::testing;
  const std::string table = pgt::FreshTable("snapauto_ha");
  TempDir dir;
  std::vector<std::unique_ptr<ServerProcess>> nodes;
  for (int i = 0; i < 2; ++i) {
    const std::string cfg = dir.File("node" + std::to_string(i) + ".hcl");
    std::ofstream(cfg) << "storage \"postgresql\" {\n  connection_url = \"" << pgt::PgUrl()
                       << "\"\n  table = \"" << table << "\"\n  ha_enabled = \"true\"\n"
                       << "  ha_table = \"" << table << "_locks\"\n}\n"
                       << "listener \"tcp\" {\n  address = \"127.0.0.1:0\"\n"
                          "  cluster_address = \"127.0.0.1:0\"\n  tls_disable = true\n"
                          "  telemetry { unauthenticated_metrics_access = true }\n}\n"
                          "disable_mlock = true\nlog_level = \"warn\"\n";
    nodes.push_back(std::make_unique<ServerProcess>(std::vector<std::string>{"-config=" + cfg}));
    ASSERT_TRUE(nodes.back()->running()) << nodes.back()->Log();
  }
  auto init = RunCli({"operator", "init", "-key-shares=1", "-key-threshold=1"},
                     {{"ARCA_ADDR", nodes[0]->url()}});
  ASSERT_EQ(init.exit_code, 0) << init.err;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(init.out, m, std::regex("Unseal Key 1: (\\S+)")));
  const std::string key = m[1];
  ASSERT_TRUE(std::regex_search(init.out, m, std::regex("Initial Root Token: (\\S+)")));
  const std::string root = m[1];
  auto health = [&](int i) { return RawHttp(nodes[i]->port(), "GET", "/v1/sys/health").status; };
  ASSERT_EQ(RunCli({"operator", "unseal", key}, {{"ARCA_ADDR", nodes[0]->url()}}).exit_code, 0);
  ASSERT_TRUE(Eventually([&] { return health(0) == 200; })) << nodes[0]->LogTail();
  ASSERT_EQ(RunCli({"operator", "unseal", key}, {{"ARCA_ADDR", nodes[1]->url()}}).exit_code, 0);
  ASSERT_TRUE(Eventually([&] { return health(1) == 429 || health(1) == 473; })) << nodes[1]->LogTail();

  const std::string snaps = dir.File("snaps");
  ASSERT_EQ(RawHttp(nodes[0]->port(), "POST", "/v1/sys/storage/raft/snapshot-auto/config/ha",
                    R"({"interval":"1s","storage_type":"local","retain":50,"path_prefix":")" +
                        snaps + "\"}",
                    {{"X-Vault-Token", root}})
                .status,
            204);
  // Each node's own metrics (no token: the listener serves them unauthenticated).
  const std::string sample = "\nvault_autosnapshots_last_success_time{snapshot_config_name=\"ha\"} ";
  auto has_sample = [&](int i) {
    auto r = RawHttp(nodes[i]->port(), "GET", "/v1/sys/metrics?format=prometheus");
    return r.status == 200 && r.body.find(sample) != std::string::npos;
  };
  ASSERT_TRUE(Eventually([&] {
    return has_sample(0) && SnapFiles(snaps, "vault-snapshot").size() >= 2;
  })) << nodes[0]->LogTail();
  auto standby_metrics = RawHttp(nodes[1]->port(), "GET", "/v1/sys/metrics?format=prometheus");
  ASSERT_EQ(standby_metrics.status, 200) << standby_metrics.body;
  EXPECT_EQ(standby_metrics.body.find(sample), std::string::npos);  // the standby took none
  auto snap = storage::snapshot::Reader::Open(snaps + "/" +
                                              SnapFiles(snaps, "vault-snapshot").back());
  ASSERT_TRUE(snap.has_value()) << snap.error().message();
  EXPECT_EQ((*snap)->meta().backend, "postgresql");

  // Step-down: node 1 takes over and runs the schedule from then on.
  ASSERT_EQ(RawHttp(nodes[0]->port(), "PUT", "/v1/sys/step-down", "", {{"X-Vault-Token", root}})
                .status,
            204);
  ASSERT_TRUE(Eventually([&] { return health(1) == 200; })) << nodes[1]->LogTail();
  EXPECT_TRUE(Eventually([&] { return has_sample(1); })) << nodes[1]->LogTail();
}

}  // namespace
}  // namespace arca::testing
