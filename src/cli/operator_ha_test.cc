// HA in the CLI: `status` on HA nodes (Vault's HA lines and JSON fields), `operator members`,
// `operator step-down`; against the fake client of cli_test_util.h.
#include "cli/cli_test_util.h"
#include "gmock/gmock.h"

namespace arca::cli {
namespace {

using testing::CliTest;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

constexpr char kUnsealedEtcd[] = R"({"type":"shamir","initialized":true,"sealed":false,"t":1,
  "n":1,"progress":0,"nonce":"","version":"0.1.0","build_date":"2024-01-01T00:00:00Z",
  "migration":false,"cluster_name":"arca-cluster-1","cluster_id":"c-123",
  "recovery_seal":false,"storage_type":"etcd"})";

constexpr char kActiveLeader[] = R"({"ha_enabled":true,"is_self":true,
  "active_time":"2026-12-07T03:00:01.123456789Z","leader_address":"http://127.0.0.1:8200",
  "leader_cluster_address":"https://127.0.0.1:8201","performance_standby":false,
  "performance_standby_last_remote_wal":0,"raft_committed_index":0,"raft_applied_index":0})";

constexpr char kStandbyLeader[] = R"({"ha_enabled":true,"is_self":false,
  "active_time":"0001-01-01T00:00:00Z","leader_address":"http://127.0.0.1:8200",
  "leader_cluster_address":"https://127.0.0.1:8201","performance_standby":false,
  "performance_standby_last_remote_wal":0,"raft_committed_index":0,"raft_applied_index":0})";

TEST_F(CliTest, StatusOnTheActiveNode) {
  AddRoute("GET sys/seal-status", 200, kUnsealedEtcd);
  AddRoute("GET sys/leader", 200, kActiveLeader);
  EXPECT_EQ(Run({"status"}), 0);
  EXPECT_EQ(out(),
            "Key             Value\n"
            "---             -----\n"
            "Seal Type       shamir\n"
            "Initialized     true\n"
            "Sealed          false\n"
            "Total Shares    1\n"
            "Threshold       1\n"
            "Version         0.1.0\n"
            "Build Date      2024-01-01T00:00:00Z\n"
            "Storage Type    etcd\n"
            "Cluster Name    arca-cluster-1\n"
            "Cluster ID      c-123\n"
            "HA Enabled      true\n"
            "HA Cluster      https://127.0.0.1:8201\n"
            "HA Mode         active\n"
            "Active Since    2026-12-07T03:00:01.123456789Z\n");
}

TEST_F(CliTest, StatusOnAStandby) {
  AddRoute("GET sys/seal-status", 200, kUnsealedEtcd);
  AddRoute("GET sys/leader", 200, kStandbyLeader);
  EXPECT_EQ(Run({"status"}), 0);
  EXPECT_EQ(out(),
            "Key                    Value\n"
            "---                    -----\n"
            "Seal Type              shamir\n"
            "Initialized            true\n"
            "Sealed                 false\n"
            "Total Shares           1\n"
            "Threshold              1\n"
            "Version                0.1.0\n"
            "Build Date             2024-01-01T00:00:00Z\n"
            "Storage Type           etcd\n"
            "Cluster Name           arca-cluster-1\n"
            "Cluster ID             c-123\n"
            "HA Enabled             true\n"
            "HA Cluster             https://127.0.0.1:8201\n"
            "HA Mode                standby\n"
            "Active Node Address    http://127.0.0.1:8200\n");
}

