// kv patch/undelete/destroy/rollback/metadata against a fake client: request shapes, output
// and exit codes.
#include "cli/cli_test_util.h"
#include "gmock/gmock.h"

namespace arca::cli {
namespace {

using testing::CliTest;
using ::testing::HasSubstr;

constexpr char kV2Mount[] = R"({"data":{"path":"secret/","type":"kv","options":{"version":"2"}}})";
constexpr char kV1Mount[] = R"({"data":{"path":"kv1/","type":"kv","options":null}})";
constexpr char kWriteMeta[] = R"({"data":{"created_time":"2024-01-01T00:00:00Z",
  "custom_metadata":null,"deletion_time":"","destroyed":false,"version":3}})";

class KvVersionsTest : public CliTest {
 protected:
  void SetUp() override {
    AddRoute("GET sys/internal/ui/mounts/secret/foo", 200, kV2Mount);
    AddRoute("GET sys/internal/ui/mounts/kv1/foo", 200, kV1Mount);
  }
};

TEST_F(KvVersionsTest, PatchMethodsAndRemoveData) {
  constexpr char kCurrent[] = R"({"data":{"data":{"a":"1","b":"2","c":"3"},
    "metadata":{"version":7}}})";
  AddRoute("GET secret/data/foo", 200, kCurrent);
  AddRoute("PUT secret/data/foo", 200, kWriteMeta);
  AddRoute("PATCH secret/data/foo", 200, kWriteMeta);
  // rw: read, merge, write back with check-and-set on the version read.
  EXPECT_EQ(Run({"kv", "patch", "-method=rw", "-remove-data=c", "secret/foo", "a=9"}), 0) << err();
  EXPECT_EQ(calls_.back().method, "PUT");
  EXPECT_EQ(calls_.back().body, R"({"data":{"a":"9","b":"2"},"options":{"cas":7}})");
  // patch: removed keys are nulls in the merge patch; data may be empty with -remove-data.
  EXPECT_EQ(Run({"kv", "patch", "-method=patch", "-remove-data=b", "-remove-data=c",
                 "secret/foo"}),
            0)
      << err();
  EXPECT_EQ(calls_.back().method, "PATCH");
  EXPECT_EQ(calls_.back().body, R"({"data":{"b":null,"c":null},"options":{}})");
  // Default: PATCH, and read-then-write when PATCH is denied.
  AddRoute("PATCH secret/data/foo", 403, R"({"errors":["permission denied"]})");
  EXPECT_EQ(Run({"kv", "patch", "secret/foo", "d=4"}), 0) << err();
  EXPECT_EQ(calls_.back().method, "PUT");
  EXPECT_EQ(calls_.back().body, R"({"data":{"a":"1","b":"2","c":"3","d":"4"},"options":{"cas":7}})");
  // An explicit -method=patch does not fall back.
  EXPECT_EQ(Run({"kv", "patch", "-method=patch", "secret/foo", "d=4"}), 2);
  EXPECT_THAT(err(), HasSubstr("Code: 403"));
  EXPECT_EQ(Run({"kv", "patch", "-method=bogus", "secret/foo", "d=4"}), 2);
  EXPECT_THAT(err(), HasSubstr("Unsupported method provided to -method flag: bogus"));
}

TEST_F(KvVersionsTest, EnableVersioningTunesTheMount) {
  AddRoute("PUT sys/mounts/kv1/tune", 204, "");
  EXPECT_EQ(Run({"kv", "enable-versioning", "kv1"}), 0) << err();
  EXPECT_EQ(calls_.back().body, R"({"options":{"version":"2"}})");
  EXPECT_EQ(out(), "Success! Tuned the secrets engine at: kv1/\n");
  EXPECT_EQ(Run({"kv", "enable-versioning"}), 1);
  EXPECT_EQ(Run({"kv", "enable-versioning", "nomount"}), 2);  // no route: 404
}

TEST_F(KvVersionsTest, PatchSendsMergePatchWithCas) {
  AddRoute("PATCH secret/data/foo", 200, kWriteMeta);
  EXPECT_EQ(Run({"kv", "patch", "-cas=2", "secret/foo", "a=b"}), 0);
  EXPECT_EQ(calls_.back().method, "PATCH");
  EXPECT_EQ(calls_.back().path, "secret/data/foo");
  EXPECT_EQ(calls_.back().body, R"({"data":{"a":"b"},"options":{"cas":2}})");
  EXPECT_EQ(out(),
            "= Secret Path =\n"
            "secret/data/foo\n"
            "\n"
            "======= Metadata =======\n"
            "Key                Value\n"
            "---                -----\n"
            "created_time       2024-01-01T00:00:00Z\n"
            "custom_metadata    <nil>\n"
            "deletion_time      n/a\n"
            "destroyed          false\n"
            "version            3\n");
  EXPECT_EQ(Run({"kv", "patch", "secret/foo", "a=b"}), 0);
  EXPECT_EQ(calls_.back().body, R"({"data":{"a":"b"},"options":{}})");
}

