// `arca token ...` against the fake client: requests, output and exit codes.
#include "cli/cli_test_util.h"
#include "gmock/gmock.h"

namespace arca::cli {
namespace {

using testing::CliTest;
using ::testing::HasSubstr;

constexpr char kCreated[] = R"({"request_id":"r-1","lease_id":"","lease_duration":0,
  "renewable":false,"data":null,"auth":{"client_token":"hvs.new","accessor":"acc-1",
  "policies":["default","dev"],"token_policies":["default","dev"],"metadata":{"team":"x"},
  "lease_duration":3600,"renewable":true}})";

TEST_F(CliTest, TokenCreateSendsAllFlags) {
  AddRoute("POST auth/token/create", 200, kCreated);
  EXPECT_EQ(Run({"token", "create", "-policy=dev", "-policy", "ops,ci", "-ttl=1h",
                 "-explicit-max-ttl=2h", "-display-name=app", "-use-limit=3", "-orphan",
                 "-no-default-policy", "-metadata=team=x", "-id=abc", "-entity-alias=web"}),
            0)
      << err();
  ASSERT_EQ(calls_.size(), 1u);
  EXPECT_EQ(calls_[0].method, "POST");
  EXPECT_EQ(calls_[0].path, "auth/token/create");
  EXPECT_EQ(calls_[0].body,
            R"({"id":"abc","policies":["dev","ops","ci"],"meta":{"team":"x"},"ttl":"1h0m0s",)"
            R"("explicit_max_ttl":"2h0m0s","no_parent":true,"no_default_policy":true,)"
            R"("display_name":"app","num_uses":3,"renewable":true,"entity_alias":"web"})");
  EXPECT_EQ(out(),
            "Key                  Value\n"
            "---                  -----\n"
            "token                hvs.new\n"
            "token_accessor       acc-1\n"
            "token_duration       1h\n"
            "token_renewable      true\n"
            "token_policies       [\"default\" \"dev\"]\n"
            "identity_policies    []\n"
            "policies             [\"default\" \"dev\"]\n"
            "token_meta_team      x\n");
}

TEST_F(CliTest, TokenCreateDefaultsAndField) {
  AddRoute("POST auth/token/create", 200, kCreated);
  EXPECT_EQ(Run({"token", "create", "-field=token"}), 0);
  EXPECT_EQ(calls_[0].body, R"({"display_name":"","num_uses":0,"renewable":true})");
  EXPECT_EQ(out(), "hvs.new");
  EXPECT_EQ(Run({"token", "create", "-format=json"}), 0);
  auto v = ParseJson(out());
  ASSERT_TRUE(v) << out();
  EXPECT_EQ(v->at("auth").at("client_token").as_string(), "hvs.new");
}

TEST_F(CliTest, TokenCreateErrors) {
  EXPECT_EQ(Run({"token", "create", "extra"}), 1);
  EXPECT_EQ(Run({"token", "create", "-ttl=banana"}), 1);
  EXPECT_THAT(err(), HasSubstr("invalid value \"banana\" for flag -ttl"));
  EXPECT_EQ(Run({"token", "create", "-metadata=novalue"}), 1);
  EXPECT_EQ(Run({"token", "create", "-use-limit=x"}), 1);
  EXPECT_TRUE(calls_.empty());
  AddRoute("POST auth/token/create", 403, R"({"errors":["permission denied"]})");
  EXPECT_EQ(Run({"token", "create"}), 2);
  EXPECT_THAT(err(), HasSubstr("Error creating token: Error making API request."));
}

TEST_F(CliTest, TokenLookupSelfTokenAndAccessor) {
  const char* lookup = R"({"data":{"accessor":"acc-1","policies":["root"],"ttl":0,
    "display_name":"root","id":"hvs.root"}})";
  AddRoute("GET auth/token/lookup-self", 200, lookup);
  AddRoute("POST auth/token/lookup", 200, lookup);
  AddRoute("POST auth/token/lookup-accessor", 200, lookup);
  EXPECT_EQ(Run({"token", "lookup"}), 0);
  EXPECT_EQ(calls_.back().method, "GET");
  EXPECT_EQ(calls_.back().path, "auth/token/lookup-self");
  EXPECT_EQ(out(),
            "Key             Value\n"
            "---             -----\n"
            "accessor        acc-1\n"
            "display_name    root\n"
            "id              hvs.root\n"
            "policies        [root]\n"
            "ttl             0s\n");
  EXPECT_EQ(Run({"token", "lookup", "hvs.other"}), 0);
  EXPECT_EQ(calls_.back().path, "auth/token/lookup");
  EXPECT_EQ(calls_.back().body, R"({"token":"hvs.other"})");
  EXPECT_EQ(Run({"token", "lookup", "-accessor", "acc-9"}), 0);
  EXPECT_EQ(calls_.back().path, "auth/token/lookup-accessor");
  EXPECT_EQ(calls_.back().body, R"({"accessor":"acc-9"})");
  EXPECT_EQ(Run({"token", "lookup", "-field=id"}), 0);
  EXPECT_EQ(out(), "hvs.root");
}

