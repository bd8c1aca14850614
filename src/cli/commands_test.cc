// Commands against a fake client: request shapes, output goldens and exit codes.
#include <filesystem>
#include <fstream>
#include <iterator>

#include "build_info.h"
#include "cli/commands.h"

#include "cli/cli_test_util.h"
#include "gmock/gmock.h"

namespace arca::cli {
namespace {

using testing::CliTest;
using ::testing::HasSubstr;
using ::testing::StartsWith;
using ::testing::Not;

constexpr char kUnsealed[] = R"({"type":"shamir","initialized":true,"sealed":false,"t":3,"n":5,
  "progress":0,"nonce":"","version":"0.1.0","build_date":"2024-01-01T00:00:00Z",
  "migration":false,"cluster_name":"arca-cluster-1","cluster_id":"c-123",
  "recovery_seal":false,"storage_type":"file"})";
constexpr char kSealed[] = R"({"type":"shamir","initialized":true,"sealed":true,"t":3,"n":5,
  "progress":1,"nonce":"n-1","version":"0.1.0","build_date":"2024-01-01T00:00:00Z",
  "migration":false,"recovery_seal":false,"storage_type":"file"})";

TEST_F(CliTest, StatusUnsealed) {
  AddRoute("GET sys/seal-status", 200, kUnsealed);
  AddRoute("GET sys/leader", 200, R"({"ha_enabled":false})");
  EXPECT_EQ(Run({"status"}), 0);
  EXPECT_EQ(out(),
            "Key             Value\n"
            "---             -----\n"
            "Seal Type       shamir\n"
            "Initialized     true\n"
            "Sealed          false\n"
            "Total Shares    5\n"
            "Threshold       3\n"
            "Version         0.1.0\n"
            "Build Date      2024-01-01T00:00:00Z\n"
            "Storage Type    file\n"
            "Cluster Name    arca-cluster-1\n"
            "Cluster ID      c-123\n"
            "HA Enabled      false\n");
}

TEST_F(CliTest, StatusSealedExits2WithProgress) {
  AddRoute("GET sys/seal-status", 200, kSealed);
  AddRoute("GET sys/leader", 503, R"({"errors":["Vault is sealed"]})");
  EXPECT_EQ(Run({"status"}), 2);
  EXPECT_THAT(out(), HasSubstr("Sealed             true\n"));
  EXPECT_THAT(out(), HasSubstr("Unseal Progress    1/3\n"));
  EXPECT_THAT(out(), HasSubstr("Unseal Nonce       n-1\n"));
  EXPECT_THAT(out(), ::testing::Not(HasSubstr("Cluster Name")));
  // Vault's rule: sys/leader refusing with "Vault is sealed" means HA storage.
  EXPECT_THAT(out(), HasSubstr("HA Enabled         true\n"));
  EXPECT_THAT(out(), ::testing::Not(HasSubstr("HA Mode")));
}

TEST_F(CliTest, StatusSealedWithoutHaSaysHaDisabled) {
  AddRoute("GET sys/seal-status", 200, kSealed);
  AddRoute("GET sys/leader", 200, R"({"ha_enabled":false})");
  EXPECT_EQ(Run({"status"}), 2);
  EXPECT_THAT(out(), HasSubstr("HA Enabled         false\n"));
}

TEST_F(CliTest, StatusConnectionErrorExits1) {
  routes_["GET sys/seal-status"] = {0, "", true};
  EXPECT_EQ(Run({"status"}), 1);
  EXPECT_EQ(err(),
            "Error checking seal status: Get \"http://127.0.0.1:8200/v1/sys/seal-status\": dial "
            "tcp 127.0.0.1:8200: connect: connection refused\n");
}

TEST_F(CliTest, StatusJson) {
  AddRoute("GET sys/seal-status", 200, kUnsealed);
  AddRoute("GET sys/leader", 200, R"({"ha_enabled":false})");
  EXPECT_EQ(Run({"status", "-format=json"}), 0);
  auto v = ParseJson(out());
  ASSERT_TRUE(v) << out();
  EXPECT_EQ(v->at("sealed").as_bool(), false);
  EXPECT_EQ(v->at("ha_enabled").as_bool(), false);
  EXPECT_EQ(v->at("cluster_name").as_string(), "arca-cluster-1");
}

TEST_F(CliTest, OperatorInitTable) {
  AddRoute("GET sys/seal-status", 200, R"({"type":"shamir","recovery_seal":false})");
  AddRoute("PUT sys/init", 200,
           R"({"keys":["aa","bb"],"keys_base64":["qg==","uw=="],"root_token":"s.root"})");
  EXPECT_EQ(Run({"operator", "init", "-key-shares=2", "-key-threshold", "2"}), 0);
  ASSERT_EQ(calls_.size(), 2u);
  EXPECT_EQ(calls_[1].method, "PUT");
  EXPECT_EQ(calls_[1].body, R"({"secret_shares":2,"secret_threshold":2})");
  EXPECT_THAT(out(), StartsWith("Unseal Key 1: qg==\nUnseal Key 2: uw==\n\n"
                                "Initial Root Token: s.root\n\n"
                                "Arca initialized with 2 key shares and a key threshold of 2. "
                                "Please securely\ndistribute the key shares printed above."));
  EXPECT_THAT(out(), HasSubstr("See \"arca operator rekey\" for more information.\n"));
}

TEST_F(CliTest, OperatorInitAutoSealSendsRecoveryDefaults) {
  // As Vault's CLI: an auto seal (recovery_seal) gets recovery shares 5/3 by default and no
  // secret_shares; the output lists recovery keys.
  AddRoute("GET sys/seal-status", 200, R"({"type":"static","recovery_seal":true})");
  AddRoute("PUT sys/init", 200,
           R"({"keys":[],"keys_base64":[],"recovery_keys":["aa"],"recovery_keys_base64":["qg=="],)"
           R"("root_token":"s.root"})");
  EXPECT_EQ(Run({"operator", "init"}), 0);
  ASSERT_EQ(calls_.size(), 2u);
  EXPECT_EQ(calls_[1].body, R"({"recovery_shares":5,"recovery_threshold":3})");
  EXPECT_THAT(out(), StartsWith("Recovery Key 1: qg==\n\nInitial Root Token: s.root\n\n"
                                "Success! Arca is initialized\n\n"
                                "Recovery key initialized with 5 key shares and a key threshold of 3."));
  // A Shamir flag given explicitly is sent, so that the server refuses it by name.
  calls_.clear();
  EXPECT_EQ(Run({"operator", "init", "-key-shares=3", "-recovery-shares=1", "-recovery-threshold=1"}), 0);
  ASSERT_EQ(calls_.size(), 2u);
  EXPECT_EQ(calls_[1].body, R"({"secret_shares":3,"recovery_shares":1,"recovery_threshold":1})");
}