TEST_F(KvVersionsTest, PatchErrors) {
  EXPECT_EQ(Run({"kv", "patch", "secret/foo"}), 1);
  EXPECT_EQ(err(), "Must supply data\n");
  EXPECT_EQ(Run({"kv", "patch", "secret/foo", "novalue"}), 1);
  EXPECT_THAT(err(), HasSubstr("Failed to parse K=V data"));
  EXPECT_EQ(Run({"kv", "patch", "secret/foo", "a=b"}), 2);  // no route: 404
  EXPECT_EQ(err(), "No value found at secret/data/foo\n");
  AddRoute("PATCH secret/data/foo", 400, R"({"errors":["check-and-set parameter did not match"]})");
  EXPECT_EQ(Run({"kv", "patch", "-cas=1", "secret/foo", "a=b"}), 2);
  EXPECT_THAT(err(), HasSubstr("Error writing data to secret/data/foo"));
  EXPECT_THAT(err(), HasSubstr("check-and-set parameter did not match"));
  size_t before = calls_.size();
  EXPECT_EQ(Run({"kv", "patch", "kv1/foo", "a=b"}), 2);
  EXPECT_EQ(err(), "K/V engine mount must be version 2 for patch support\n");
  EXPECT_EQ(calls_.size(), before + 1);  // only the preflight
}

TEST_F(KvVersionsTest, UndeleteAndDestroy) {
  struct Case {
    std::string op, title;
  };
  for (const Case& c : {Case{"undelete", "Undelete"}, Case{"destroy", "Destroy"}}) {
    AddRoute("PUT secret/" + c.op + "/foo", 204, "");
    EXPECT_EQ(Run({"kv", c.op, "-versions=1,2", "secret/foo"}), 0) << c.op;
    EXPECT_EQ(calls_.back().path, "secret/" + c.op + "/foo");
    EXPECT_EQ(calls_.back().body, R"({"versions":["1","2"]})");
    EXPECT_EQ(out(), "Success! Data written to: secret/" + c.op + "/foo\n");

    EXPECT_EQ(Run({"kv", c.op, "secret/foo"}), 1);
    EXPECT_EQ(err(),
              "No versions provided, use the \"-versions\" flag to specify the version "
              "to " +
                  c.op + ".\n");
    EXPECT_EQ(Run({"kv", c.op, "-versions=1"}), 1);
    EXPECT_THAT(err(), HasSubstr("Not enough arguments"));
    EXPECT_EQ(Run({"kv", c.op, "-versions=1", "kv1/foo"}), 1);
    EXPECT_EQ(err(), c.title + " not supported on KV Version 1\n");

    AddRoute("PUT secret/" + c.op + "/foo", 500, R"({"errors":["boom"]})");
    EXPECT_EQ(Run({"kv", c.op, "-versions=1", "secret/foo"}), 2);
    EXPECT_THAT(err(), HasSubstr("boom"));
  }
}

TEST_F(KvVersionsTest, DeleteVersionsUsesDeletePath) {
  AddRoute("PUT secret/delete/foo", 204, "");
  EXPECT_EQ(Run({"kv", "delete", "-versions=4", "secret/foo"}), 0);
  EXPECT_EQ(calls_.back().path, "secret/delete/foo");
  EXPECT_EQ(calls_.back().body, R"({"versions":["4"]})");
}

