// operator usage against a fake client: Vault's table layout (golden), the time flags as the
// API's RFC 3339 parameters, the no-data notice and bad flags.
#include "cli/cli_test_util.h"
#include "gmock/gmock.h"

namespace arca::cli {
namespace {

using testing::CliTest;

constexpr char kActivity[] = R"({"data":{
  "start_time":"2026-12-01T00:00:00Z","end_time":"2026-12-31T23:59:59Z",
  "by_namespace":[{"namespace_id":"root","namespace_path":"","counts":{
    "clients":1913,"distinct_entities":1581,"entity_clients":1581,"non_entity_tokens":332,
    "non_entity_clients":332,"secret_syncs":0,"acme_clients":0},"mounts":[]}],
  "total":{"clients":1913,"distinct_entities":1581,"entity_clients":1581,"non_entity_tokens":332,
    "non_entity_clients":332,"secret_syncs":0,"acme_clients":0},"months":[]}})";

TEST_F(CliTest, OperatorUsageTableGolden) {
  AddRoute("GET sys/internal/counters/activity", 200, kActivity);
  EXPECT_EQ(Run({"operator", "usage"}), 0) << err();
  EXPECT_EQ(out(),
            "Period start: 2026-12-01T00:00:00Z\n"
            "Period end: 2026-12-31T23:59:59Z\n"
            "\n"
            "Namespace path   Distinct entities   Non-Entity tokens   Secret syncs   ACME clients"
            "   Active clients\n"
            "--------------   -----------------   -----------------   ------------   ------------"
            "   --------------\n"
            "[root]           1581                332                 0              0"
            "              1913\n"
            "\n"
            "Total            1581                332                 0              0"
            "              1913\n");
  EXPECT_EQ(calls_.back().query.size(), 0u);
}

TEST_F(CliTest, OperatorUsageTimeFlagsBecomeRfc3339) {
  AddRoute("GET sys/internal/counters/activity", 200, kActivity);
  EXPECT_EQ(Run({"operator", "usage", "-start-time=2026-01", "-end-time=1767225599"}), 0) << err();
  api::QueryParams want = {{"start_time", "2026-01-01T00:00:00Z"},
                           {"end_time", "2025-12-31T23:59:59Z"}};
  EXPECT_EQ(calls_.back().query, want);
  EXPECT_EQ(Run({"operator", "usage", "-start-time=2026-02-03T04:05:06Z"}), 0) << err();
  EXPECT_EQ(calls_.back().query, (api::QueryParams{{"start_time", "2026-02-03T04:05:06Z"}}));
}

TEST_F(CliTest, OperatorUsageJsonAndNoData) {
  AddRoute("GET sys/internal/counters/activity", 200, kActivity);
  EXPECT_EQ(Run({"operator", "usage", "-format=json"}), 0) << err();
  EXPECT_THAT(out(), ::testing::HasSubstr("\"distinct_entities\": 1581"));
  AddRoute("GET sys/internal/counters/activity", 204, "");
  EXPECT_EQ(Run({"operator", "usage"}), 0);
  EXPECT_EQ(out(), "");
  EXPECT_EQ(err(), "No data is available for the given time range.\n");
}

TEST_F(CliTest, OperatorUsageErrors) {
  const size_t before = calls_.size();
  EXPECT_EQ(Run({"operator", "usage", "-start-time=yesterday"}), 1);
  EXPECT_THAT(err(), ::testing::HasSubstr("invalid value \"yesterday\" for flag -start-time"));
  EXPECT_EQ(Run({"operator", "usage", "-end-time=2026-13"}), 1);
  EXPECT_EQ(Run({"operator", "usage", "extra"}), 1);
  EXPECT_EQ(calls_.size(), before);  // nothing was sent
  AddRoute("GET sys/internal/counters/activity", 403, R"({"errors":["permission denied"]})");
  EXPECT_EQ(Run({"operator", "usage"}), 2);
  EXPECT_THAT(err(), ::testing::HasSubstr("Error retrieving client counts: "));
  EXPECT_THAT(err(), ::testing::HasSubstr("* permission denied"));
}

}  // namespace
}  // namespace arca::cli