TEST_F(CliTest, TokenLookupErrors) {
  EXPECT_EQ(Run({"token", "lookup", "-accessor"}), 1);
  EXPECT_EQ(Run({"token", "lookup", "a", "b"}), 1);
  EXPECT_EQ(err(), "Too many arguments (expected 0-1, got 2)\n");
  EXPECT_TRUE(calls_.empty());
  AddRoute("POST auth/token/lookup", 403, R"({"errors":["bad token"]})");
  EXPECT_EQ(Run({"token", "lookup", "hvs.bad"}), 2);
  EXPECT_THAT(err(), HasSubstr("Error looking up token: "));
  EXPECT_THAT(err(), HasSubstr("* bad token"));
}

TEST_F(CliTest, TokenRevokeModes) {
  AddRoute("POST auth/token/revoke", 204, "");
  AddRoute("POST auth/token/revoke-self", 204, "");
  AddRoute("POST auth/token/revoke-accessor", 204, "");
  AddRoute("POST auth/token/revoke-orphan", 204, "");
  EXPECT_EQ(Run({"token", "revoke", "hvs.x"}), 0);
  EXPECT_EQ(calls_.back().method, "POST");
  EXPECT_EQ(calls_.back().path, "auth/token/revoke");
  EXPECT_EQ(calls_.back().body, R"({"token":"hvs.x"})");
  EXPECT_EQ(out(), "Success! Revoked token (if it existed)\n");
  EXPECT_EQ(Run({"token", "revoke", "-self"}), 0);
  EXPECT_EQ(calls_.back().path, "auth/token/revoke-self");
  EXPECT_EQ(calls_.back().body, "");
  EXPECT_EQ(Run({"token", "revoke", "-accessor", "acc-1"}), 0);
  EXPECT_EQ(calls_.back().path, "auth/token/revoke-accessor");
  EXPECT_EQ(calls_.back().body, R"({"accessor":"acc-1"})");
  EXPECT_EQ(Run({"token", "revoke", "-mode=orphan", "hvs.y"}), 0);
  EXPECT_EQ(calls_.back().path, "auth/token/revoke-orphan");
  AddRoute("PUT sys/leases/revoke-prefix/auth/userpass/login", 204, "");
  EXPECT_EQ(Run({"token", "revoke", "-mode=path", "auth/userpass/login/"}), 0) << err();
  EXPECT_EQ(calls_.back().method, "PUT");
  EXPECT_EQ(calls_.back().path, "sys/leases/revoke-prefix/auth/userpass/login");
}

TEST_F(CliTest, TokenRevokeErrors) {
  struct Case {
    std::vector<std::string> args;
    std::string err;
  };
  const Case cases[] = {
      {{"token", "revoke"}, "Not enough arguments (expected 1 or -self, got 0)\n"},
      {{"token", "revoke", "a", "b"}, "Too many arguments (expected 1 or -self, got 2)\n"},
      {{"token", "revoke", "-self", "a"}, "Too many arguments with -self (expected 0, got 1)\n"},
      {{"token", "revoke", "-self", "-accessor"}, "Cannot use -self with -accessor!\n"},
      {{"token", "revoke", "-mode=bogus", "a"}, "Invalid mode: bogus\n"},
      {{"token", "revoke", "-accessor", "-mode=orphan", "a"},
       "Cannot use -accessor with -mode=orphan!\n"},
      {{"token", "revoke", "-accessor", "-mode=path", "a"},
       "Cannot use -accessor with -mode=path!\n"},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(Run(c.args), 1) << c.err;
    EXPECT_EQ(err(), c.err);
  }
  EXPECT_TRUE(calls_.empty());
  routes_["POST auth/token/revoke"] = {0, "", true};
  EXPECT_EQ(Run({"token", "revoke", "a"}), 2);
  EXPECT_THAT(err(), HasSubstr("Error revoking token: "));
  EXPECT_EQ(out(), "");
}