TEST_F(CliTest, OperatorInitJson) {
  AddRoute("GET sys/seal-status", 200, R"({"type":"shamir","recovery_seal":false})");
  AddRoute("PUT sys/init", 200, R"({"keys":["aa"],"keys_base64":["qg=="],"root_token":"s.root"})");
  EXPECT_EQ(Run({"operator", "init", "-key-shares=1", "-key-threshold=1", "-format=json"}), 0);
  EXPECT_EQ(out(),
            "{\n"
            "  \"unseal_keys_b64\": [\n    \"qg==\"\n  ],\n"
            "  \"unseal_keys_hex\": [\n    \"aa\"\n  ],\n"
            "  \"unseal_shares\": 1,\n"
            "  \"unseal_threshold\": 1,\n"
            "  \"recovery_keys_b64\": [],\n"
            "  \"recovery_keys_hex\": [],\n"
            "  \"recovery_keys_shares\": 0,\n"
            "  \"recovery_keys_threshold\": 0,\n"
            "  \"root_token\": \"s.root\"\n"
            "}\n");
}

TEST_F(CliTest, OperatorInitServerErrorExits2) {
  AddRoute("GET sys/seal-status", 200, R"({"type":"shamir","recovery_seal":false})");
  AddRoute("PUT sys/init", 400, R"({"errors":["Vault is already initialized"]})");
  EXPECT_EQ(Run({"operator", "init"}), 2);
  EXPECT_EQ(err(),
            "Error initializing: Error making API request.\n\nURL: PUT "
            "http://127.0.0.1:8200/v1/sys/init\nCode: 400. Errors:\n\n* Vault is already "
            "initialized\n");
}

TEST_F(CliTest, OperatorUnsealWithArgumentStdinAndPrompt) {
  AddRoute("PUT sys/unseal", 200, kSealed);
  AddRoute("GET sys/leader", 503, R"({"errors":["sealed"]})");
  EXPECT_EQ(Run({"operator", "unseal", "key-one"}), 0);
  EXPECT_EQ(calls_[0].body, R"({"key":"key-one"})");
  EXPECT_THAT(out(), HasSubstr("Unseal Progress    1/3"));

  calls_.clear();
  EXPECT_EQ(Run({"operator", "unseal"}, "key-two\n"), 0);
  EXPECT_EQ(calls_[0].body, R"({"key":"key-two"})");
  EXPECT_EQ(prompts_, 0);
  EXPECT_THAT(out(), ::testing::Not(HasSubstr("will be hidden")));

  calls_.clear();
  stdin_is_terminal_ = true;
  hidden_input_ = "key-three";
  EXPECT_EQ(Run({"operator", "unseal"}), 0);
  EXPECT_EQ(prompts_, 1);
  EXPECT_THAT(out(), StartsWith("Unseal Key (will be hidden): \n"));
  EXPECT_EQ(calls_[0].body, R"({"key":"key-three"})");
}

TEST_F(CliTest, OperatorUnsealResetAndErrors) {
  AddRoute("PUT sys/unseal", 200, kSealed);
  EXPECT_EQ(Run({"operator", "unseal", "-reset"}), 0);
  EXPECT_EQ(calls_[0].body, R"({"reset":true})");
  EXPECT_EQ(Run({"operator", "unseal"}, ""), 1);
  EXPECT_THAT(err(), HasSubstr("no unseal key"));
  AddRoute("PUT sys/unseal", 400, R"({"errors":["invalid key"]})");
  EXPECT_EQ(Run({"operator", "unseal", "bad"}), 2);
  EXPECT_THAT(err(), StartsWith("Error unsealing: Error making API request."));
  EXPECT_EQ(Run({"operator", "unseal", "a", "b"}), 1);
  EXPECT_EQ(err(), "Too many arguments (expected 1, got 2)\n");
}

TEST_F(CliTest, OperatorSeal) {
  AddRoute("PUT sys/seal", 204, "");
  EXPECT_EQ(Run({"operator", "seal"}), 0);
  EXPECT_EQ(out(), "Success! Arca is sealed.\n");
  AddRoute("PUT sys/seal", 403, R"({"errors":["permission denied"]})");
  EXPECT_EQ(Run({"operator", "seal"}), 2);
  EXPECT_THAT(err(), StartsWith("Error sealing: "));
}

TEST_F(CliTest, OperatorKeyStatusAndRotate) {
  AddRoute("GET sys/key-status", 200,
           R"({"term":2,"install_time":"2024-03-05T10:20:30.5Z","encryptions":7})");
  EXPECT_EQ(Run({"operator", "key-status"}), 0);
  EXPECT_EQ(out(),
            "Key Term            2\n"
            "Install Time        05 Mar 24 10:20 UTC\n"
            "Encryption Count    7\n");
  AddRoute("PUT sys/rotate", 204, "");
  EXPECT_EQ(Run({"operator", "rotate"}), 0);
  EXPECT_THAT(out(), StartsWith("Success! Rotated key\n\nKey Term            2\n"));
}

TEST_F(CliTest, ReadLeasedSecretTable) {
  AddRoute("GET database/creds/ro", 200, R"({"request_id":"r","lease_id":"database/creds/ro/x",
    "lease_duration":3600,"renewable":true,"data":{"username":"u","password":"p","ttl":60,
    "roles":["a","b"],"meta":{"k":"v"},"empty":""},"warnings":["be careful"]})");
  EXPECT_EQ(Run({"read", "database/creds/ro"}), 0);
  EXPECT_EQ(out(),
            "Key                Value\n"
            "---                -----\n"
            "lease_id           database/creds/ro/x\n"
            "lease_duration     1h\n"
            "lease_renewable    true\n"
            "empty              n/a\n"
            "meta               map[k:v]\n"
            "password           p\n"
            "roles              [a b]\n"
            "ttl                1m\n"
            "username           u\n");
  EXPECT_EQ(err(),
            "WARNING! The following warnings were returned from Arca:\n\n  * be careful\n\n");
}

TEST_F(CliTest, ReadKvV1ShowsRefreshInterval) {
  AddRoute("GET secret/foo", 200,
           R"({"lease_id":"","lease_duration":2764800,"renewable":false,"data":{"foo":"bar"}})");
  EXPECT_EQ(Run({"read", "secret/foo"}), 0);
  EXPECT_EQ(out(),
            "Key                 Value\n"
            "---                 -----\n"
            "refresh_interval    768h\n"
            "foo                 bar\n");
}

TEST_F(CliTest, ReadAuthResponse) {
  AddRoute("GET auth/token/lookup-self", 200, R"({"auth":{"client_token":"s.x","accessor":"acc",
    "policies":["default","root"],"token_policies":["default","root"],"metadata":{"user":"bob"},
    "lease_duration":0,"renewable":false}})");
  EXPECT_EQ(Run({"read", "auth/token/lookup-self"}), 0);
  EXPECT_EQ(out(),
            "Key                  Value\n"
            "---                  -----\n"
            "token                s.x\n"
            "token_accessor       acc\n"
            "token_duration       ∞\n"
            "token_renewable      false\n"
            "token_policies       [\"default\" \"root\"]\n"
            "identity_policies    []\n"
            "policies             [\"default\" \"root\"]\n"
            "token_meta_user      bob\n");
  EXPECT_EQ(Run({"read", "-field=token", "auth/token/lookup-self"}), 0);
  EXPECT_EQ(out(), "s.x");
}

