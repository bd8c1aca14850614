// sys/metrics through the core: formats, the core's gauges, access control.
#include <gtest/gtest.h>

#include "core/testing.h"

namespace arca::core {
namespace {

using logical::Operation;

class Metrics : public ::testing::Test {
 protected:
  void SetUp() override { root_ = t_.InitAndUnseal(); }
  Result<logical::Response> Get(json::object query, std::string token, bool open = false) {
    logical::Request req;
    req.operation = Operation::kRead;
    req.path = "sys/metrics";
    req.data = std::move(query);
    req.client_token = std::move(token);
    req.unauthenticated_metrics_access = open;
    return t_.core->HandleRequest(req);
  }
  TestCore t_;
  std::string root_;
};

TEST_F(Metrics, PrometheusTextHasRequestsAndGauges) {
  ASSERT_TRUE(t_.Do(Operation::kUpdate, "sys/mounts/kvm", {{"type", "kv"}}, root_));
  ASSERT_TRUE(t_.Do(Operation::kUpdate, "kvm/a", {{"v", "1"}}, root_));
  ASSERT_TRUE(t_.Do(Operation::kRead, "kvm/a", {}, root_));
  auto r = Get({{"format", "prometheus"}}, root_);
  ASSERT_TRUE(r) << r.error().ToString();
  ASSERT_TRUE(r->raw);
  EXPECT_EQ(r->raw->content_type, "text/plain; version=0.0.4; charset=utf-8");
  const std::string& t = r->raw->body;
  EXPECT_NE(t.find(R"(vault_core_handle_request_seconds_count{mount="kvm/",operation="read"} )"),
            std::string::npos) << t;
  EXPECT_NE(t.find(R"(vault_core_handle_request_seconds_count{mount="kvm/",operation="create"} )"),
            std::string::npos);
  EXPECT_NE(t.find("\nvault_core_unsealed 1\n"), std::string::npos);
  EXPECT_NE(t.find("\nvault_expire_num_leases "), std::string::npos);
  EXPECT_NE(t.find("\nvault_token_stored "), std::string::npos);
}

TEST_F(Metrics, JsonByDefaultAndBadFormat) {
  auto r = Get({}, root_);
  ASSERT_TRUE(r) << r.error().ToString();
  ASSERT_TRUE(r->raw);
  EXPECT_EQ(r->raw->content_type, "application/json");
  auto j = ParseJsonObject(r->raw->body);
  ASSERT_TRUE(j);
  EXPECT_TRUE(j->contains("Gauges"));
  EXPECT_TRUE(j->contains("Samples"));
  auto bad = Get({{"format", "xml"}}, root_);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().http_status(), 400);
}

TEST_F(Metrics, NeedsATokenUnlessTheListenerOpensIt) {
  auto denied = Get({{"format", "prometheus"}}, "");
  ASSERT_FALSE(denied);
  EXPECT_EQ(denied.error().http_status(), 403);
  auto child = t_.Do(Operation::kUpdate, "auth/token/create", {{"policies", json::array{"default"}}},
                     root_);
  ASSERT_TRUE(child);
  auto default_only = Get({}, std::string(child->auth->client_token));
  ASSERT_FALSE(default_only);
  EXPECT_EQ(default_only.error().http_status(), 403);
  auto open = Get({{"format", "prometheus"}}, "", /*open=*/true);
  ASSERT_TRUE(open) << open.error().ToString();
  // The flag opens sys/metrics only.
  logical::Request other;
  other.operation = Operation::kRead;
  other.path = "sys/mounts";
  other.unauthenticated_metrics_access = true;
  auto mounts = t_.core->HandleRequest(other);
  ASSERT_FALSE(mounts);
  EXPECT_EQ(mounts.error().http_status(), 403);
}

}  // namespace
}  // namespace arca::core