TEST_F(KvVersionsTest, MetadataGetPrintsVersions) {
  AddRoute("GET secret/metadata/foo", 200, R"({"data":{"cas_required":false,
    "created_time":"2024-01-01T00:00:00Z","current_version":10,"custom_metadata":null,
    "delete_version_after":"0s","max_versions":0,"oldest_version":0,
    "updated_time":"2024-01-02T00:00:00Z","versions":{
      "10":{"created_time":"2024-01-02T00:00:00Z","deletion_time":"","destroyed":false},
      "9":{"created_time":"2024-01-01T00:00:00Z","deletion_time":"","destroyed":true}}}})");
  EXPECT_EQ(Run({"kv", "metadata", "get", "secret/foo"}), 0);
  EXPECT_EQ(calls_.back().method, "GET");
  EXPECT_EQ(out(),
            "== Metadata Path ==\n"
            "secret/metadata/foo\n"
            "\n"
            "========== Metadata ==========\n"
            "Key                     Value\n"
            "---                     -----\n"
            "cas_required            false\n"
            "created_time            2024-01-01T00:00:00Z\n"
            "current_version         10\n"
            "custom_metadata         <nil>\n"
            "delete_version_after    0s\n"
            "max_versions            0\n"
            "oldest_version          0\n"
            "updated_time            2024-01-02T00:00:00Z\n"
            "\n"
            "====== Version 9 ======\n"
            "Key              Value\n"
            "---              -----\n"
            "created_time     2024-01-01T00:00:00Z\n"
            "deletion_time    n/a\n"
            "destroyed        true\n"
            "\n"
            "===== Version 10 =====\n"
            "Key              Value\n"
            "---              -----\n"
            "created_time     2024-01-02T00:00:00Z\n"
            "deletion_time    n/a\n"
            "destroyed        false\n");
}

TEST_F(KvVersionsTest, MetadataGetErrors) {
  EXPECT_EQ(Run({"kv", "metadata", "get", "secret/foo"}), 2);
  EXPECT_EQ(err(), "No value found at secret/metadata/foo\n");
  EXPECT_EQ(Run({"kv", "metadata", "get", "kv1/foo"}), 1);
  EXPECT_EQ(err(), "Metadata not supported on KV Version 1\n");
  EXPECT_EQ(Run({"kv", "metadata", "get"}), 1);
  EXPECT_THAT(err(), HasSubstr("Not enough arguments"));
  AddRoute("GET secret/metadata/foo", 403, R"({"errors":["permission denied"]})");
  EXPECT_EQ(Run({"kv", "metadata", "get", "secret/foo"}), 2);
  EXPECT_THAT(err(), HasSubstr("Error reading secret/metadata/foo"));
}

TEST_F(KvVersionsTest, MetadataPutSendsOnlySetFlags) {
  AddRoute("PUT secret/metadata/foo", 204, "");
  EXPECT_EQ(
      Run({"kv", "metadata", "put", "-max-versions=5", "-cas-required", "-delete-version-after=3h",
           "-custom-metadata=owner=ops", "-custom-metadata=env=prod", "secret/foo"}),
      0);
  EXPECT_EQ(calls_.back().path, "secret/metadata/foo");
  EXPECT_EQ(calls_.back().body,
            R"({"max_versions":5,"cas_required":true,"delete_version_after":"3h",)"
            R"("custom_metadata":{"owner":"ops","env":"prod"}})");
  EXPECT_EQ(out(), "Success! Data written to: secret/metadata/foo\n");
  EXPECT_EQ(Run({"kv", "metadata", "put", "-cas-required=false", "secret/foo"}), 0);
  EXPECT_EQ(calls_.back().body, R"({"cas_required":false})");

  size_t before = calls_.size();
  EXPECT_EQ(Run({"kv", "metadata", "put", "-custom-metadata=novalue", "secret/foo"}), 1);
  EXPECT_THAT(err(), HasSubstr("format must be key=value"));
  EXPECT_EQ(calls_.size(), before + 1);  // the preflight only
  EXPECT_EQ(Run({"kv", "metadata", "put", "-max-versions=x", "secret/foo"}), 1);
  EXPECT_EQ(Run({"kv", "metadata", "put", "kv1/foo"}), 1);
  EXPECT_EQ(err(), "Metadata not supported on KV Version 1\n");
}

TEST_F(KvVersionsTest, MetadataPatchSendsAMergePatch) {
  AddRoute("PATCH secret/metadata/foo", 204, "");
  EXPECT_EQ(Run({"kv", "metadata", "patch", "-max-versions=3", "-custom-metadata=env=dev",
                 "-remove-custom-metadata=owner", "secret/foo"}),
            0);
  EXPECT_EQ(calls_.back().method, "PATCH");
  EXPECT_EQ(calls_.back().path, "secret/metadata/foo");
  EXPECT_EQ(calls_.back().body, R"({"max_versions":3,"custom_metadata":{"env":"dev","owner":null}})");
  EXPECT_EQ(out(), "Success! Data written to: secret/metadata/foo\n");
  EXPECT_EQ(Run({"kv", "metadata", "patch", "kv1/foo"}), 1);
  EXPECT_EQ(err(), "Metadata not supported on KV Version 1\n");
  // put has no -remove-custom-metadata.
  EXPECT_NE(Run({"kv", "metadata", "put", "-remove-custom-metadata=x", "secret/foo"}), 0);
  AddRoute("PATCH secret/metadata/foo", 400, R"({"errors":["bad"]})");
  EXPECT_EQ(Run({"kv", "metadata", "patch", "-cas-required", "secret/foo"}), 2);
  EXPECT_THAT(err(), HasSubstr("Error writing data to secret/metadata/foo"));
}