TEST_F(CliTest, ReadFieldLookup) {
  AddRoute("GET secret/foo", 200, R"({"request_id":"req-1","lease_id":"","lease_duration":60,
    "renewable":false,"data":{"foo":"bar","n":3,"list":["a","b"]}})");
  struct Case {
    std::string field, want;
    int code;
  };
  const Case cases[] = {
      {"foo", "bar", 0},           {"n", "3", 0},
      {"list", "[a b]", 0},        {"request_id", "req-1", 0},
      {"lease_duration", "60", 0}, {"refresh_interval", "60", 0},
      {"renewable", "false", 0},   {"data", "map[foo:bar list:[a b] n:3]", 0},
      {"missing", "", 1},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(Run({"read", "-field=" + c.field, "secret/foo"}), c.code) << c.field;
    EXPECT_EQ(out(), c.want) << c.field;
  }
  EXPECT_EQ(err(), "Field \"missing\" not present in secret\n");
  EXPECT_EQ(Run({"read", "-format=json", "-field=list", "secret/foo"}), 0);
  EXPECT_EQ(out(), "[\n  \"a\",\n  \"b\"\n]\n");
}

TEST_F(CliTest, ReadJsonAndYaml) {
  AddRoute("GET secret/foo", 200, R"({"request_id":"r1","lease_id":"","renewable":false,
    "lease_duration":2764800,"data":{"b":"2","a":"1"},"wrap_info":null,"warnings":null,
    "auth":null,"mount_type":"kv"})");
  EXPECT_EQ(Run({"read", "-format=json", "secret/foo"}), 0);
  EXPECT_EQ(out(),
            "{\n"
            "  \"request_id\": \"r1\",\n"
            "  \"lease_id\": \"\",\n"
            "  \"lease_duration\": 2764800,\n"
            "  \"renewable\": false,\n"
            "  \"data\": {\n    \"a\": \"1\",\n    \"b\": \"2\"\n  },\n"
            "  \"warnings\": null,\n"
            "  \"mount_type\": \"kv\"\n"
            "}\n");
  EXPECT_EQ(Run({"read", "-format", "yaml", "secret/foo"}), 0);
  EXPECT_EQ(out(),
            "data:\n  a: \"1\"\n  b: \"2\"\nlease_duration: 2764800\nlease_id: \"\"\n"
            "mount_type: kv\nrenewable: false\nrequest_id: r1\nwarnings: null\n");
}

TEST_F(CliTest, FormatFromEnvironmentArcaBeforeVault) {
  AddRoute("GET secret/foo", 200, R"({"data":{"a":"1"}})");
  env_vars_["VAULT_FORMAT"] = "yaml";
  EXPECT_EQ(Run({"read", "secret/foo"}), 0);
  EXPECT_THAT(out(), HasSubstr("data:\n  a: \"1\"\n"));
  env_vars_["ARCA_FORMAT"] = "json";
  EXPECT_EQ(Run({"read", "secret/foo"}), 0);
  EXPECT_THAT(out(), StartsWith("{\n"));
  EXPECT_EQ(Run({"read", "-format=table", "secret/foo"}), 0);
  EXPECT_THAT(out(), StartsWith("Key    Value\n"));
  EXPECT_EQ(Run({"read", "-format=xml", "secret/foo"}), 1);
  EXPECT_EQ(err(), "Invalid output format: xml\n");
}

TEST_F(CliTest, ReadMissingAndErrors) {
  EXPECT_EQ(Run({"read", "secret/missing"}), 2);
  EXPECT_EQ(err(), "No value found at secret/missing\n");
  AddRoute("GET secret/denied", 403, R"({"errors":["permission denied"]})");
  EXPECT_EQ(Run({"read", "secret/denied"}), 2);
  EXPECT_EQ(err(),
            "Error reading secret/denied: Error making API request.\n\nURL: GET "
            "http://127.0.0.1:8200/v1/secret/denied\nCode: 403. Errors:\n\n* permission denied\n");
  EXPECT_EQ(Run({"read"}), 1);
  EXPECT_EQ(Run({"read", "secret/foo", "-format=json"}), 1);
  EXPECT_THAT(err(), HasSubstr("must be provided before positional arguments"));
}

TEST_F(CliTest, ReadPassesKeyValuesAsQuery) {
  AddRoute("GET pki/cert", 200, R"({"data":{"x":"y"}})");
  EXPECT_EQ(Run({"read", "/pki/cert/", "a=1", "b=2"}), 0);
  ASSERT_EQ(calls_.size(), 1u);
  EXPECT_EQ(calls_[0].path, "pki/cert");
  EXPECT_EQ(calls_[0].query, (api::QueryParams{{"a", "1"}, {"b", "2"}}));
}

TEST_F(CliTest, WriteBodiesAndMessages) {
  AddRoute("PUT secret/foo", 204, "");
  EXPECT_EQ(Run({"write", "secret/foo", "a=1", "a=2", "-"}, R"({"n": 5})"), 0);
  EXPECT_EQ(out(), "Success! Data written to: secret/foo\n");
  EXPECT_EQ(calls_.back().body, R"({"a":["1","2"],"n":5})");
  EXPECT_EQ(Run({"write", "secret/foo"}), 1);
  EXPECT_EQ(err(), "Must supply data or use -force\n");
  EXPECT_EQ(Run({"write", "-force", "secret/foo"}), 0);
  EXPECT_EQ(calls_.back().body, "{}");
  EXPECT_EQ(Run({"write", "secret/foo", "novalue"}), 1);
  EXPECT_THAT(err(), StartsWith("Failed to parse K=V data: invalid key/value pair"));
  AddRoute("PUT kv/foo", 400, R"({"errors":["message"]})");
  EXPECT_EQ(Run({"write", "kv/foo", "a=b"}), 2);
  EXPECT_EQ(err(),
            "Error writing data to kv/foo: Error making API request.\n\nURL: PUT "
            "http://127.0.0.1:8200/v1/kv/foo\nCode: 400. Errors:\n\n* message\n");
}

TEST_F(CliTest, WriteReturningSecret) {
  AddRoute("PUT transit/encrypt/k", 200, R"({"data":{"ciphertext":"vault:v1:abc"}})");
  EXPECT_EQ(Run({"write", "transit/encrypt/k", "plaintext=aGk="}), 0);
  EXPECT_EQ(out(), "Key           Value\n---           -----\nciphertext    vault:v1:abc\n");
  EXPECT_EQ(Run({"write", "-field=ciphertext", "transit/encrypt/k", "plaintext=aGk="}), 0);
  EXPECT_EQ(out(), "vault:v1:abc");
}

