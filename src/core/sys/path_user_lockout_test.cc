// sys/auth/:path/tune user_lockout_config: parsed, persisted, read back, handed to the auth
// method through its SystemView; bad input changes nothing.
#include <gtest/gtest.h>

#include "core/testing.h"

namespace arca::core {
namespace {

using logical::Operation;

class UserLockoutTune : public ::testing::Test {
 protected:
  void SetUp() override { root_ = t_.InitAndUnseal(); }
  Result<logical::Response> Do(Operation op, const std::string& path, json::object body = {}) {
    return t_.core->HandleRequest(Req(op, path, std::move(body)));
  }
  logical::Request& Req(Operation op, const std::string& path, json::object body) {
    req_ = logical::Request();
    req_.operation = op;
    req_.path = path;
    req_.data = std::move(body);
    req_.client_token = root_;
    return req_;
  }
  TestCore t_;
  std::string root_;
  logical::Request req_;
};

TEST_F(UserLockoutTune, TunedSettingsReachTheMountAndSurviveSeal) {
  auto route = t_.core->router().Find("auth/token/");
  ASSERT_TRUE(route);
  EXPECT_FALSE(route->UserLockoutConfig());
  ASSERT_TRUE(Do(Operation::kUpdate, "sys/auth/token/tune",
                 {{"user_lockout_config", json::object{{"lockout_threshold", "3"},
                                                       {"lockout_duration", "20m"},
                                                       {"lockout_counter_reset", 60}}}}));
  auto cfg = route->UserLockoutConfig();
  ASSERT_TRUE(cfg);
  EXPECT_EQ(cfg->threshold, 3);
  EXPECT_EQ(cfg->duration, std::chrono::minutes(20));
  EXPECT_EQ(cfg->counter_reset, std::chrono::seconds(60));
  EXPECT_FALSE(cfg->disable);

  auto read = Do(Operation::kRead, "sys/auth/token/tune");
  ASSERT_TRUE(read) << read.error().ToString();
  const auto& l = read->data.at("user_lockout_config").as_object();
  EXPECT_EQ(l.at("lockout_threshold").as_string(), "3");
  EXPECT_EQ(l.at("lockout_duration").as_string(), "1200s");

  // A later tune changes only the keys it gives.
  ASSERT_TRUE(Do(Operation::kUpdate, "sys/auth/token/tune",
                 {{"user_lockout_config", json::object{{"lockout_disable", true}}}}));
  ASSERT_TRUE(t_.core->Seal());
  ASSERT_TRUE(t_.core->UnsealWithKeys(t_.keys));
  auto after = t_.core->router().Find("auth/token/")->UserLockoutConfig();
  ASSERT_TRUE(after);
  EXPECT_EQ(after->threshold, 3);
  EXPECT_TRUE(after->disable);
}

TEST_F(UserLockoutTune, BadInputChangesNothing) {
  ASSERT_TRUE(Do(Operation::kUpdate, "sys/auth/token/tune",
                 {{"user_lockout_config", json::object{{"lockout_threshold", 7}}}}));
  const std::vector<std::pair<std::string, json::object>> cases = {
      {"sys/auth/token/tune", {{"user_lockout_config", "threshold=3"}}},
      {"sys/auth/token/tune", {{"user_lockout_config", json::object{{"lockout_threshold", "many"}}}}},
      {"sys/auth/token/tune", {{"user_lockout_config", json::object{{"lockout_threshold", -1}}}}},
      {"sys/auth/token/tune", {{"user_lockout_config", json::object{{"lockout_duration", "soon"}}}}},
      {"sys/auth/token/tune", {{"user_lockout_config", json::object{{"lockout_disable", "yes"}}}}},
      {"sys/auth/token/tune", {{"user_lockout_config", json::object{{"colour", "red"}}}}},
      {"sys/mounts/secret/tune", {{"user_lockout_config", json::object{{"lockout_threshold", 1}}}}},
  };
  ASSERT_TRUE(Do(Operation::kUpdate, "sys/mounts/secret", {{"type", "kv"}}));
  for (const auto& [path, body] : cases) {
    auto r = Do(Operation::kUpdate, path, body);
    ASSERT_FALSE(r) << path << " " << json::serialize(body);
    EXPECT_EQ(r.error().http_status(), 400) << json::serialize(body);
  }
  EXPECT_EQ(t_.core->router().Find("auth/token/")->UserLockoutConfig()->threshold, 7);
  EXPECT_FALSE(t_.core->router().Find("secret/")->UserLockoutConfig());
}

}  // namespace
}  // namespace arca::core
