// sys/internal/counters/*: distinct clients of the current month (a token's policy set, as
// Vault counts non-entity tokens), month rollover with an injected clock, the configuration
// with its bounds, token and entity totals.
#include <atomic>

#include "core/activity.h"
#include "core/sys/sys_test_util.h"
#include "core/token/token_entry.h"

namespace arca::core {
namespace {

using logical::Operation;

class Counters : public sys_test::SysTest {};

TEST_F(Counters, ActivityCountsDistinctClientsOfTheMonth) {
  // The root token has been used (by SetUp's requests? not yet: make one).
  ASSERT_TRUE(Do(Operation::kRead, "sys/mounts"));
  auto a = Do(Operation::kUpdate, "auth/token/create", {{"policies", json::array{"p1"}}});
  auto b = Do(Operation::kUpdate, "auth/token/create", {{"policies", json::array{"p1"}}});
  auto c = Do(Operation::kUpdate, "auth/token/create", {{"policies", json::array{"p2"}}});
  ASSERT_TRUE(a && b && c);
  auto before = Do(Operation::kRead, "sys/internal/counters/activity");
  ASSERT_TRUE(before) << before.error().ToString();
  EXPECT_EQ(before->data.at("total").as_object().at("clients").as_int64(), 1);  // root only
  // Two tokens with the same policies are one client (Vault's non-entity client id).
  for (auto* t : {&a, &b, &c}) {
    ASSERT_TRUE(Do(Operation::kRead, "auth/token/lookup-self", {}, (*t)->auth->client_token));
  }
  auto r = Do(Operation::kRead, "sys/internal/counters/activity");
  ASSERT_TRUE(r);
  const auto& total = r->data.at("total").as_object();
  EXPECT_EQ(total.at("clients").as_int64(), 3);
  EXPECT_EQ(total.at("non_entity_clients").as_int64(), 3);
  EXPECT_EQ(total.at("entity_clients").as_int64(), 0);
  EXPECT_EQ(r->data.at("by_namespace").as_array()[0].as_object().at("namespace_id").as_string(), "root");
  auto monthly = Do(Operation::kRead, "sys/internal/counters/activity/monthly");
  ASSERT_TRUE(monthly);
  EXPECT_EQ(monthly->data.at("clients").as_int64(), 3);

  for (json::object q : {json::object{{"start_time", "yesterday"}},
                         json::object{{"end_time", "2026-13"}}}) {
    auto bad = Do(Operation::kRead, "sys/internal/counters/activity", q);
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.error().http_status(), 400);
  }
  EXPECT_TRUE(Do(Operation::kRead, "sys/internal/counters/activity",
                 {{"start_time", "2026-01-01T00:00:00Z"}, {"end_time", "2026-02-01T00:00:00+01:00"}}));
  EXPECT_EQ(Code(Operation::kRead, "sys/internal/counters/activity/export"), 400);
}

TEST(ActivityLogTest, NewMonthStartsFromZero) {
  std::atomic<int64_t> now{1767225599};  // 2025-12-31T23:59:59Z
  ActivityLog log([&] { return now.load(); });
  auto e1 = std::make_shared<TokenEntry>();
  e1->policies = {"b", "a"};
  auto e2 = std::make_shared<TokenEntry>();
  e2->policies = {"a", "b"};  // same set: same client
  auto e3 = std::make_shared<TokenEntry>();
  e3->entity_id = "ent-1";
  log.Record(e1);
  log.Record(e2);
  log.Record(e3);
  log.Record(nullptr);
  auto c = log.Current();
  EXPECT_EQ(c.non_entity_clients, 1);
  EXPECT_EQ(c.entity_clients, 1);
  EXPECT_EQ(c.month_start, 1764547200);  // 2025-12-01
  now = 1767225600;                      // 2026-01-01T00:00:00Z
  EXPECT_EQ(log.Current().clients(), 0);
  log.Record(e1);
  EXPECT_EQ(log.Current().clients(), 1);
  EXPECT_EQ(ActivityLog::NextMonthStart(1767225599), 1767225600);
}

TEST_F(Counters, ConfigTokensEntities) {
  auto cfg = Do(Operation::kRead, "sys/internal/counters/config");
  ASSERT_TRUE(cfg) << cfg.error().ToString();
  EXPECT_EQ(cfg->data.at("enabled").as_string(), "default-enabled");
  EXPECT_EQ(cfg->data.at("retention_months").as_int64(), 48);
  ASSERT_TRUE(Do(Operation::kUpdate, "sys/internal/counters/config",
                 {{"enabled", "disable"}, {"retention_months", 60}}));
  for (json::object body : {json::object{{"enabled", "sometimes"}},
                            json::object{{"retention_months", 3}},
                            json::object{{"retention_months", "many"}}}) {
    auto bad = Do(Operation::kUpdate, "sys/internal/counters/config", body);
    ASSERT_FALSE(bad) << json::serialize(body);
    EXPECT_EQ(bad.error().http_status(), 400);
  }
  auto after = Do(Operation::kRead, "sys/internal/counters/config");
  ASSERT_TRUE(after);
  EXPECT_EQ(after->data.at("enabled").as_string(), "disable");
  EXPECT_EQ(after->data.at("retention_months").as_int64(), 60);

  auto tokens = Do(Operation::kRead, "sys/internal/counters/tokens");
  ASSERT_TRUE(tokens);
  const int64_t n = tokens->data.at("counters").as_object().at("service_tokens").as_object().at("total").as_int64();
  ASSERT_TRUE(Do(Operation::kUpdate, "auth/token/create", {{"policies", json::array{"x"}}}));
  auto more = Do(Operation::kRead, "sys/internal/counters/tokens");
  EXPECT_EQ(more->data.at("counters").as_object().at("service_tokens").as_object().at("total").as_int64(), n + 1);
  auto ents = Do(Operation::kRead, "sys/internal/counters/entities");
  ASSERT_TRUE(ents);
  EXPECT_EQ(ents->data.at("counters").as_object().at("entities").as_object().at("total").as_int64(), 0);
  EXPECT_EQ(Code(Operation::kRead, "sys/internal/counters/requests"), 404);
}

}  // namespace
}  // namespace arca::core