TEST_F(CliTest, DeleteAndList) {
  AddRoute("DELETE secret/foo", 204, "");
  EXPECT_EQ(Run({"delete", "secret/foo"}), 0);
  EXPECT_EQ(out(), "Success! Data deleted (if it existed) at: secret/foo\n");
  AddRoute("LIST secret/", 200, R"({"data":{"keys":["foo","bar/","baz"]}})");
  EXPECT_EQ(Run({"list", "secret"}), 0);
  EXPECT_EQ(out(), "Keys\n----\nbar/\nbaz\nfoo\n");
  EXPECT_EQ(Run({"list", "-format=json", "secret"}), 0);
  EXPECT_EQ(out(), "[\n  \"foo\",\n  \"bar/\",\n  \"baz\"\n]\n");
  EXPECT_EQ(Run({"list", "empty/"}), 2);
  EXPECT_EQ(err(), "No value found at empty/\n");
}

TEST_F(CliTest, PathHelp) {
  AddRoute("GET secret/foo", 200, R"({"help":"## DESCRIPTION\n\nStuff"})");
  EXPECT_EQ(Run({"path-help", "secret/foo"}), 0);
  EXPECT_EQ(out(), "## DESCRIPTION\n\nStuff\n");
  EXPECT_EQ(calls_[0].query, (api::QueryParams{{"help", "1"}}));
}

// ---- kv

constexpr char kV2Mount[] = R"({"data":{"path":"secret/","type":"kv","options":{"version":"2"}}})";
constexpr char kV1Mount[] = R"({"data":{"path":"kv1/","type":"kv","options":null}})";

TEST_F(CliTest, KvGetV2) {
  AddRoute("GET sys/internal/ui/mounts/secret/creds", 200, kV2Mount);
  AddRoute("GET secret/data/creds", 200, R"({"lease_duration":0,"data":{
    "data":{"passcode":"my-long-passcode"},
    "metadata":{"created_time":"2018-03-22T02:24:06.945319214Z","custom_metadata":null,
                "deletion_time":"","destroyed":false,"version":1}}})");
  EXPECT_EQ(Run({"kv", "get", "secret/creds"}), 0);
  EXPECT_EQ(out(),
            "== Secret Path ==\n"
            "secret/data/creds\n"
            "\n"
            "======= Metadata =======\n"
            "Key                Value\n"
            "---                -----\n"
            "created_time       2018-03-22T02:24:06.945319214Z\n"
            "custom_metadata    <nil>\n"
            "deletion_time      n/a\n"
            "destroyed          false\n"
            "version            1\n"
            "\n"
            "====== Data ======\n"
            "Key         Value\n"
            "---         -----\n"
            "passcode    my-long-passcode\n");
  EXPECT_EQ(Run({"kv", "get", "-field=passcode", "secret/creds"}), 0);
  EXPECT_EQ(out(), "my-long-passcode");
}

TEST_F(CliTest, KvGetV2WithMountFlagAndVersion) {
  AddRoute("GET sys/internal/ui/mounts/secret", 200, kV2Mount);
  AddRoute("GET secret/data/app/db", 200, R"({"data":{"data":{"a":"b"},"metadata":{}}})");
  EXPECT_EQ(Run({"kv", "get", "-mount=secret", "-version=3", "app/db"}), 0);
  ASSERT_EQ(calls_.size(), 2u);
  EXPECT_EQ(calls_[1].path, "secret/data/app/db");
  EXPECT_EQ(calls_[1].query, (api::QueryParams{{"version", "3"}}));
}

TEST_F(CliTest, KvGetV1) {
  AddRoute("GET sys/internal/ui/mounts/kv1/foo", 200, kV1Mount);
  AddRoute("GET kv1/foo", 200, R"({"lease_duration":2764800,"data":{"foo":"bar"}})");
  EXPECT_EQ(Run({"kv", "get", "kv1/foo"}), 0);
  EXPECT_EQ(out(), "=== Data ===\nKey    Value\n---    -----\nfoo    bar\n");
  EXPECT_EQ(Run({"kv", "get", "-format=json", "kv1/foo"}), 0);
  EXPECT_THAT(out(), HasSubstr("\"lease_duration\": 2764800"));
}

TEST_F(CliTest, KvGetMissingAndPreflightErrors) {
  AddRoute("GET sys/internal/ui/mounts/secret/nope", 200, kV2Mount);
  EXPECT_EQ(Run({"kv", "get", "secret/nope"}), 2);
  EXPECT_EQ(err(), "No value found at secret/data/nope\n");
  AddRoute("GET sys/internal/ui/mounts/locked/x", 403, R"({"errors":["permission denied"]})");
  EXPECT_EQ(Run({"kv", "get", "locked/x"}), 2);
  // Vault's kv commands print the preflight's API error block as it is.
  EXPECT_EQ(err(),
            "Error making API request.\n\nURL: GET "
            "http://127.0.0.1:8200/v1/sys/internal/ui/mounts/locked/x\nCode: 403. Errors:\n\n"
            "* permission denied\n");
}

TEST_F(CliTest, KvPutV2PrintsMetadata) {
  AddRoute("GET sys/internal/ui/mounts/secret/creds", 200, kV2Mount);
  AddRoute("PUT secret/data/creds", 200, R"({"data":{"created_time":"2024-01-01T00:00:00Z",
    "custom_metadata":null,"deletion_time":"","destroyed":false,"version":2}})");
  EXPECT_EQ(Run({"kv", "put", "-cas=1", "secret/creds", "passcode=x"}), 0);
  EXPECT_EQ(calls_.back().body, R"({"data":{"passcode":"x"},"options":{"cas":1}})");
  EXPECT_EQ(out(),
            "== Secret Path ==\n"
            "secret/data/creds\n"
            "\n"
            "======= Metadata =======\n"
            "Key                Value\n"
            "---                -----\n"
            "created_time       2024-01-01T00:00:00Z\n"
            "custom_metadata    <nil>\n"
            "deletion_time      n/a\n"
            "destroyed          false\n"
            "version            2\n");
}

TEST_F(CliTest, KvPutV1) {
  AddRoute("GET sys/internal/ui/mounts/kv1/foo", 200, kV1Mount);
  AddRoute("PUT kv1/foo", 204, "");
  EXPECT_EQ(Run({"kv", "put", "kv1/foo", "a=b"}), 0);
  EXPECT_EQ(calls_.back().body, R"({"a":"b"})");
  EXPECT_EQ(out(), "Success! Data written to: kv1/foo\n");
  EXPECT_EQ(Run({"kv", "put", "kv1/foo"}), 1);
  EXPECT_EQ(err(), "Must supply data\n");
}

TEST_F(CliTest, KvOldServerWithoutPreflightIsV1) {
  AddRoute("PUT old/foo", 204, "");
  EXPECT_EQ(Run({"kv", "put", "old/foo", "a=b"}), 0);
  EXPECT_EQ(calls_.back().path, "old/foo");
}

