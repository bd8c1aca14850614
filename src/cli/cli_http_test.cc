// The CLI over a real api::Client against the tiny HTTP test server.
#include <sstream>

#include "api/test_server.h"
#include "cli/cli.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace arca::cli {
namespace {

using api::testing::CannedResponse;
using api::testing::SeenRequest;
using api::testing::TestServer;

struct Outcome {
  int code;
  std::string out, err;
};

Outcome RunAgainst(const std::string& address, std::vector<std::string> args) {
  std::ostringstream out, err;
  std::istringstream in;
  CliEnv env = CliEnv::Process();
  env.in = &in;
  env.out = &out;
  env.err = &err;
  env.stdin_is_terminal = false;
  env.stdout_is_terminal = false;
  env.getenv = [address](std::string_view name) -> std::optional<std::string> {
    if (name == "ARCA_ADDR") return address;
    if (name == "ARCA_TOKEN") return "s.test";
    return std::nullopt;
  };
  int code = RunCli(args, env);
  return {code, out.str(), err.str()};
}

TEST(CliHttpTest, KvPutAndGetOverHttp) {
  TestServer server([](const SeenRequest& req) {
    if (req.target == "/v1/sys/internal/ui/mounts/secret/foo") {
      return CannedResponse{200, R"({"data":{"path":"secret/","options":{"version":"1"}}})"};
    }
    if (req.method == "PUT") return CannedResponse{204, ""};
    return CannedResponse{200, R"({"lease_duration":2764800,"data":{"foo":"bar"}})"};
  });
  auto put = RunAgainst(server.address(), {"kv", "put", "secret/foo", "foo=bar"});
  EXPECT_EQ(put.code, 0) << put.err;
  EXPECT_EQ(put.out, "Success! Data written to: secret/foo\n");
  auto get = RunAgainst(server.address(), {"kv", "get", "-field=foo", "secret/foo"});
  EXPECT_EQ(get.code, 0) << get.err;
  EXPECT_EQ(get.out, "bar");
  auto seen = server.requests();
  ASSERT_EQ(seen.size(), 4u);
  EXPECT_EQ(seen[1].body, R"({"foo":"bar"})");
  EXPECT_EQ(seen[1].headers["x-vault-token"], "s.test");
}

TEST(CliHttpTest, StatusConnectionRefusedExits1) {
  std::string addr = "http://127.0.0.1:" + std::to_string(api::testing::UnusedPort());
  auto r = RunAgainst(addr, {"status"});
  EXPECT_EQ(r.code, 1);
  EXPECT_THAT(r.err, ::testing::HasSubstr("connect: connection refused"));
  auto read = RunAgainst(addr, {"read", "secret/foo"});
  EXPECT_EQ(read.code, 2);
  EXPECT_THAT(read.err, ::testing::StartsWith("Error reading secret/foo: Get \""));
}

// A standby answering 307 to the active node (X-Vault-No-Request-Forwarding, or forwarding
// impossible): the CLI re-sends the write there once, with its body and token.
TEST(CliHttpTest, WriteFollowsAStandbysRedirectToTheActiveNode) {
  TestServer active([](const SeenRequest& req) {
    if (req.method == "PUT") return CannedResponse{204, ""};
    return CannedResponse{404, R"({"errors":[]})"};
  });
  TestServer standby([&](const SeenRequest& req) {
    CannedResponse r{307, ""};
    r.headers.emplace_back("Location", active.address() + req.target);
    return r;
  });
  auto put = RunAgainst(standby.address(), {"write", "kv/app", "password=p1"});
  EXPECT_EQ(put.code, 0) << put.err;
  EXPECT_EQ(put.out, "Success! Data written to: kv/app\n");
  auto seen = active.requests();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].method, "PUT");
  EXPECT_EQ(seen[0].target, "/v1/kv/app");
  EXPECT_EQ(seen[0].body, R"({"password":"p1"})");
  EXPECT_EQ(seen[0].headers["x-vault-token"], "s.test");
  EXPECT_EQ(standby.requests().size(), 1u);
}

TEST(CliHttpTest, DisableRedirectsFlagStopsAtTheStandby) {
  TestServer active([](const SeenRequest&) { return CannedResponse{204, ""}; });
  TestServer standby([&](const SeenRequest& req) {
    CannedResponse r{307, ""};
    r.headers.emplace_back("Location", active.address() + req.target);
    return r;
  });
  auto put =
      RunAgainst(standby.address(), {"write", "-disable-redirects", "kv/app", "password=p1"});
  EXPECT_EQ(put.code, 2);
  EXPECT_THAT(put.err, ::testing::HasSubstr("Code: 307."));
  EXPECT_EQ(active.requests().size(), 0u);
}

// Redirected twice: the CLI stops after one and reports the second as an error.
TEST(CliHttpTest, ASecondRedirectIsAnError) {
  TestServer looping([](const SeenRequest& req) {
    CannedResponse r{307, ""};
    r.headers.emplace_back("Location", "http://127.0.0.1:1" + req.target);
    return r;
  });
  TestServer standby([&](const SeenRequest& req) {
    CannedResponse r{307, ""};
    r.headers.emplace_back("Location", looping.address() + req.target);
    return r;
  });
  auto put = RunAgainst(standby.address(), {"write", "kv/app", "password=p1"});
  EXPECT_EQ(put.code, 2);
  EXPECT_THAT(put.err, ::testing::StartsWith("Error writing data to kv/app: Error making API "
                                             "request.\n\nURL: PUT " +
                                             looping.address() + "/v1/kv/app\nCode: 307."));
  EXPECT_EQ(looping.requests().size(), 1u);
}

}  // namespace
}  // namespace arca::cli