TEST_F(CliTest, StatusOnAPerformanceStandby) {
  AddRoute("GET sys/seal-status", 200, kUnsealedEtcd);
  AddRoute("GET sys/leader", 200,
           R"({"ha_enabled":true,"is_self":false,"active_time":"0001-01-01T00:00:00Z",)"
           R"("leader_address":"http://127.0.0.1:8200",)"
           R"("leader_cluster_address":"https://127.0.0.1:8201","performance_standby":true,)"
           R"("performance_standby_last_remote_wal":17,"raft_committed_index":0,)"
           R"("raft_applied_index":0})");
  EXPECT_EQ(Run({"status"}), 0);
  EXPECT_EQ(out(),
            "Key                                    Value\n"
            "---                                    -----\n"
            "Seal Type                              shamir\n"
            "Initialized                            true\n"
            "Sealed                                 false\n"
            "Total Shares                           1\n"
            "Threshold                              1\n"
            "Version                                0.1.0\n"
            "Build Date                             2024-01-01T00:00:00Z\n"
            "Storage Type                           etcd\n"
            "Cluster Name                           arca-cluster-1\n"
            "Cluster ID                             c-123\n"
            "HA Enabled                             true\n"
            "HA Cluster                             https://127.0.0.1:8201\n"
            "HA Mode                                standby\n"
            "Active Node Address                    http://127.0.0.1:8200\n"
            "Performance Standby Node               true\n"
            "Performance Standby Last Remote WAL    17\n");
}

TEST_F(CliTest, StatusOnAStandbyWithoutLeader) {
  AddRoute("GET sys/seal-status", 200, kUnsealedEtcd);
  AddRoute("GET sys/leader", 200,
           R"({"ha_enabled":true,"is_self":false,"active_time":"0001-01-01T00:00:00Z",)"
           R"("leader_address":"","leader_cluster_address":""})");
  EXPECT_EQ(Run({"status"}), 0);
  // Vault's layout: the HA Cluster line stays (empty: n/a), the address reads <none>.
  EXPECT_THAT(out(), HasSubstr("HA Cluster             n/a\n"
                               "HA Mode                standby\n"
                               "Active Node Address    <none>\n"));
}

TEST_F(CliTest, StatusSealedHaNodeShowsNoModeLines) {
  AddRoute("GET sys/seal-status", 200,
           R"({"type":"shamir","initialized":true,"sealed":true,"t":1,"n":1,"progress":0,)"
           R"("nonce":"","version":"0.1.0","storage_type":"etcd"})");
  AddRoute("GET sys/leader", 200, R"({"ha_enabled":true})");
  EXPECT_EQ(Run({"status"}), 2);
  EXPECT_THAT(out(), HasSubstr("HA Enabled         true\n"));
  EXPECT_THAT(out(), Not(HasSubstr("HA Mode")));
  EXPECT_THAT(out(), Not(HasSubstr("HA Cluster")));
}

TEST_F(CliTest, StatusJsonOnAStandbyHasVaultsTopLevelLeaderFields) {
  AddRoute("GET sys/seal-status", 200, kUnsealedEtcd);
  AddRoute("GET sys/leader", 200, kStandbyLeader);
  EXPECT_EQ(Run({"status", "-format=json"}), 0);
  EXPECT_EQ(out(),
            "{\n"
            "  \"type\": \"shamir\",\n"
            "  \"initialized\": true,\n"
            "  \"sealed\": false,\n"
            "  \"t\": 1,\n"
            "  \"n\": 1,\n"
            "  \"progress\": 0,\n"
            "  \"nonce\": \"\",\n"
            "  \"version\": \"0.1.0\",\n"
            "  \"build_date\": \"2024-01-01T00:00:00Z\",\n"
            "  \"migration\": false,\n"
            "  \"cluster_name\": \"arca-cluster-1\",\n"
            "  \"cluster_id\": \"c-123\",\n"
            "  \"recovery_seal\": false,\n"
            "  \"storage_type\": \"etcd\",\n"
            "  \"ha_enabled\": true,\n"
            "  \"active_time\": \"0001-01-01T00:00:00Z\",\n"
            "  \"leader_address\": \"http://127.0.0.1:8200\",\n"
            "  \"leader_cluster_address\": \"https://127.0.0.1:8201\"\n"
            "}\n");
}