TEST_F(CliTest, KvListAndDelete) {
  AddRoute("GET sys/internal/ui/mounts/secret/app", 200, kV2Mount);
  AddRoute("LIST secret/metadata/app/", 200, R"({"data":{"keys":["db","web/"]}})");
  EXPECT_EQ(Run({"kv", "list", "secret/app"}), 0);
  EXPECT_EQ(out(), "Keys\n----\ndb\nweb/\n");

  AddRoute("GET sys/internal/ui/mounts/secret/app/db", 200, kV2Mount);
  AddRoute("DELETE secret/data/app/db", 204, "");
  EXPECT_EQ(Run({"kv", "delete", "secret/app/db"}), 0);
  EXPECT_EQ(out(), "Success! Data deleted (if it existed) at: secret/data/app/db\n");
  AddRoute("PUT secret/delete/app/db", 204, "");
  EXPECT_EQ(Run({"kv", "delete", "-versions=1,3", "secret/app/db"}), 0);
  EXPECT_EQ(calls_.back().body, R"({"versions":["1","3"]})");
  EXPECT_EQ(out(), "Success! Data deleted (if it existed) at: secret/delete/app/db\n");

  AddRoute("GET sys/internal/ui/mounts/kv1", 200, kV1Mount);
  AddRoute("LIST kv1/", 200, R"({"data":{"keys":["a"]}})");
  EXPECT_EQ(Run({"kv", "list", "-mount=kv1"}), 0);
  EXPECT_EQ(out(), "Keys\n----\na\n");
}

// ---- secrets

TEST_F(CliTest, SecretsEnable) {
  AddRoute("POST sys/mounts/kv-v2/", 204, "");
  EXPECT_EQ(Run({"secrets", "enable", "kv-v2"}), 0);
  EXPECT_EQ(out(), "Success! Enabled the kv-v2 secrets engine at: kv-v2/\n");
  auto body = ParseJson(calls_.back().body);
  ASSERT_TRUE(body);
  EXPECT_EQ(body->at("type").as_string(), "kv");
  EXPECT_EQ(body->at("options").at("version").as_string(), "2");

  AddRoute("POST sys/mounts/team/kv/", 204, "");
  EXPECT_EQ(Run({"secrets", "enable", "-path=team/kv", "-version=2", "-description=Team",
                 "-default-lease-ttl=1h", "-options=foo=bar", "kv"}),
            0);
  body = ParseJson(calls_.back().body);
  EXPECT_EQ(body->at("description").as_string(), "Team");
  EXPECT_EQ(body->at("config").at("default_lease_ttl").as_string(), "1h0m0s");
  EXPECT_EQ(body->at("options").at("foo").as_string(), "bar");
  EXPECT_EQ(body->at("options").at("version").as_string(), "2");
  EXPECT_EQ(out(), "Success! Enabled the kv secrets engine at: team/kv/\n");

  EXPECT_EQ(Run({"secrets", "enable", "-default-lease-ttl=soon", "kv"}), 1);
  EXPECT_THAT(err(), HasSubstr("invalid value \"soon\" for flag -default-lease-ttl"));
  EXPECT_EQ(Run({"secrets", "enable", "-options=novalue", "kv"}), 1);
  EXPECT_EQ(Run({"secrets", "enable"}), 1);
  EXPECT_EQ(err(), "Not enough arguments (expected 1, got 0)\n");
  AddRoute("POST sys/mounts/kv/", 400, R"({"errors":["path is already in use at kv/"]})");
  EXPECT_EQ(Run({"secrets", "enable", "kv"}), 2);
  EXPECT_THAT(err(), StartsWith("Error enabling: Error making API request."));
}

TEST_F(CliTest, SecretsListDisableTune) {
  AddRoute("GET sys/mounts", 200, R"({"data":{
    "sys/":{"type":"system","accessor":"system_1","description":"system endpoints","config":{"default_lease_ttl":0,"max_lease_ttl":0}},
    "cubbyhole/":{"type":"cubbyhole","accessor":"cubbyhole_2","description":"per-token private secret storage","local":true},
    "secret/":{"type":"kv","accessor":"kv_3","description":"","options":{"version":"2"},"config":{"default_lease_ttl":3600,"max_lease_ttl":0}}}})");
  EXPECT_EQ(Run({"secrets", "list"}), 0);
  EXPECT_EQ(out(),
            "Path          Type         Accessor       Description\n"
            "----          ----         --------       -----------\n"
            "cubbyhole/    cubbyhole    cubbyhole_2    per-token private secret storage\n"
            "secret/       kv           kv_3           n/a\n"
            "sys/          system       system_1       system endpoints\n");
  EXPECT_EQ(Run({"secrets", "list", "-detailed"}), 0);
  EXPECT_THAT(out(), HasSubstr("Default TTL"));
  EXPECT_THAT(out(), HasSubstr("secret/       kv           kv_3           1h             system"));
  EXPECT_THAT(out(), HasSubstr("map[version:2]"));
  EXPECT_THAT(out(), HasSubstr("local"));

  AddRoute("DELETE sys/mounts/secret/", 204, "");
  EXPECT_EQ(Run({"secrets", "disable", "secret"}), 0);
  EXPECT_EQ(out(), "Success! Disabled the secrets engine (if it existed) at: secret/\n");

  AddRoute("POST sys/mounts/secret/tune", 204, "");
  EXPECT_EQ(Run({"secrets", "tune", "-max-lease-ttl=2h", "-description=", "secret/"}), 0);
  EXPECT_EQ(calls_.back().body, R"({"max_lease_ttl":"2h0m0s","description":""})");
  EXPECT_EQ(out(), "Success! Tuned the secrets engine at: secret/\n");
  EXPECT_EQ(Run({"secrets", "tune", "-audit-non-hmac-request-keys=a",
                 "-audit-non-hmac-request-keys=b", "-passthrough-request-headers=X-A",
                 "-allowed-response-headers=X-B", "-audit-non-hmac-response-keys=c", "secret/"}),
            0)
      << err();
  EXPECT_EQ(calls_.back().body,
            R"({"audit_non_hmac_request_keys":["a","b"],"audit_non_hmac_response_keys":["c"],)"
            R"("passthrough_request_headers":["X-A"],"allowed_response_headers":["X-B"]})");
  // -token-type is for auth methods only.
  EXPECT_EQ(Run({"secrets", "tune", "-token-type=batch", "secret/"}), 1);
  AddRoute("POST sys/auth/userpass/tune", 204, "");
  EXPECT_EQ(Run({"auth", "tune", "-token-type=default-batch", "userpass/"}), 0) << err();
  EXPECT_EQ(calls_.back().body, R"({"token_type":"default-batch"})");
  AddRoute("POST sys/auth/up2/", 204, "");
  EXPECT_EQ(Run({"auth", "enable", "-path=up2", "-token-type=batch",
                 "-passthrough-request-headers=X-C", "userpass"}),
            0)
      << err();
  EXPECT_THAT(calls_.back().body,
              HasSubstr(R"("config":{"passthrough_request_headers":["X-C"],"token_type":"batch"})"));
}