TEST_F(CliTest, TokenCapabilities) {
  AddRoute("POST sys/capabilities-self", 200,
           R"({"secret/foo":["update","read"],"capabilities":["update","read"]})");
  AddRoute("POST sys/capabilities", 200, R"({"data":{"capabilities":["deny"]}})");
  EXPECT_EQ(Run({"token", "capabilities", "secret/foo"}), 0);
  EXPECT_EQ(calls_.back().path, "sys/capabilities-self");
  EXPECT_EQ(calls_.back().body, R"({"paths":["secret/foo"]})");
  EXPECT_EQ(out(), "read, update\n");
  EXPECT_EQ(Run({"token", "capabilities", "-format=json", "secret/foo"}), 0);
  EXPECT_EQ(out(), "[\n  \"update\",\n  \"read\"\n]\n");
  EXPECT_EQ(Run({"token", "capabilities", "hvs.t", "secret/bar"}), 0);
  EXPECT_EQ(calls_.back().path, "sys/capabilities");
  EXPECT_EQ(calls_.back().body, R"({"paths":["secret/bar"],"token":"hvs.t"})");
  EXPECT_EQ(out(), "deny\n");
}

TEST_F(CliTest, TokenCapabilitiesErrors) {
  EXPECT_EQ(Run({"token", "capabilities"}), 1);
  EXPECT_EQ(err(), "Not enough arguments (expected 1-2, got 0)\n");
  EXPECT_EQ(Run({"token", "capabilities", "a", "b", "c"}), 1);
  EXPECT_EQ(err(), "Too many arguments (expected 1-2, got 3)\n");
  AddRoute("POST sys/capabilities-self", 200, R"({})");
  EXPECT_EQ(Run({"token", "capabilities", "x"}), 1);
  EXPECT_EQ(err(), "No capabilities found\n");
  AddRoute("POST sys/capabilities-self", 500, R"({"errors":["internal"]})");
  EXPECT_EQ(Run({"token", "capabilities", "x"}), 2);
  EXPECT_THAT(err(), HasSubstr("Error listing capabilities: "));
}

}  // namespace
}  // namespace arca::cli

namespace arca::cli {
namespace {

using testing::CliTest;

constexpr char kRenewed[] = R"({"auth":{"client_token":"hvs.x","accessor":"acc-1",
  "policies":["default"],"token_policies":["default"],"lease_duration":3600,"renewable":true}})";

TEST_F(CliTest, TokenRenewSelfTokenAndAccessor) {
  AddRoute("PUT auth/token/renew-self", 200, kRenewed);
  AddRoute("PUT auth/token/renew", 200, kRenewed);
  AddRoute("PUT auth/token/renew-accessor", 200, kRenewed);
  EXPECT_EQ(Run({"token", "renew"}), 0);
  EXPECT_EQ(calls_.back().path, "auth/token/renew-self");
  EXPECT_EQ(calls_.back().body, "{}");
  EXPECT_THAT(out(), ::testing::HasSubstr("token_duration"));
  EXPECT_EQ(Run({"token", "renew", "-increment=30m", "hvs.x"}), 0);
  EXPECT_EQ(calls_.back().path, "auth/token/renew");
  EXPECT_EQ(calls_.back().body, R"({"increment":"30m0s","token":"hvs.x"})");
  EXPECT_EQ(Run({"token", "renew", "-i", "1h", "-accessor", "acc-1"}), 0);
  EXPECT_EQ(calls_.back().path, "auth/token/renew-accessor");
  EXPECT_EQ(calls_.back().body, R"({"increment":"1h0m0s","accessor":"acc-1"})");
  EXPECT_EQ(Run({"token", "renew", "-field=token_duration"}), 0);
  EXPECT_EQ(out(), "3600");  // no newline when stdout is not a terminal, as Vault
}

TEST_F(CliTest, TokenRenewErrors) {
  EXPECT_EQ(Run({"token", "renew", "a", "b"}), 1);
  EXPECT_EQ(err(), "Too many arguments (expected 0-1, got 2)\n");
  EXPECT_EQ(Run({"token", "renew", "-accessor"}), 1);
  EXPECT_EQ(err(), "Not enough arguments with -accessor (expected 1, got 0)\n");
  EXPECT_EQ(Run({"token", "renew", "-increment=soon"}), 1);
  EXPECT_THAT(err(), ::testing::HasSubstr("invalid value \"soon\" for flag -increment"));
  EXPECT_TRUE(calls_.empty());
  AddRoute("PUT auth/token/renew-self", 400, R"({"errors":["token not renewable"]})");
  EXPECT_EQ(Run({"token", "renew"}), 2);
  EXPECT_THAT(err(), ::testing::HasSubstr("Error renewing token: "));
  EXPECT_THAT(err(), ::testing::HasSubstr("* token not renewable"));
}

}  // namespace
}  // namespace arca::cli

