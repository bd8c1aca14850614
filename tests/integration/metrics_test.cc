// sys/metrics over HTTP: promtool accepts the Prometheus text; a listener's telemetry stanza
// opens the endpoint without a token; metrics_prefix renames the series.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <regex>

#include "common/json.h"
#include "integration/harness.h"

namespace arca::testing {
namespace {

// Runs `promtool check metrics` on `text`; returns its exit status and output.
std::pair<int, std::string> Promtool(const TempDir& dir, const std::string& text) {
  std::string in = dir.File("metrics.txt"), out = dir.File("promtool.out");
  std::ofstream(in) << text;
  int rc = std::system(("promtool check metrics < " + in + " > " + out + " 2>&1").c_str());
  std::ifstream f(out);
  std::string log((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  return {WEXITSTATUS(rc), log};
}

class MetricsDev : public DevServerTest {};

TEST_F(MetricsDev, PrometheusTextPassesPromtool) {
  Ok({"kv", "put", "secret/app", "password=s3cr3t"});
  Ok({"kv", "get", "secret/app"});
  (void)Cli({"kv", "get", "secret/missing"});
  auto r = RawHttp(port_, "GET", "/v1/sys/metrics?format=prometheus", "",
                   {{"X-Vault-Token", root_}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.headers["content-type"], "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_NE(r.body.find(R"(vault_core_handle_request_seconds_count{mount="secret/",operation="read"})"),
            std::string::npos) << r.body;
  EXPECT_NE(r.body.find(R"(vault_core_response_status_total{code="404"})"), std::string::npos);
  EXPECT_NE(r.body.find("\nvault_core_unsealed 1\n"), std::string::npos);
  EXPECT_EQ(r.body.find("s3cr3t"), std::string::npos);
  auto [rc, log] = Promtool(dir_, r.body);
  EXPECT_EQ(rc, 0) << log;

  auto json = RawHttp(port_, "GET", "/v1/sys/metrics", "", {{"X-Vault-Token", root_}});
  ASSERT_EQ(json.status, 200);
  auto parsed = ParseJsonObject(json.body);
  ASSERT_TRUE(parsed) << json.body;
  EXPECT_TRUE(parsed->contains("Gauges"));

  EXPECT_EQ(RawHttp(port_, "GET", "/v1/sys/metrics?format=prometheus").status, 403);
  EXPECT_EQ(RawHttp(port_, "GET", "/v1/sys/metrics?format=yaml", "", {{"X-Vault-Token", root_}})
                .status,
            400);
}

TEST(MetricsListener, UnauthenticatedAccessAndPrefix) {
  TempDir dir;
  std::string cfg = dir.File("arca.hcl");
  std::ofstream(cfg) << "storage \"inmem\" {}\n"
                        "listener \"tcp\" {\n  address = \"127.0.0.1:0\"\n  tls_disable = true\n"
                        "  telemetry { unauthenticated_metrics_access = true }\n}\n"
                        "listener \"tcp\" {\n  address = \"127.0.0.1:0\"\n  tls_disable = true\n}\n"
                        "telemetry { metrics_prefix = \"arca\" }\n"
                        "disable_mlock = true\nlog_level = \"warn\"\n";
  ServerProcess server({"-config=" + cfg});
  ASSERT_TRUE(server.running()) << server.Log();
  ASSERT_EQ(server.ports().size(), 2u) << server.Log();
  const int open_port = server.ports()[0], closed_port = server.ports()[1];
  // Sealed: no metrics anywhere (503), as Vault.
  EXPECT_EQ(RawHttp(open_port, "GET", "/v1/sys/metrics").status, 503);
  auto init = RawHttp(open_port, "PUT", "/v1/sys/init", R"({"secret_shares":1,"secret_threshold":1})");
  ASSERT_EQ(init.status, 200) << init.body;
  auto keys = ParseJsonObject(init.body);
  ASSERT_TRUE(keys);
  std::string key(keys->at("keys").as_array()[0].as_string());
  ASSERT_EQ(RawHttp(open_port, "PUT", "/v1/sys/unseal", "{\"key\":\"" + key + "\"}").status, 200);

  auto open = RawHttp(open_port, "GET", "/v1/sys/metrics?format=prometheus");
  ASSERT_EQ(open.status, 200) << open.body;
  EXPECT_NE(open.body.find("\narca_core_unsealed 1\n"), std::string::npos) << open.body;
  EXPECT_EQ(open.body.find("vault_"), std::string::npos);
  auto [rc, log] = Promtool(dir, open.body);
  EXPECT_EQ(rc, 0) << log;
  // The other listener still needs a token, and the open one opens nothing else.
  EXPECT_EQ(RawHttp(closed_port, "GET", "/v1/sys/metrics?format=prometheus").status, 403);
  EXPECT_EQ(RawHttp(open_port, "GET", "/v1/sys/mounts").status, 403);
}

}  // namespace
}  // namespace arca::testing