// ---- dispatch and global flags

TEST_F(CliTest, UnknownCommandsAndUsage) {
  EXPECT_EQ(Run({}), 127);
  EXPECT_THAT(err(), StartsWith("Usage: arca <command> [args]"));
  EXPECT_EQ(Run({"frobnicate"}), 127);
  EXPECT_THAT(err(), StartsWith("Unknown command: frobnicate\n"));
  EXPECT_EQ(Run({"operator"}), 1);
  EXPECT_THAT(err(), HasSubstr("    unseal"));
  EXPECT_EQ(Run({"operator", "frob"}), 1);
  // Every group prints its subcommands, bare (stderr, 1) and with -h (stdout, 0).
  for (std::string group : {"audit", "auth", "lease", "kv", "policy", "secrets", "token"}) {
    EXPECT_EQ(Run({group}), 1) << group;
    EXPECT_THAT(err(), StartsWith("Usage: arca " + group + " <subcommand>")) << group;
    EXPECT_EQ(Run({group, "-h"}), 0) << group;
    EXPECT_THAT(out(), HasSubstr("Subcommands:\n    ")) << group;
  }
  EXPECT_EQ(Run({"audit", "-h"}), 0);
  EXPECT_THAT(out(), HasSubstr("    disable    Disables an audit device\n"));
  EXPECT_THAT(out(), HasSubstr("    enable     Enables an audit device\n"));
  EXPECT_EQ(Run({"lease", "--help"}), 0);
  EXPECT_THAT(out(), HasSubstr("    revoke    Revokes leases and secrets\n"));
  // Typos get suggestions.
  EXPECT_EQ(Run({"wirte", "secret/x"}), 127);
  EXPECT_THAT(err(), StartsWith("Unknown command: wirte\n\nDid you mean this?\n    write\n"));
  EXPECT_EQ(Run({"secrets", "enabel"}), 1);
  EXPECT_THAT(err(), HasSubstr("Did you mean this?\n    enable\n"));
  EXPECT_EQ(Run({"zzzzzzzz"}), 127);
  EXPECT_THAT(err(), Not(HasSubstr("Did you mean")));
  EXPECT_EQ(Run({"--help"}), 0);
  EXPECT_THAT(out(), HasSubstr("    kv "));
  EXPECT_EQ(Run({"read", "-h"}), 0);
  EXPECT_THAT(out(), StartsWith("Usage: arca read"));
  EXPECT_EQ(Run({"read", "-bogus", "x"}), 1);
  EXPECT_THAT(err(), StartsWith("flag provided but not defined: -bogus"));
}

TEST_F(CliTest, VersionCommand) {
  // Vault's layout: name, version, commit in parentheses, build date.
  const std::string want = std::string("Arca v") + ARCA_VERSION + " (" + ARCA_GIT_COMMIT +
                           "), built " + ARCA_BUILD_DATE + "\n";
  EXPECT_THAT(want.substr(0, want.size() - 1),
              ::testing::MatchesRegex(
                  R"(Arca v[0-9.]+ \(([0-9a-f]{40}|unknown)\), built ([-0-9T:]+Z|unknown))"));
  EXPECT_EQ(Run({"version"}), 0);
  EXPECT_EQ(out(), want);
  EXPECT_EQ(Run({"-version"}), 0);
  EXPECT_EQ(out(), want);
}

TEST_F(CliTest, ExtraCommandsAreDispatched) {
  CliEnv env;
  std::ostringstream o, e;
  std::istringstream i;
  env.in = &i;
  env.out = &o;
  env.err = &e;
  std::vector<std::string> got;
  ExtraCommands extra{{"server", [&](std::vector<std::string> a) {
                         got = a;
                         return 7;
                       }}};
  EXPECT_EQ(RunCli({"server", "-dev"}, env, extra), 7);
  EXPECT_EQ(got, std::vector<std::string>{"-dev"});
}

TEST_F(CliTest, OutputCurlStringAndPolicyDoNotSendTheRequest) {
  AddRoute("GET sys/internal/ui/mounts/secret/app", 200, kV2Mount);
  env_vars_["ARCA_TOKEN"] = "hvs.t";
  EXPECT_EQ(Run({"kv", "put", "-output-curl-string", "secret/app", "pw=it's"}), 0) << err();
  EXPECT_EQ(out(),
            "curl -X PUT -H \"X-Vault-Request: true\" -H \"X-Vault-Token: $(arca print token)\" "
            "-d '{\"data\":{\"pw\":\"it'\"'\"'s\"},\"options\":{}}' "
            "http://127.0.0.1:8200/v1/secret/data/app\n");
  // The mount preflight is real; the write is not sent.
  ASSERT_EQ(calls_.size(), 1u);
  EXPECT_EQ(calls_[0].path, "sys/internal/ui/mounts/secret/app");

  calls_.clear();
  EXPECT_EQ(Run({"kv", "get", "-output-policy", "secret/app"}), 0) << err();
  EXPECT_EQ(out(), "path \"secret/data/app\" {\n  capabilities = [\"read\"]\n}\n");
  EXPECT_EQ(Run({"write", "-output-policy", "sys/policies/acl/x", "policy=y"}), 0);
  EXPECT_EQ(out(),
            "path \"sys/policies/acl/x\" {\n  capabilities = [\"create\", \"update\"]\n}\n");
  EXPECT_EQ(Run({"list", "-output-curl-string", "secret/metadata"}), 0);
  EXPECT_EQ(out(),
            "curl -H \"X-Vault-Request: true\" -H \"X-Vault-Token: $(arca print token)\" "
            "http://127.0.0.1:8200/v1/secret/metadata/?list=true\n");
  EXPECT_EQ(calls_.size(), 1u);  // only kv get's preflight
  // A command that makes no request cannot be shown.
  EXPECT_EQ(Run({"version", "-output-curl-string"}), 1);
  EXPECT_THAT(err(), HasSubstr("Could not generate cURL command"));
}

TEST_F(CliTest, ReadFormatRawPrintsTheBodyAsSent) {
  AddRoute("GET pki/ca/pem", 200, "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n");
  EXPECT_EQ(Run({"read", "-format=raw", "pki/ca/pem"}), 0) << err();
  EXPECT_EQ(out(), "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n");
  AddRoute("GET sys/health", 200, R"({"initialized":true,"sealed":false})");
  EXPECT_EQ(Run({"read", "-format=raw", "sys/health"}), 0);
  EXPECT_EQ(out(), R"({"initialized":true,"sealed":false})");
  AddRoute("GET secret/denied", 403, R"({"errors":["permission denied"]})");
  EXPECT_EQ(Run({"read", "-format=raw", "secret/denied"}), 2);
  EXPECT_THAT(err(), HasSubstr("Code: 403. Errors:\n\n* permission denied"));
  EXPECT_EQ(out(), "");
}

