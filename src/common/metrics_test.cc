#include "common/metrics.h"

#include <gtest/gtest.h>

namespace arca::metrics {
namespace {

bool Has(const std::string& text, const std::string& line) {
  return text.find(line + "\n") != std::string::npos;
}

TEST(Metrics, RequestHistogramsAndStatuses) {
  Registry r;
  r.ObserveRequest("read", "secret/", 0.0003, 200);
  r.ObserveRequest("read", "secret/", 0.002, 200);
  r.ObserveRequest("update", "transit/", 7, 400);
  const std::string t = r.Prometheus();
  EXPECT_TRUE(Has(t, "# TYPE vault_core_handle_request_seconds histogram")) << t;
  EXPECT_TRUE(Has(t, R"(vault_core_handle_request_seconds_bucket{mount="secret/",operation="read",le="0.0001"} 0)")) << t;
  EXPECT_TRUE(Has(t, R"(vault_core_handle_request_seconds_bucket{mount="secret/",operation="read",le="0.0005"} 1)"));
  EXPECT_TRUE(Has(t, R"(vault_core_handle_request_seconds_bucket{mount="secret/",operation="read",le="0.0025"} 2)"));
  EXPECT_TRUE(Has(t, R"(vault_core_handle_request_seconds_bucket{mount="secret/",operation="read",le="+Inf"} 2)"));
  EXPECT_TRUE(Has(t, R"(vault_core_handle_request_seconds_count{mount="secret/",operation="read"} 2)"));
  // 7 s is past the last bound: only +Inf has it.
  EXPECT_TRUE(Has(t, R"(vault_core_handle_request_seconds_bucket{mount="transit/",operation="update",le="5"} 0)"));
  EXPECT_TRUE(Has(t, R"(vault_core_handle_request_seconds_bucket{mount="transit/",operation="update",le="+Inf"} 1)"));
  EXPECT_TRUE(Has(t, R"(vault_core_handle_request_seconds_sum{mount="transit/",operation="update"} 7)"));
  EXPECT_TRUE(Has(t, R"(vault_core_response_status_total{code="200"} 2)"));
  EXPECT_TRUE(Has(t, R"(vault_core_response_status_total{code="400"} 1)"));
}

TEST(Metrics, CountersGaugesPrefixAndEscaping) {
  Registry r;
  r.SetPrefix("arca");
  r.GetCounter("audit.log_request_failure", "Failed audit writes.").Add(3);
  r.GetCounter("quota.rate_limit.violation", "Rejected.", {{"name", "a\"b"}}).Add();
  r.GetCounter("quota.rate_limit.violation", "Rejected.", {{"name", "a\"b"}}).Add();
  int calls = 0;
  r.SetGauge("token.count", "Tokens.", [&calls] {
    ++calls;
    return std::vector<GaugeSample>{{{}, 42}};
  });
  const std::string t = r.Prometheus();
  EXPECT_TRUE(Has(t, "# HELP arca_audit_log_request_failure_total Failed audit writes.")) << t;
  EXPECT_TRUE(Has(t, "arca_audit_log_request_failure_total 3"));
  EXPECT_TRUE(Has(t, R"(arca_quota_rate_limit_violation_total{name="a\"b"} 2)")) << t;
  EXPECT_TRUE(Has(t, "# TYPE arca_token_count gauge"));
  EXPECT_TRUE(Has(t, "arca_token_count 42"));
  EXPECT_EQ(calls, 1);
  r.RemoveGauge("token.count");
  EXPECT_EQ(r.Prometheus().find("arca_token_count"), std::string::npos);
  // Owners remove only what is still theirs.
  int a = 0, b = 0;
  r.SetGauge("x", "X.", [] { return std::vector<GaugeSample>{{{}, 1}}; }, &a);
  r.SetGauge("y", "Y.", [] { return std::vector<GaugeSample>{{{}, 1}}; }, &a);
  r.SetGauge("y", "Y.", [] { return std::vector<GaugeSample>{{{}, 2}}; }, &b);
  r.RemoveGaugesOf(&a);
  const std::string after = r.Prometheus();
  EXPECT_EQ(after.find("arca_x "), std::string::npos);
  EXPECT_TRUE(Has(after, "arca_y 2")) << after;
}

TEST(Metrics, JsonShape) {
  Registry r;
  r.ObserveRequest("read", "kv/", 0.004, 200);
  r.SetGauge("core.unsealed", "1 when unsealed.", [] { return std::vector<GaugeSample>{{{}, 1}}; });
  json::object j = r.Json();
  ASSERT_TRUE(j.contains("Timestamp"));
  const auto& gauges = j.at("Gauges").as_array();
  ASSERT_EQ(gauges.size(), 1u);
  EXPECT_EQ(gauges[0].at("Name").as_string(), "vault.core.unsealed");
  const auto& samples = j.at("Samples").as_array();
  ASSERT_EQ(samples.size(), 1u);
  EXPECT_EQ(samples[0].at("Count").as_uint64(), 1u);
  EXPECT_NEAR(samples[0].at("Mean").as_double(), 4.0, 0.01);  // milliseconds, as Vault
  EXPECT_EQ(samples[0].at("Labels").at("mount").as_string(), "kv/");
  EXPECT_EQ(j.at("Counters").as_array().size(), 1u);  // the status counter
}

TEST(Metrics, SeriesAreBounded) {
  Registry r;
  for (size_t i = 0; i < Registry::kMaxSeries + 50; ++i) {
    r.ObserveRequest("read", "m" + std::to_string(i) + "/", 0.001, 200);
  }
  const std::string t = r.Prometheus();
  EXPECT_NE(t.find(R"(mount="other")"), std::string::npos);
  EXPECT_EQ(t.find(R"(mount="m2040/")"), std::string::npos);
}

}  // namespace
}  // namespace arca::metrics
