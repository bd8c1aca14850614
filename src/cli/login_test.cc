// `arca login` against the fake client: token sources, verification, storage, output.
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "api/client_config.h"
#include "cli/cli_test_util.h"
#include "gmock/gmock.h"

namespace arca::cli {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kLookupSelf[] = R"({"request_id":"r-9","data":{"id":"hvs.abc","accessor":"acc-1",
  "policies":["default","dev"],"identity_policies":["team"],"ttl":3600,"renewable":true,
  "meta":{"user":"bob"}}})";

class LoginTest : public testing::CliTest {
 protected:
  void SetUp() override {
    home_ = std::filesystem::path(::testing::TempDir()) /
            ("arca_login_test_" + std::to_string(::getpid()));
    std::filesystem::create_directories(home_);
    env_vars_["HOME"] = home_.string();
  }
  void TearDown() override { std::filesystem::remove_all(home_); }
  std::string Stored() {
    // No ~/.arca-token exists in these tests: the token goes to Vault's ~/.vault-token.
    auto t = api::ReadTokenHelper((home_ / ".vault-token").string());
    return t ? *t : "<error>";
  }
  std::filesystem::path home_;
};

TEST_F(LoginTest, TokenArgumentIsVerifiedStoredAndPrinted) {
  AddRoute("GET auth/token/lookup-self", 200, kLookupSelf);
  EXPECT_EQ(Run({"login", "hvs.abc"}), 0) << err();
  ASSERT_EQ(calls_.size(), 1u);
  EXPECT_EQ(calls_[0].method, "GET");
  EXPECT_EQ(calls_[0].path, "auth/token/lookup-self");
  EXPECT_EQ(Stored(), "hvs.abc");
  EXPECT_THAT(out(), ::testing::StartsWith("Success! You are now authenticated."));
  EXPECT_THAT(out(), HasSubstr("\n\nKey                  Value\n"
                               "---                  -----\n"
                               "token                hvs.abc\n"
                               "token_accessor       acc-1\n"
                               "token_duration       1h\n"
                               "token_renewable      true\n"
                               "token_policies       [\"default\" \"dev\"]\n"
                               "identity_policies    [\"team\"]\n"
                               "policies             [\"default\" \"dev\" \"team\"]\n"
                               "token_meta_user      bob\n"));
  EXPECT_EQ(err(), "");
}

TEST_F(LoginTest, TokenHelperFilesVaultsUnlessArcasExists) {
  AddRoute("GET auth/token/lookup-self", 200, kLookupSelf);
  // A token written by `vault login` is used by every command.
  std::ofstream(home_ / ".vault-token") << "hvs.fromvault\n";
  EXPECT_EQ(Run({"print", "token"}), 0) << err();
  EXPECT_EQ(out(), "hvs.fromvault\n");
  EXPECT_EQ(Run({"login", "hvs.abc"}), 0) << err();
  EXPECT_EQ(Stored(), "hvs.abc");
  EXPECT_FALSE(std::filesystem::exists(home_ / ".arca-token"));
  // Once ~/.arca-token exists it wins, for reading and writing; ~/.vault-token is left alone.
  std::ofstream(home_ / ".arca-token") << "hvs.arca";
  EXPECT_EQ(Run({"print", "token"}), 0);
  EXPECT_EQ(out(), "hvs.arca\n");
  EXPECT_EQ(Run({"login", "hvs.second"}), 0);
  EXPECT_EQ(*api::ReadTokenHelper((home_ / ".arca-token").string()), "hvs.second");
  EXPECT_EQ(Stored(), "hvs.abc");
  // The environment comes first.
  env_vars_["VAULT_TOKEN"] = "hvs.env";
  EXPECT_EQ(Run({"print", "token"}), 0);
  EXPECT_EQ(out(), "hvs.env\n");
}