TEST_F(KvVersionsTest, MetadataDelete) {
  AddRoute("DELETE secret/metadata/foo", 204, "");
  EXPECT_EQ(Run({"kv", "metadata", "delete", "secret/foo"}), 0);
  EXPECT_EQ(calls_.back().method, "DELETE");
  EXPECT_EQ(out(), "Success! Data deleted (if it existed) at: secret/metadata/foo\n");
  EXPECT_EQ(Run({"kv", "metadata", "delete", "kv1/foo"}), 1);
  EXPECT_EQ(err(), "Metadata not supported on KV Version 1\n");
  AddRoute("DELETE secret/metadata/foo", 500, R"({"errors":["boom"]})");
  EXPECT_EQ(Run({"kv", "metadata", "delete", "secret/foo"}), 2);
  EXPECT_THAT(err(), HasSubstr("Error deleting secret/metadata/foo"));
}

TEST_F(KvVersionsTest, RollbackWritesOldVersionWithCurrentCas) {
  // The fake ignores the query, so both reads see the same response: version 3 is current
  // and is also what "version 2" returns here; the request shapes are what is checked.
  AddRoute("GET secret/data/foo", 200, R"({"data":{"data":{"a":"old"},
    "metadata":{"deletion_time":"","destroyed":false,"version":3}}})");
  AddRoute("PUT secret/data/foo", 200, kWriteMeta);
  EXPECT_EQ(Run({"kv", "rollback", "-version=2", "secret/foo"}), 0);
  ASSERT_EQ(calls_.size(), 4u);
  EXPECT_TRUE(calls_[1].query.empty());
  EXPECT_EQ(calls_[2].query, (api::QueryParams{{"version", "2"}}));
  EXPECT_EQ(calls_[3].method, "PUT");
  EXPECT_EQ(calls_[3].body, R"({"data":{"a":"old"},"options":{"cas":3}})");
  EXPECT_THAT(out(), HasSubstr("= Secret Path =\nsecret/data/foo\n"));
  EXPECT_THAT(out(), HasSubstr("version            3\n"));
}

TEST_F(KvVersionsTest, RollbackErrors) {
  EXPECT_EQ(Run({"kv", "rollback", "secret/foo"}), 1);  // no -version
  EXPECT_THAT(err(), HasSubstr("-version"));
  EXPECT_EQ(Run({"kv", "rollback", "-version=1", "kv1/foo"}), 1);
  EXPECT_EQ(err(), "Rollback not supported on KV Version 1\n");
  EXPECT_EQ(Run({"kv", "rollback", "-version=1", "secret/foo"}), 2);  // nothing stored
  EXPECT_EQ(err(), "No value found at secret/data/foo\n");
  AddRoute("GET secret/data/foo", 200, R"({"data":{"data":{"a":"b"},
    "metadata":{"deletion_time":"","destroyed":true,"version":2}}})");
  EXPECT_EQ(Run({"kv", "rollback", "-version=5", "secret/foo"}), 2);
  EXPECT_EQ(err(), "Invalid version provided: 5\n");
  EXPECT_EQ(Run({"kv", "rollback", "-version=1", "secret/foo"}), 2);
  EXPECT_EQ(err(), "Cannot roll back to a version that has been destroyed\n");
  AddRoute("GET secret/data/foo", 200, R"({"data":{"data":null,
    "metadata":{"deletion_time":"2024-01-01T00:00:00Z","destroyed":false,"version":2}}})");
  EXPECT_EQ(Run({"kv", "rollback", "-version=1", "secret/foo"}), 2);
  EXPECT_EQ(err(), "Cannot roll back to a version that has been deleted\n");
}

TEST_F(KvVersionsTest, GroupUsageListsNewCommands) {
  EXPECT_EQ(Run({"kv", "-h"}), 0);
  EXPECT_THAT(out(), HasSubstr("metadata get"));
  EXPECT_THAT(out(), HasSubstr("rollback"));
  EXPECT_EQ(Run({"kv", "metadata"}), 1);  // no such command: the kv usage
  EXPECT_THAT(err(), HasSubstr("Usage: arca kv <subcommand>"));
  EXPECT_EQ(Run({"kv", "metadata", "get", "-h"}), 0);
  EXPECT_THAT(out(), HasSubstr("Usage: arca kv metadata get"));
}

}  // namespace
}  // namespace arca::cli