namespace arca::cli {
namespace {

using testing::CliTest;

TEST_F(CliTest, LeaseCommands) {
  AddRoute("PUT sys/leases/lookup", 200,
           R"({"data":{"id":"db/creds/x","ttl":60,"renewable":true,"issue_time":"t"}})");
  EXPECT_EQ(Run({"lease", "lookup", "db/creds/x"}), 0);
  EXPECT_EQ(calls_.back().body, R"({"lease_id":"db/creds/x"})");
  EXPECT_THAT(out(), ::testing::HasSubstr("renewable"));

  AddRoute("PUT sys/leases/renew", 200,
           R"({"lease_id":"db/creds/x","lease_duration":600,"renewable":true})");
  EXPECT_EQ(Run({"lease", "renew", "-increment=10m", "db/creds/x"}), 0);
  EXPECT_EQ(calls_.back().body, R"({"lease_id":"db/creds/x","increment":600})");
  EXPECT_THAT(out(), ::testing::HasSubstr("lease_duration"));

  AddRoute("PUT sys/leases/revoke", 204, "");
  AddRoute("PUT sys/leases/revoke-prefix/db/creds", 204, "");
  AddRoute("PUT sys/leases/revoke-force/db/creds", 204, "");
  EXPECT_EQ(Run({"lease", "revoke", "-sync", "db/creds/x"}), 0);
  EXPECT_EQ(calls_.back().body, R"({"sync":true,"lease_id":"db/creds/x"})");
  EXPECT_EQ(out(), "Success! Revoked lease: db/creds/x\n");
  EXPECT_EQ(Run({"lease", "revoke", "db/creds/x"}), 0);
  EXPECT_EQ(out(), "All revocation operations queued successfully!\n");
  EXPECT_EQ(Run({"lease", "revoke", "-prefix", "-sync", "db/creds"}), 0);
  EXPECT_EQ(calls_.back().path, "sys/leases/revoke-prefix/db/creds");
  EXPECT_EQ(Run({"lease", "revoke", "-prefix", "-force", "db/creds"}), 0);
  EXPECT_EQ(calls_.back().path, "sys/leases/revoke-force/db/creds");
  EXPECT_EQ(out(), "Success! Force revoked any leases with prefix: db/creds\n");

  size_t before = calls_.size();
  EXPECT_EQ(Run({"lease", "revoke", "-force", "db/creds"}), 1);
  EXPECT_EQ(err(), "Specifying -force requires also specifying -prefix\n");
  EXPECT_EQ(Run({"lease", "renew", "-increment=soon", "x"}), 1);
  EXPECT_EQ(Run({"lease", "lookup"}), 1);
  EXPECT_EQ(calls_.size(), before);
  AddRoute("PUT sys/leases/lookup", 400, R"({"errors":["invalid lease"]})");
  EXPECT_EQ(Run({"lease", "lookup", "nope"}), 2);
  EXPECT_THAT(err(), ::testing::HasSubstr("* invalid lease"));
}

TEST_F(CliTest, UnwrapWithArgumentOrOwnToken) {
  AddRoute("PUT sys/wrapping/unwrap", 200, R"({"data":{"password":"s3cret"}})");
  EXPECT_EQ(Run({"unwrap", "-field=password", "hvs.wrap"}), 0);
  EXPECT_EQ(calls_.back().body, R"({"token":"hvs.wrap"})");
  EXPECT_EQ(out(), "s3cret");
  EXPECT_EQ(Run({"unwrap"}), 0);
  EXPECT_EQ(calls_.back().body, "");
  EXPECT_EQ(Run({"unwrap", "a", "b"}), 1);
  AddRoute("PUT sys/wrapping/unwrap", 400,
           R"({"errors":["wrapping token is not valid or does not exist"]})");
  EXPECT_EQ(Run({"unwrap", "hvs.used"}), 2);
  EXPECT_THAT(err(), ::testing::HasSubstr("wrapping token is not valid"));
}

}  // namespace
}  // namespace arca::cli