TEST_F(CliTest, SecretsAndAuthMoveUseRemountAndWaitForTheEnd) {
  AddRoute("POST sys/remount", 200, R"({"data":{"migration_id":"m-1"}})");
  AddRoute("GET sys/remount/status/m-1", 200,
           R"({"data":{"migration_id":"m-1","migration_info":{"source_mount":"secret/",)"
           R"("target_mount":"kv/","status":"success"}}})");
  EXPECT_EQ(Run({"secrets", "move", "secret", "kv"}), 0) << err();
  EXPECT_EQ(calls_[0].body, R"({"from":"secret/","to":"kv/"})");
  EXPECT_EQ(out(),
            "Started moving secrets engine secret/ to kv/, with migration ID m-1\n"
            "Success! Finished moving secrets engine secret/ to kv/, with migration ID m-1\n");
  EXPECT_EQ(Run({"auth", "move", "userpass/", "people"}), 0) << err();
  EXPECT_EQ(calls_[2].body, R"({"from":"auth/userpass/","to":"auth/people/"})");
  EXPECT_THAT(out(), HasSubstr("Success! Finished moving auth method auth/userpass/ to auth/people/"));
  AddRoute("GET sys/remount/status/m-1", 200,
           R"({"data":{"migration_info":{"status":"failure"}}})");
  EXPECT_EQ(Run({"secrets", "move", "a", "b"}), 2);
  EXPECT_THAT(err(), HasSubstr("Failure! Error encountered moving secrets engine a/ to b/"));
  AddRoute("POST sys/remount", 400, R"({"errors":["cannot remount \"sys/\""]})");
  EXPECT_EQ(Run({"secrets", "move", "sys", "x"}), 2);
  EXPECT_THAT(err(), HasSubstr("Error moving secrets engine sys/ to x/"));
  EXPECT_EQ(Run({"secrets", "move", "only-one"}), 1);
}

TEST_F(CliTest, PluginListInfoAndVersionHistoryTables) {
  AddRoute("GET sys/plugins/catalog", 200,
           R"({"data":{"auth":["userpass"],"secret":["kv"],"detailed":[)"
           R"({"name":"userpass","type":"auth","version":"v0.1.0+builtin","builtin":true,)"
           R"("deprecation_status":"supported"},{"name":"kv","type":"secret",)"
           R"("version":"v0.1.0+builtin","builtin":true,"deprecation_status":"supported"}]}})");
  EXPECT_EQ(Run({"plugin", "list"}), 0) << err();
  EXPECT_EQ(out(),
            "Name        Type      Version\n"
            "----        ----      -------\n"
            "userpass    auth      v0.1.0+builtin\n"
            "kv          secret    v0.1.0+builtin\n");
  EXPECT_EQ(Run({"plugin", "list", "-detailed", "secret"}), 0);
  EXPECT_EQ(out(),
            "Name    Type      Version           Deprecation Status\n"
            "----    ----      -------           ------------------\n"
            "kv      secret    v0.1.0+builtin    supported\n");
  EXPECT_EQ(Run({"plugin", "list", "bogus"}), 1);
  AddRoute("GET sys/plugins/catalog/auth/userpass", 200,
           R"({"data":{"name":"userpass","builtin":true,"version":"v0.1.0+builtin"}})");
  EXPECT_EQ(Run({"plugin", "info", "-field=builtin", "auth", "userpass"}), 0);
  EXPECT_EQ(out(), "true");
  AddRoute("LIST sys/version-history", 200,
           R"({"data":{"keys":["0.1.0"],"key_info":{"0.1.0":{"timestamp_installed":)"
           R"("2026-12-06T20:00:00Z","build_date":"2026-12-06T14:33:22Z","previous_version":null}}}})");
  EXPECT_EQ(Run({"version-history"}), 0) << err();
  EXPECT_EQ(out(),
            "Version    Installation Time       Build Date\n"
            "-------    -----------------       ----------\n"
            "0.1.0      2026-12-06T20:00:00Z    2026-12-06T14:33:22Z\n");
}

TEST_F(CliTest, AuthHelpPrintsTheMethodsLoginUsage) {
  AddRoute("GET sys/auth", 200, R"({"data":{"people/":{"type":"userpass"}}})");
  EXPECT_EQ(Run({"auth", "help", "people"}), 0) << err();
  EXPECT_THAT(out(), HasSubstr("arca login -method=userpass"));
  EXPECT_EQ(Run({"auth", "help", "approle"}), 0);
  EXPECT_THAT(out(), HasSubstr("role_id=<string>"));
  EXPECT_EQ(Run({"auth", "help", "nosuch"}), 2);
  EXPECT_THAT(err(), HasSubstr("no CLI login help for this method"));
}

TEST_F(CliTest, ListDetailedAddsKeyInfoColumns) {
  AddRoute("LIST auth/token/accessors/", 200,
           R"({"data":{"keys":["b","a"],"key_info":{"a":{"ttl":60,"name":"x"},"b":{"ttl":0}}}})");
  EXPECT_EQ(Run({"list", "-detailed", "auth/token/accessors"}), 0) << err();
  EXPECT_EQ(out(),
            "Keys    name    ttl\n"
            "----    ----    ---\n"
            "a       x       60\n"
            "b       n/a     0\n");
  EXPECT_EQ(Run({"list", "auth/token/accessors"}), 0);
  EXPECT_EQ(out(), "Keys\n----\na\nb\n");
}

TEST_F(CliTest, ShellCompletionAndItsInstall) {
  env_vars_["COMP_LINE"] = "arca sec";
  EXPECT_EQ(Run({"sec"}), 0);
  EXPECT_EQ(out(), "secrets\n");
  env_vars_["COMP_LINE"] = "arca secrets e";
  EXPECT_EQ(Run({"secrets", "e"}), 0);
  EXPECT_EQ(out(), "enable\n");
  env_vars_["COMP_LINE"] = "arca kv metadata ";
  EXPECT_EQ(Run({"kv", "metadata"}), 0);
  EXPECT_EQ(out(), "delete\nget\npatch\nput\n");
  // COMP_POINT cuts the line at the cursor.
  env_vars_["COMP_LINE"] = "arca tok create";
  env_vars_["COMP_POINT"] = "8";
  EXPECT_EQ(Run({"tok"}), 0);
  EXPECT_EQ(out(), "token\n");
  env_vars_.erase("COMP_LINE");
  env_vars_.erase("COMP_POINT");
  EXPECT_TRUE(calls_.empty());

  auto home = std::filesystem::path(::testing::TempDir()) / ("arca_complete_" + std::to_string(::getpid()));
  std::filesystem::create_directories(home);
  env_vars_["HOME"] = home.string();
  std::ofstream(home / ".zshrc") << "export A=1";
  EXPECT_EQ(Run({"-autocomplete-install"}), 0) << err();
  auto read = [](const std::filesystem::path& p) {
    std::ifstream in(p);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  };
  EXPECT_NE(read(home / ".bashrc").find("complete -C /"), std::string::npos);
  EXPECT_NE(read(home / ".zshrc").find("export A=1\nautoload -U +X bashcompinit && bashcompinit\n"
                                       "complete -C /"),
            std::string::npos)
      << read(home / ".zshrc");
  EXPECT_EQ(Run({"-autocomplete-install"}), 1);
  EXPECT_THAT(err(), HasSubstr("already installed in"));
  EXPECT_EQ(Run({"-autocomplete-uninstall"}), 0) << err();
  EXPECT_EQ(read(home / ".bashrc").find("complete -C"), std::string::npos);
  EXPECT_EQ(Run({"-autocomplete-uninstall"}), 1);
  std::filesystem::remove_all(home);
}