TEST_F(CliTest, StatusJsonAndYamlOnTheActiveNode) {
  AddRoute("GET sys/seal-status", 200, kUnsealedEtcd);
  AddRoute("GET sys/leader", 200, kActiveLeader);
  EXPECT_EQ(Run({"status", "-format=json"}), 0);
  auto v = ParseJson(out());
  ASSERT_TRUE(v) << out();
  EXPECT_TRUE(v->at("ha_enabled").as_bool());
  EXPECT_TRUE(v->at("is_self").as_bool());
  EXPECT_EQ(v->at("active_time").as_string(), "2026-12-07T03:00:01.123456789Z");
  EXPECT_EQ(v->as_object().count("performance_standby"), 0u);  // omitempty, as Vault
  EXPECT_EQ(v->as_object().count("raft_committed_index"), 0u);
  EXPECT_EQ(Run({"status", "-format=yaml"}), 0);
  EXPECT_THAT(out(), HasSubstr("ha_enabled: true\n"));
  EXPECT_THAT(out(), HasSubstr("is_self: true\n"));
  EXPECT_THAT(out(), HasSubstr("leader_cluster_address: https://127.0.0.1:8201\n"));
}

TEST_F(CliTest, StatusJsonWithoutHa) {
  AddRoute("GET sys/seal-status", 200, kUnsealedEtcd);
  AddRoute("GET sys/leader", 200,
           R"({"ha_enabled":false,"is_self":false,"active_time":"0001-01-01T00:00:00Z",)"
           R"("leader_address":"","leader_cluster_address":""})");
  EXPECT_EQ(Run({"status", "-format=json"}), 0);
  auto v = ParseJson(out());
  ASSERT_TRUE(v) << out();
  const json::object& o = v->as_object();
  EXPECT_FALSE(o.at("ha_enabled").as_bool());
  EXPECT_EQ(o.at("active_time").as_string(), "0001-01-01T00:00:00Z");
  EXPECT_EQ(o.count("is_self"), 0u);
  EXPECT_EQ(o.count("leader_address"), 0u);
  EXPECT_EQ(o.count("leader_cluster_address"), 0u);
}

TEST_F(CliTest, StatusLeaderServerErrorExits1) {
  AddRoute("GET sys/seal-status", 200, kUnsealedEtcd);
  AddRoute("GET sys/leader", 500, R"({"errors":["internal error"]})");
  EXPECT_EQ(Run({"status"}), 1);
  EXPECT_THAT(err(), StartsWith("Error checking leader status: Error making API request."));
  EXPECT_EQ(out(), "");
}

constexpr char kHaStatus[] = R"({"nodes":[
  {"hostname":"node-a","api_address":"http://127.0.0.1:8200",
   "cluster_address":"https://127.0.0.1:8201","active_node":true,"last_echo":null,
   "version":"0.1.0"},
  {"hostname":"node-b","api_address":"http://127.0.0.1:8210",
   "cluster_address":"https://127.0.0.1:8211","active_node":false,
   "last_echo":"2026-12-07T03:10:02.5123Z","version":"0.1.0","redundancy_zone":"z2"}]})";

TEST_F(CliTest, OperatorMembersTable) {
  AddRoute("GET sys/ha-status", 200, kHaStatus);
  EXPECT_EQ(Run({"operator", "members"}), 0);
  ASSERT_EQ(calls_.size(), 1u);
  EXPECT_EQ(calls_[0].method, "GET");
  EXPECT_EQ(calls_[0].path, "sys/ha-status");
  EXPECT_EQ(out(),
            "Host Name    API Address              Cluster Address           Active Node    "
            "Version    Upgrade Version    Redundancy Zone    Last Echo\n"
            "---------    -----------              ---------------           -----------    "
            "-------    ---------------    ---------------    ---------\n"
            "node-a       http://127.0.0.1:8200    https://127.0.0.1:8201    true           "
            "0.1.0      n/a                n/a                n/a\n"
            "node-b       http://127.0.0.1:8210    https://127.0.0.1:8211    false          "
            "0.1.0      n/a                z2                 2026-12-07T03:10:02Z\n");
}

