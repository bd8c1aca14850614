#include "api/client_config.h"

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>

#include "api/api_response.h"
#include "gtest/gtest.h"

namespace arca::api {
namespace {

GetEnvFn FakeEnv(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](std::string_view name) -> std::optional<std::string> {
    auto it = vars.find(std::string(name));
    if (it == vars.end() || it->second.empty()) return std::nullopt;
    return it->second;
  };
}

class TempHome : public ::testing::Test {
 protected:
  void SetUp() override {
    home_ = std::filesystem::temp_directory_path() /
            ("arca-home-" + std::to_string(::getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(home_);
  }
  void TearDown() override { std::filesystem::remove_all(home_); }
  std::filesystem::path home_;
};

TEST(ClientConfigTest, Defaults) {
  ClientConfig c = ClientConfig::FromEnvironment(FakeEnv({}));
  EXPECT_EQ(c.address, "https://127.0.0.1:8200");
  EXPECT_EQ(c.token, "");
  EXPECT_FALSE(c.tls_skip_verify);
  EXPECT_EQ(c.timeout, std::chrono::seconds(60));
}

TEST(ClientConfigTest, ArcaVariablesWinOverVault) {
  ClientConfig c = ClientConfig::FromEnvironment(FakeEnv({
      {"ARCA_ADDR", "http://arca:8200"},
      {"VAULT_ADDR", "http://vault:8200"},
      {"VAULT_TOKEN", "vault-token"},
      {"ARCA_TOKEN", "arca-token"},
      {"VAULT_CACERT", "/vault/ca.pem"},
      {"ARCA_SKIP_VERIFY", "true"},
      {"VAULT_SKIP_VERIFY", "false"},
      {"VAULT_CLIENT_TIMEOUT", "90s"},
      {"ARCA_TLS_SERVER_NAME", "arca.test"},
  }));
  EXPECT_EQ(c.address, "http://arca:8200");
  EXPECT_EQ(c.token, "arca-token");
  EXPECT_EQ(c.ca_cert, "/vault/ca.pem");
  EXPECT_TRUE(c.tls_skip_verify);
  EXPECT_EQ(c.timeout, std::chrono::seconds(90));
  EXPECT_EQ(c.tls_server_name, "arca.test");
}

TEST(ClientConfigTest, VaultVariablesAreTheFallbackAndEmptyMeansUnset) {
  ClientConfig c = ClientConfig::FromEnvironment(FakeEnv({
      {"ARCA_ADDR", ""},
      {"VAULT_ADDR", "http://vault:8200"},
      {"VAULT_TOKEN", "vault-token"},
      {"VAULT_SKIP_VERIFY", "1"},
      {"ARCA_CLIENT_TIMEOUT", "nonsense"},
  }));
  EXPECT_EQ(c.address, "http://vault:8200");
  EXPECT_EQ(c.token, "vault-token");
  EXPECT_TRUE(c.tls_skip_verify);
  EXPECT_EQ(c.timeout, std::chrono::seconds(60));
}

TEST(ClientConfigTest, ParseGoBool) {
  for (const char* t : {"1", "t", "T", "TRUE", "true", "True"}) EXPECT_EQ(ParseGoBool(t), true);
  for (const char* f : {"0", "f", "F", "FALSE", "false", "False"}) EXPECT_EQ(ParseGoBool(f), false);
  for (const char* bad : {"", "yes", "tRUE", "2"}) EXPECT_EQ(ParseGoBool(bad), std::nullopt);
}

TEST_F(TempHome, TokenHelperRoundTripWithMode0600) {
  auto env = FakeEnv({{"HOME", home_.string()}});
  std::string path = TokenHelperPath(env);
  // Without ~/.arca-token, Vault's ~/.vault-token is the helper file.
  EXPECT_EQ(path, (home_ / ".vault-token").string());
  auto missing = ReadTokenHelper(path);
  ASSERT_TRUE(missing);
  EXPECT_EQ(*missing, "");
  ASSERT_TRUE(WriteTokenHelper(path, "s.abc"));
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto read = ReadTokenHelper(path);
  ASSERT_TRUE(read);
  EXPECT_EQ(*read, "s.abc");
  ASSERT_TRUE(EraseTokenHelper(path));
  EXPECT_FALSE(std::filesystem::exists(path));
  EXPECT_TRUE(EraseTokenHelper(path));  // already gone: fine
}

TEST_F(TempHome, TokenHelperTightensExistingFileAndTrims) {
  std::string path = (home_ / ".arca-token").string();
  std::ofstream(path) << "old\n";
  ::chmod(path.c_str(), 0644);
  ASSERT_TRUE(WriteTokenHelper(path, "  s.new\n"));
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(*ReadTokenHelper(path), "s.new");
}

TEST_F(TempHome, TokenComesFromHelperWhenNoVariable) {
  ASSERT_TRUE(WriteTokenHelper((home_ / ".arca-token").string(), "s.helper"));
  EXPECT_EQ(ClientConfig::FromEnvironment(FakeEnv({{"HOME", home_.string()}})).token, "s.helper");
  EXPECT_EQ(
      ClientConfig::FromEnvironment(FakeEnv({{"HOME", home_.string()}, {"VAULT_TOKEN", "s.env"}}))
          .token,
      "s.env");
}

TEST(TokenHelperTest, UnwritableDirectoryIsAnError) {
  auto st = WriteTokenHelper("/nonexistent-dir/.arca-token", "x");
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().kind(), ErrorKind::kInternal);
}

TEST(ApiResponseTest, FormatsVaultErrors) {
  struct Case {
    int status;
    std::string body;
    std::string want;
  };
  const Case cases[] = {
      {404, R"({"errors":[]})",
       "Error making API request.\n\nURL: GET http://h/v1/x\nCode: 404. Errors:\n\n"},
      {400, R"({"errors":["one","two"]})",
       "Error making API request.\n\nURL: GET http://h/v1/x\nCode: 400. Errors:\n\n* one\n* two"},
      {500, "boom",
       "Error making API request.\n\nURL: GET http://h/v1/x\nCode: 500. Raw Message:\n\nboom"},
  };
  for (const auto& c : cases) {
    ApiResponse r;
    r.status = c.status;
    r.body = c.body;
    if (auto v = ParseJson(c.body)) r.json = *v;
    r.method = "GET";
    r.url = "http://h/v1/x";
    EXPECT_EQ(FormatResponseError(r), c.want) << c.body;
  }
}

TEST(ApiResponseTest, StatusKinds) {
  EXPECT_EQ(ErrorKindForStatus(400), ErrorKind::kInvalidRequest);
  EXPECT_EQ(ErrorKindForStatus(403), ErrorKind::kPermissionDenied);
  EXPECT_EQ(ErrorKindForStatus(404), ErrorKind::kNotFound);
  EXPECT_EQ(ErrorKindForStatus(503), ErrorKind::kUnavailable);
  EXPECT_EQ(ErrorKindForStatus(500), ErrorKind::kInternal);
  EXPECT_EQ(ErrorKindForStatus(418), ErrorKind::kInternal);
}

}  // namespace
}  // namespace arca::api