TEST_F(CliTest, NonRootNamespaceIsRefusedNotIgnored) {
  AddRoute("GET secret/foo", 200, R"({"data":{"a":"1"}})");
  EXPECT_EQ(Run({"read", "-namespace=team-a", "secret/foo"}), 1);
  EXPECT_THAT(err(), HasSubstr("namespace \"team-a\" is not supported"));
  env_vars_["VAULT_NAMESPACE"] = "team-b/";
  EXPECT_EQ(Run({"read", "secret/foo"}), 1);
  EXPECT_THAT(err(), HasSubstr("namespace \"team-b/\" is not supported"));
  EXPECT_TRUE(calls_.empty());
  // The root namespace is fine, by flag or variable.
  EXPECT_EQ(Run({"read", "-ns=root", "secret/foo"}), 0) << err();
  env_vars_["VAULT_NAMESPACE"] = "root";
  EXPECT_EQ(Run({"read", "secret/foo"}), 0) << err();
  EXPECT_EQ(calls_.size(), 2u);
}

TEST_F(CliTest, AddressWithoutSchemeIsAClearError) {
  AddRoute("GET secret/foo", 200, R"({"data":{"a":"1"}})");
  for (std::string addr : {"127.0.0.1:8200", "localhost:8200"}) {
    EXPECT_EQ(Run({"read", "-address=" + addr, "secret/foo"}), 1) << addr;
    EXPECT_THAT(err(), HasSubstr("Error initializing client: the address \"" + addr +
                                 "\" has no scheme"))
        << addr;
  }
  EXPECT_TRUE(calls_.empty());
  EXPECT_EQ(Run({"read", "-address=HTTP://127.0.0.1:8200", "secret/foo"}), 0) << err();
}

TEST_F(CliTest, GlobalFlagsBuildClientConfig) {
  AddRoute("GET secret/foo", 200, R"({"data":{"a":"1"}})");
  env_vars_["VAULT_TOKEN"] = "s.env";
  EXPECT_EQ(Run({"read", "-address=http://other:1234", "-tls-skip-verify", "-ca-cert=/ca.pem",
                 "-header=X-A=1", "-wrap-ttl=5m", "secret/foo"}),
            0);
  EXPECT_EQ(config_.address, "http://other:1234");
  EXPECT_EQ(config_.token, "s.env");
  EXPECT_TRUE(config_.tls_skip_verify);
  EXPECT_EQ(config_.ca_cert, "/ca.pem");
  EXPECT_EQ(config_.wrap_ttl, "5m");
  EXPECT_EQ(config_.headers.at("X-A"), "1");
  env_vars_["ARCA_SKIP_VERIFY"] = "true";
  EXPECT_EQ(Run({"read", "-tls-skip-verify=false", "secret/foo"}), 0);
  EXPECT_FALSE(config_.tls_skip_verify);
  EXPECT_EQ(config_.address, "http://127.0.0.1:8200");
  EXPECT_EQ(Run({"read", "-header=broken", "secret/foo"}), 1);
  EXPECT_THAT(err(), HasSubstr("invalid header"));
  // The client's own headers cannot be overridden (any case).
  EXPECT_EQ(Run({"read", "-header=x-vault-token=stolen", "secret/foo"}), 1);
  EXPECT_THAT(err(), HasSubstr("headers starting with \"X-Vault-\" are not allowed"));
}

// Help as Vault lays it out: the command's text, then "HTTP Options", "Output Options" and the
// command's own section, each flag with its type, its usage wrapped at 80 columns under it
// (defaults and environment variables named), and a blank line.
// Every command's -h: an example ("$ arca ...") and no line wider than 80 columns.
TEST_F(CliTest, EveryCommandHelpHasAnExampleAndFits80Columns) {
  for (const CommandSpec& c : CommandTable()) {
    // Run by the arca binary itself (server code); the CLI library only lists it.
    if (c.name == "operator diagnose" || c.name == "operator migrate") continue;
    std::vector<std::string> args;
    std::string name(c.name);
    for (size_t pos = 0; pos <= name.size();) {
      size_t sp = name.find(' ', pos);
      args.push_back(name.substr(pos, sp == std::string::npos ? std::string::npos : sp - pos));
      pos = sp == std::string::npos ? name.size() + 1 : sp + 1;
    }
    args.push_back("-h");
    EXPECT_EQ(Run(args), 0) << name;
    const std::string help = out();
    EXPECT_NE(help.find("\n      $ arca "), std::string::npos) << name << ":\n" << help;
    EXPECT_NE(help.find("\nHTTP Options:\n"), std::string::npos) << name;
    size_t start = 0;
    for (size_t nl; (nl = help.find('\n', start)) != std::string::npos; start = nl + 1) {
      EXPECT_LE(nl - start, 80u) << name << ": " << help.substr(start, nl - start);
    }
  }
}

TEST_F(CliTest, HelpHasVaultSections) {
  EXPECT_EQ(Run({"kv", "put", "-h"}), 0);
  const std::string help = out();
  const size_t http = help.find("\nHTTP Options:\n\n  -address=<string>\n      The server to talk to. "
                                "Default: https://127.0.0.1:8200. Environment:\n"
                                "      VAULT_ADDR (or ARCA_ADDR).\n\n");
  const size_t output = help.find("\nOutput Options:\n\n  -field=<string>\n");
  const size_t own = help.find("\nCommand Options:\n\n");
  ASSERT_NE(http, std::string::npos) << help;
  ASSERT_NE(output, std::string::npos) << help;
  ASSERT_NE(own, std::string::npos) << help;
  EXPECT_LT(http, output);
  EXPECT_LT(output, own);
  EXPECT_THAT(help, HasSubstr("  -cas=<int>\n"));
  EXPECT_THAT(help, HasSubstr("  -tls-skip-verify\n      Do not verify"));
  EXPECT_THAT(help, HasSubstr("VAULT_FORMAT"));
  for (size_t pos = 0; (pos = help.find('\n', pos)) != std::string::npos; ++pos) {
    size_t next = help.find('\n', pos + 1);
    if (next == std::string::npos) break;
    EXPECT_LE(next - pos - 1, 80u) << help.substr(pos + 1, next - pos - 1);
  }
}

}  // namespace
}  // namespace arca::cli