TEST_F(LoginTest, ExternalTokenHelperFromVaultConfig) {
  AddRoute("GET auth/token/lookup-self", 200, kLookupSelf);
  // A helper program as Vault runs it: `helper get|store|erase`, the token on stdin for store.
  auto helper = home_ / "helper.sh";
  auto store = home_ / "helper-store";
  std::ofstream(helper) << "#!/bin/sh\ncase \"$1\" in\n"
                        << "  get) cat " << store << " 2>/dev/null ;;\n"
                        << "  store) cat > " << store << " ;;\n"
                        << "  erase) rm -f " << store << " ;;\n"
                        << "  *) echo bad op >&2; exit 3 ;;\nesac\n";
  std::filesystem::permissions(helper, std::filesystem::perms::owner_all);
  std::ofstream(home_ / ".vault") << "token_helper = \"" << helper.string() << "\"\n";
  EXPECT_EQ(Run({"login", "hvs.abc"}), 0) << err();
  std::ifstream in(store);
  std::string got((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(got, "hvs.abc");
  EXPECT_FALSE(std::filesystem::exists(home_ / ".vault-token"));
  EXPECT_EQ(Run({"print", "token"}), 0);
  EXPECT_EQ(out(), "hvs.abc\n");
  EXPECT_TRUE(api::EraseStoredToken([&](std::string_view n) -> std::optional<std::string> {
    if (n == "HOME") return home_.string();
    return std::nullopt;
  }));
  EXPECT_FALSE(std::filesystem::exists(store));
  // A helper that fails is an error naming it, not an empty token.
  std::ofstream(home_ / ".vault") << "token_helper = \"/bin/false\"\n";
  EXPECT_EQ(Run({"print", "token"}), 2);
  EXPECT_THAT(err(), HasSubstr("Error running token helper \"/bin/false get\""));
}

TEST_F(LoginTest, UnknownMethodFailsLocally) {
  EXPECT_EQ(Run({"login", "-method=nosuch", "a=b"}), 1);
  EXPECT_THAT(err(), HasSubstr("Unknown auth method: nosuch."));
  EXPECT_TRUE(calls_.empty());
}

TEST_F(LoginTest, UsesTheGivenTokenForLookup) {
  AddRoute("GET auth/token/lookup-self", 200, kLookupSelf);
  env_vars_["ARCA_TOKEN"] = "hvs.old";
  EXPECT_EQ(Run({"login", "hvs.abc"}), 0);
  EXPECT_EQ(config_.token, "hvs.old");  // the client was built from the environment ...
  EXPECT_EQ(Stored(), "hvs.abc");       // ... but the new token is stored
  EXPECT_THAT(err(), HasSubstr("WARNING! The ARCA_TOKEN environment variable is set!"));
}

TEST_F(LoginTest, TokenFromStdinAndPrompt) {
  AddRoute("GET auth/token/lookup-self", 200, kLookupSelf);
  EXPECT_EQ(Run({"login", "-"}, "  hvs.stdin\n"), 0);
  EXPECT_EQ(Stored(), "hvs.stdin");
  EXPECT_EQ(Run({"login"}, "hvs.line\n"), 0);
  EXPECT_EQ(Stored(), "hvs.line");
  EXPECT_EQ(prompts_, 0);
  stdin_is_terminal_ = true;
  hidden_input_ = "hvs.hidden";
  EXPECT_EQ(Run({"login"}), 0);
  EXPECT_EQ(prompts_, 1);
  EXPECT_THAT(err(), HasSubstr("Token (will be hidden): "));
  EXPECT_EQ(Stored(), "hvs.hidden");
}

TEST_F(LoginTest, NoStoreNoPrintTokenOnly) {
  AddRoute("GET auth/token/lookup-self", 200, kLookupSelf);
  EXPECT_EQ(Run({"login", "-no-store", "hvs.abc"}), 0);
  EXPECT_EQ(Stored(), "");
  EXPECT_THAT(err(), HasSubstr("The token was not stored in token helper."));
  EXPECT_THAT(out(), HasSubstr("token                hvs.abc\n"));

  EXPECT_EQ(Run({"login", "-token-only", "hvs.abc"}), 0);
  EXPECT_EQ(out(), "hvs.abc");
  EXPECT_EQ(err(), "");
  EXPECT_EQ(Stored(), "");

  EXPECT_EQ(Run({"login", "-no-print", "hvs.abc"}), 0);
  EXPECT_EQ(out(), "");
  EXPECT_EQ(Stored(), "hvs.abc");

  EXPECT_EQ(Run({"login", "-field=token_accessor", "-no-store", "hvs.abc"}), 0);
  EXPECT_EQ(out(), "acc-1");
}

TEST_F(LoginTest, UsageErrorsExit1) {
  EXPECT_EQ(Run({"login", "-no-store", "-no-print", "hvs.abc"}), 1);
  EXPECT_EQ(err(), "-no-store and -no-print cannot be used together\n");
  EXPECT_EQ(Run({"login", "-method=userpass", "username=bob"}), 1);
  EXPECT_THAT(err(), HasSubstr("'password' must be specified"));
  EXPECT_EQ(Run({"login", "-method=userpass", "password=x"}), 1);
  EXPECT_THAT(err(), HasSubstr("'username' must be specified"));
  EXPECT_EQ(Run({"login", "hvs.abc", "junk"}), 1);
  EXPECT_TRUE(calls_.empty());
  EXPECT_EQ(Stored(), "");
}

TEST_F(LoginTest, UserpassAndApproleLogins) {
  constexpr char kAuth[] = R"({"auth":{"client_token":"hvs.user","accessor":"acc-u",
    "policies":["default","dev"],"token_policies":["default","dev"],
    "metadata":{"username":"alice"},"lease_duration":3600,"renewable":true}})";
  AddRoute("PUT auth/userpass/login/alice", 200, kAuth);
  EXPECT_EQ(Run({"login", "-method=userpass", "username=alice", "password=pw"}), 0);
  EXPECT_EQ(calls_.back().path, "auth/userpass/login/alice");
  EXPECT_EQ(calls_.back().body, R"({"password":"pw"})");
  EXPECT_EQ(Stored(), "hvs.user");
  EXPECT_THAT(out(), HasSubstr("Success! You are now authenticated."));
  EXPECT_THAT(out(), HasSubstr("token_meta_username"));

  AddRoute("PUT auth/people/login/alice", 200, kAuth);
  EXPECT_EQ(Run({"login", "-method=userpass", "-path=people", "-token-only", "username=alice",
                 "password=pw"}),
            0);
  EXPECT_EQ(out(), "hvs.user");

  AddRoute("PUT auth/approle/login", 200, kAuth);
  EXPECT_EQ(Run({"login", "-method=approle", "-no-store", "role_id=r", "secret_id=s"}), 0);
  EXPECT_EQ(calls_.back().body, R"({"role_id":"r","secret_id":"s"})");

  AddRoute("PUT auth/userpass/login/mallory", 400, R"({"errors":["invalid username or password"]})");
  EXPECT_EQ(Run({"login", "-method=userpass", "username=mallory", "password=x"}), 2);
  EXPECT_THAT(err(), HasSubstr("* invalid username or password"));
}