TEST_F(CliTest, OperatorMembersJsonIsVaultsHaStatusResponse) {
  AddRoute("GET sys/ha-status", 200, kHaStatus);
  EXPECT_EQ(Run({"operator", "members", "-format=json"}), 0);
  EXPECT_EQ(out(),
            "{\n"
            "  \"Nodes\": [\n"
            "    {\n"
            "      \"hostname\": \"node-a\",\n"
            "      \"api_address\": \"http://127.0.0.1:8200\",\n"
            "      \"cluster_address\": \"https://127.0.0.1:8201\",\n"
            "      \"active_node\": true,\n"
            "      \"last_echo\": null,\n"
            "      \"echo_duration_ms\": 0,\n"
            "      \"clock_skew_ms\": 0,\n"
            "      \"version\": \"0.1.0\",\n"
            "      \"replication_primary_canary_age_ms\": 0\n"
            "    },\n"
            "    {\n"
            "      \"hostname\": \"node-b\",\n"
            "      \"api_address\": \"http://127.0.0.1:8210\",\n"
            "      \"cluster_address\": \"https://127.0.0.1:8211\",\n"
            "      \"active_node\": false,\n"
            "      \"last_echo\": \"2026-12-07T03:10:02.5123Z\",\n"
            "      \"echo_duration_ms\": 0,\n"
            "      \"clock_skew_ms\": 0,\n"
            "      \"version\": \"0.1.0\",\n"
            "      \"redundancy_zone\": \"z2\",\n"
            "      \"replication_primary_canary_age_ms\": 0\n"
            "    }\n"
            "  ]\n"
            "}\n");
}

TEST_F(CliTest, OperatorMembersReadsAnEnvelopedAnswerToo) {
  AddRoute("GET sys/ha-status", 200,
           R"({"request_id":"r","data":{"nodes":[{"hostname":"solo","active_node":true}]}})");
  EXPECT_EQ(Run({"operator", "members"}), 0);
  EXPECT_THAT(out(), HasSubstr("\nsolo         n/a            n/a                true"));
}

TEST_F(CliTest, OperatorMembersErrors) {
  AddRoute("GET sys/ha-status", 403, R"({"errors":["permission denied"]})");
  EXPECT_EQ(Run({"operator", "members"}), 2);
  EXPECT_EQ(err(),
            "Error making API request.\n\nURL: GET http://127.0.0.1:8200/v1/sys/ha-status\n"
            "Code: 403. Errors:\n\n* permission denied\n");
  EXPECT_EQ(Run({"operator", "members", "extra"}), 1);
  EXPECT_EQ(err(), "Too many arguments (expected 0, got 1)\n");
  EXPECT_EQ(Run({"operator", "members", "-nope"}), 1);
}

TEST_F(CliTest, OperatorStepDown) {
  AddRoute("PUT sys/step-down", 204, "");
  EXPECT_EQ(Run({"operator", "step-down"}), 0);
  ASSERT_EQ(calls_.size(), 1u);
  EXPECT_EQ(calls_[0].method, "PUT");
  EXPECT_EQ(calls_[0].path, "sys/step-down");
  EXPECT_EQ(calls_[0].body, "");
  EXPECT_EQ(out(), "Success! Stepped down: http://127.0.0.1:8200\n");
}

TEST_F(CliTest, OperatorStepDownErrors) {
  AddRoute("PUT sys/step-down", 403, R"({"errors":["permission denied"]})");
  EXPECT_EQ(Run({"operator", "step-down"}), 2);
  EXPECT_EQ(err(),
            "Error stepping down: Error making API request.\n\nURL: PUT "
            "http://127.0.0.1:8200/v1/sys/step-down\nCode: 403. Errors:\n\n* permission denied\n");
  EXPECT_EQ(out(), "");
  EXPECT_EQ(Run({"operator", "step-down", "now"}), 1);
  EXPECT_EQ(err(), "Too many arguments (expected 0, got 1)\n");
}

}  // namespace
}  // namespace arca::cli