TEST_F(LoginTest, BadTokensExit2AndAreNotStored) {
  AddRoute("GET auth/token/lookup-self", 403, R"({"errors":["permission denied"]})");
  EXPECT_EQ(Run({"login", "hvs.bad"}), 2);
  EXPECT_THAT(err(), HasSubstr("Error authenticating: error looking up token: Error making API"));
  EXPECT_THAT(err(), HasSubstr("* permission denied"));
  EXPECT_THAT(out(), Not(HasSubstr("Success")));
  EXPECT_EQ(Stored(), "");
  EXPECT_EQ(Run({"login", "-"}, "   \n"), 2);
  EXPECT_THAT(err(), HasSubstr("a token must be passed to auth"));
  EXPECT_EQ(calls_.size(), 1u);
}

TEST_F(LoginTest, StoreFailureStillShowsToken) {
  AddRoute("GET auth/token/lookup-self", 200, kLookupSelf);
  env_vars_["HOME"] = (home_ / "missing" / "dir").string();
  EXPECT_EQ(Run({"login", "hvs.abc"}), 2);
  EXPECT_THAT(err(), HasSubstr("Error storing token: "));
  EXPECT_THAT(out(), HasSubstr("token                hvs.abc\n"));
}

}  // namespace
}  // namespace arca::cli
