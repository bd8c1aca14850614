#include "api/client.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "api/test_server.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace arca::api {
namespace {

using testing::CannedResponse;
using ::testing::HasSubstr;
using testing::SeenRequest;
using testing::TestServer;

ClientConfig ConfigFor(const TestServer& s) {
  ClientConfig c;
  c.address = s.address();
  c.timeout = std::chrono::seconds(5);
  return c;
}

TEST(ClientTest, SendsVaultHeadersAndParsesJson) {
  TestServer server([](const SeenRequest&) {
    return CannedResponse{200, R"({"sealed":false,"t":3})"};
  });
  ClientConfig c = ConfigFor(server);
  c.token = "s.root";
  c.wrap_ttl = "5m";
  c.headers["X-Custom"] = "yes";
  Client client(c);
  auto r = client.Request("GET", "/sys/seal-status");
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->json.at("t").as_int64(), 3);
  EXPECT_EQ(r->method, "GET");
  EXPECT_EQ(r->url, server.address() + "/v1/sys/seal-status");
  auto seen = server.requests();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].method, "GET");
  EXPECT_EQ(seen[0].target, "/v1/sys/seal-status");
  EXPECT_EQ(seen[0].headers["x-vault-token"], "s.root");
  EXPECT_EQ(seen[0].headers["x-vault-request"], "true");
  EXPECT_EQ(seen[0].headers["x-vault-wrap-ttl"], "5m");
  EXPECT_EQ(seen[0].headers["x-custom"], "yes");
  EXPECT_EQ(seen[0].headers.count("content-type"), 0u);
}

TEST(ClientTest, NoTokenHeaderWithoutToken) {
  TestServer server([](const SeenRequest&) { return CannedResponse{204, ""}; });
  Client client(ConfigFor(server));
  ASSERT_TRUE(client.Request("GET", "sys/health"));
  EXPECT_EQ(server.requests()[0].headers.count("x-vault-token"), 0u);
}

TEST(ClientTest, SendsJsonBody) {
  TestServer server([](const SeenRequest&) { return CannedResponse{204, ""}; });
  Client client(ConfigFor(server));
  json::object body{{"foo", "bar"}, {"n", 1}};
  auto r = client.Request("PUT", "secret/foo", &body);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 204);
  EXPECT_TRUE(r->json.is_null());
  auto seen = server.requests();
  EXPECT_EQ(seen[0].method, "PUT");
  EXPECT_EQ(seen[0].headers["content-type"], "application/json");
  auto parsed = ParseJson(seen[0].body);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->at("foo").as_string(), "bar");
}

TEST(ClientTest, PatchUsesMergePatchContentType) {
  TestServer server([](const SeenRequest&) { return CannedResponse{200, "{}"}; });
  Client client(ConfigFor(server));
  json::object body{{"a", "b"}};
  ASSERT_TRUE(client.Request("PATCH", "kv/data/x", &body));
  EXPECT_EQ(server.requests()[0].headers["content-type"], "application/merge-patch+json");
}

TEST(ClientTest, KeepsOneConnectionAlive) {
  TestServer server([](const SeenRequest&) { return CannedResponse{200, "{}"}; });
  Client client(ConfigFor(server));
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(client.Request("GET", "sys/health"));
  EXPECT_EQ(server.connections(), 1);
  auto seen = server.requests();
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_EQ(seen[2].connection, 1);
}

TEST(ClientTest, ReconnectsWhenServerDroppedIdleConnection) {
  TestServer server([](const SeenRequest&) {
    CannedResponse r{200, R"({"ok":true})"};
    r.close_silently = true;
    return r;
  });
  Client client(ConfigFor(server));
  ASSERT_TRUE(client.Request("GET", "a"));
  auto second = client.Request("GET", "b");
  ASSERT_TRUE(second) << second.error().ToString();
  EXPECT_EQ(second->status, 200);
  EXPECT_EQ(server.connections(), 2);
}

TEST(ClientTest, ListIsGetWithListTrueAndQueryIsSortedAndEscaped) {
  TestServer server([](const SeenRequest&) { return CannedResponse{200, "{}"}; });
  Client client(ConfigFor(server));
  ASSERT_TRUE(client.Request("LIST", "secret/"));
  ASSERT_TRUE(client.Request("GET", "secret/a b", nullptr, {{"z", "1"}, {"a", "x y&z"}}));
  auto seen = server.requests();
  EXPECT_EQ(seen[0].method, "GET");
  EXPECT_EQ(seen[0].target, "/v1/secret/?list=true");
  EXPECT_EQ(seen[1].target, "/v1/secret/a%20b?a=x+y%26z&z=1");
}

TEST(ClientTest, HeadRequestHasNoBody) {
  TestServer server([](const SeenRequest&) { return CannedResponse{200, R"({"x":1})"}; });
  Client client(ConfigFor(server));
  auto r = client.Request("HEAD", "sys/health");
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->status, 200);
  EXPECT_TRUE(r->body.empty());
  // The connection is still usable afterwards.
  auto again = client.Request("GET", "sys/health");
  ASSERT_TRUE(again);
  EXPECT_EQ(again->json.at("x").as_int64(), 1);
}

TEST(ClientTest, ErrorStatusesAreResponsesForRequest) {
  TestServer server([](const SeenRequest&) {
    return CannedResponse{403, R"({"errors":["permission denied"]})"};
  });
  Client client(ConfigFor(server));
  auto r = client.Request("GET", "secret/foo");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 403);
  EXPECT_THAT(r->errors(), ::testing::ElementsAre("permission denied"));
  auto called = client.Call("GET", "secret/foo");
  ASSERT_FALSE(called);
  EXPECT_EQ(called.error().kind(), ErrorKind::kPermissionDenied);
  EXPECT_EQ(called.error().message(),
            "Error making API request.\n\nURL: GET " + server.address() +
                "/v1/secret/foo\nCode: 403. Errors:\n\n* permission denied");
}

TEST(ClientTest, ReadAndListTreat404AsNoSecret) {
  TestServer server([](const SeenRequest& req) {
    if (req.target.starts_with("/v1/warn")) {
      return CannedResponse{404, R"({"data":null,"warnings":["gone"]})"};
    }
    return CannedResponse{404, R"({"errors":[]})"};
  });
  Client client(ConfigFor(server));
  auto read = client.Read("secret/missing");
  ASSERT_TRUE(read);
  EXPECT_FALSE(read->has_value());
  auto list = client.List("secret/");
  ASSERT_TRUE(list);
  EXPECT_FALSE(list->has_value());
  auto warned = client.Read("warn");
  ASSERT_TRUE(warned);
  ASSERT_TRUE(warned->has_value());
  EXPECT_TRUE((*warned)->contains("warnings"));
  // Write and Delete report a 404 as an error.
  auto written = client.Write("secret/missing", json::object{{"a", "b"}});
  ASSERT_FALSE(written);
  EXPECT_EQ(written.error().kind(), ErrorKind::kNotFound);
  auto deleted = client.Delete("secret/missing");
  ASSERT_FALSE(deleted);
  EXPECT_THAT(deleted.error().message(), HasSubstr("Code: 404. Errors:"));
}

TEST(ClientTest, WriteReturnsSecretOrNothing) {
  TestServer server([](const SeenRequest& req) {
    if (req.target == "/v1/empty") return CannedResponse{204, ""};
    if (req.target == "/v1/bad") return CannedResponse{400, R"({"errors":["a","b"]})"};
    return CannedResponse{200, R"({"data":{"version":1}})"};
  });
  Client client(ConfigFor(server));
  auto none = client.Write("empty", {});
  ASSERT_TRUE(none);
  EXPECT_FALSE(none->has_value());
  auto some = client.Write("kv/data/x", {});
  ASSERT_TRUE(some && some->has_value());
  EXPECT_EQ((**some).at("data").at("version").as_int64(), 1);
  auto bad = client.Write("bad", {});
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().kind(), ErrorKind::kInvalidRequest);
  EXPECT_THAT(bad.error().message(), HasSubstr("URL: PUT " + server.address() +
                                               "/v1/bad\nCode: 400. Errors:\n\n* a\n* b"));
}

TEST(ClientTest, NonJsonErrorIsRawMessage) {
  TestServer server([](const SeenRequest&) {
    CannedResponse r{502, "upstream exploded"};
    r.content_type = "text/plain";
    return r;
  });
  Client client(ConfigFor(server));
  auto r = client.Call("GET", "x");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind(), ErrorKind::kUpstream);
  EXPECT_THAT(r.error().message(), HasSubstr("Code: 502. Raw Message:\n\nupstream exploded"));
}

TEST(ClientTest, ConnectionRefusedReadsLikeVault) {
  int port = testing::UnusedPort();
  ClientConfig c;
  c.address = "http://127.0.0.1:" + std::to_string(port);
  Client client(c);
  auto r = client.Request("GET", "sys/seal-status");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind(), ErrorKind::kUnavailable);
  std::string p = std::to_string(port);
  EXPECT_EQ(r.error().message(), "Get \"http://127.0.0.1:" + p +
                                     "/v1/sys/seal-status\": dial tcp 127.0.0.1:" + p +
                                     ": connect: connection refused");
}

TEST(ClientTest, TimeoutIsAnError) {
  TestServer server([](const SeenRequest&) {
    CannedResponse r{200, "{}"};
    r.delay_ms = 1500;
    return r;
  });
  ClientConfig c = ConfigFor(server);
  c.timeout = std::chrono::seconds(1);
  Client client(c);
  auto r = client.Request("PUT", "slow");
  ASSERT_FALSE(r);
  EXPECT_THAT(r.error().message(), HasSubstr("Put \"" + server.address() + "/v1/slow\": "));
  EXPECT_THAT(r.error().message(), HasSubstr("Client.Timeout exceeded"));
}

TEST(ClientTest, BadAddresses) {
  for (std::string addr : {"127.0.0.1:8200", "ftp://127.0.0.1", "::::", "http://"}) {
    ClientConfig c;
    c.address = addr;
    Client client(c);
    auto r = client.Request("GET", "sys/health");
    ASSERT_FALSE(r) << addr;
    EXPECT_THAT(r.error().message(), HasSubstr("Get \"")) << addr;
  }
}

TEST(ClientTest, AddressPathPrefixIsKept) {
  TestServer server([](const SeenRequest&) { return CannedResponse{200, "{}"}; });
  ClientConfig c = ConfigFor(server);
  c.address += "/prefix/";
  Client client(c);
  ASSERT_TRUE(client.Request("GET", "sys/health"));
  EXPECT_EQ(server.requests()[0].target, "/prefix/v1/sys/health");
}

// ---- Redirects: a standby answers 307 to the active node's api_addr (Vault's client follows one).

CannedResponse RedirectTo(const std::string& location) {
  CannedResponse r{307, ""};
  r.headers.emplace_back("Location", location);
  return r;
}

TEST(ClientTest, FollowsOne307WithMethodBodyAndHeaders) {
  TestServer active([](const SeenRequest&) {
    return CannedResponse{200, R"({"data":{"version":1}})"};
  });
  TestServer standby([&](const SeenRequest& req) {
    return RedirectTo(active.address() + req.target);
  });
  ClientConfig c = ConfigFor(standby);
  c.token = "s.root";
  c.headers["X-Vault-Namespace"] = "team/";
  Client client(c);
  json::object body{{"data", json::object{{"password", "p1"}}}};
  auto r = client.Request("PUT", "secret/data/app", &body, {{"z", "1"}});
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->json.at("data").at("version").as_int64(), 1);
  EXPECT_EQ(r->url, active.address() + "/v1/secret/data/app?z=1");  // where it was answered

  auto first = standby.requests();
  ASSERT_EQ(first.size(), 1u);
  auto seen = active.requests();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].method, "PUT");
  EXPECT_EQ(seen[0].target, "/v1/secret/data/app?z=1");
  EXPECT_EQ(seen[0].body, first[0].body);
  EXPECT_EQ(ParseJson(seen[0].body)->at("data").at("password").as_string(), "p1");
  EXPECT_EQ(seen[0].headers["x-vault-token"], "s.root");
  EXPECT_EQ(seen[0].headers["x-vault-request"], "true");
  EXPECT_EQ(seen[0].headers["x-vault-namespace"], "team/");
  EXPECT_EQ(seen[0].headers["content-type"], "application/json");
  EXPECT_EQ(seen[0].headers["host"], "127.0.0.1:" + std::to_string(active.port()));

  // The kept-alive connection to the first server is still the one used next time.
  ASSERT_TRUE(client.Request("GET", "sys/health"));
  EXPECT_EQ(standby.connections(), 1);
  EXPECT_EQ(standby.requests().size(), 2u);
}

TEST(ClientTest, CallAndWriteFollowTheRedirect) {
  TestServer active([](const SeenRequest&) {
    return CannedResponse{200, R"({"data":{"ok":true}})"};
  });
  TestServer standby([&](const SeenRequest& req) {
    return RedirectTo(active.address() + req.target);
  });
  Client client(ConfigFor(standby));
  auto called = client.Call("GET", "sys/mounts");
  ASSERT_TRUE(called) << called.error().ToString();
  EXPECT_TRUE(called->at("data").at("ok").as_bool());
  auto written = client.Write("kv/x", json::object{{"a", "b"}});
  ASSERT_TRUE(written) << written.error().ToString();
  ASSERT_TRUE(written->has_value());
  EXPECT_EQ(active.requests().size(), 2u);
  EXPECT_EQ(active.requests()[1].method, "PUT");
}

TEST(ClientTest, ASecondRedirectIsReturnedAsItIsAndIsAnErrorForCall) {
  TestServer third([](const SeenRequest&) { return CannedResponse{200, R"({"never":1})"}; });
  TestServer second([&](const SeenRequest& req) {
    return RedirectTo(third.address() + req.target);
  });
  TestServer first([&](const SeenRequest& req) {
    return RedirectTo(second.address() + req.target);
  });
  Client client(ConfigFor(first));
  auto r = client.Request("GET", "secret/foo");
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->status, 307);
  EXPECT_EQ(r->headers["location"], third.address() + "/v1/secret/foo");
  EXPECT_EQ(r->url, second.address() + "/v1/secret/foo");
  EXPECT_EQ(third.requests().size(), 0u);
  EXPECT_EQ(second.requests().size(), 1u);

  auto called = client.Call("GET", "secret/foo");
  ASSERT_FALSE(called);
  EXPECT_THAT(called.error().message(),
              HasSubstr("URL: GET " + second.address() + "/v1/secret/foo\nCode: 307."));
  auto read = client.Read("secret/foo");
  ASSERT_FALSE(read);
  EXPECT_THAT(read.error().message(), HasSubstr("Code: 307."));
  EXPECT_EQ(third.requests().size(), 0u);
}

TEST(ClientTest, RedirectTargetDownIsATransportErrorNamingIt) {
  int port = testing::UnusedPort();
  std::string gone = "http://127.0.0.1:" + std::to_string(port);
  TestServer standby([&](const SeenRequest& req) { return RedirectTo(gone + req.target); });
  Client client(ConfigFor(standby));
  auto r = client.Request("GET", "secret/foo");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind(), ErrorKind::kUnavailable);
  EXPECT_EQ(r.error().message(), "Get \"" + gone + "/v1/secret/foo\": dial tcp 127.0.0.1:" +
                                     std::to_string(port) + ": connect: connection refused");
}

TEST(ClientTest, DisableRedirectsReturnsTheFirstRedirect) {
  TestServer active([](const SeenRequest&) { return CannedResponse{200, R"({"ok":true})"}; });
  TestServer standby([&](const SeenRequest& req) {
    return RedirectTo(active.address() + req.target);
  });
  ClientConfig c = ConfigFor(standby);
  c.disable_redirects = true;
  Client client(c);
  auto r = client.Request("GET", "secret/foo");
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->status, 307);
  EXPECT_EQ(active.requests().size(), 0u);
  EXPECT_FALSE(client.Call("GET", "secret/foo"));
  EXPECT_EQ(active.requests().size(), 0u);
}

TEST(ClientTest, RedirectWithoutLocationIsReturnedAsItIs) {
  TestServer server([](const SeenRequest&) { return CannedResponse{307, ""}; });
  Client client(ConfigFor(server));
  auto r = client.Request("GET", "secret/foo");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 307);
  EXPECT_EQ(server.requests().size(), 1u);
}

// ---- TLS: a throw-away self-signed certificate for 127.0.0.1.

using testing::MakeSelfSigned;

class TlsClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto ss = MakeSelfSigned();
    server_ctx_.use_certificate_chain(boost::asio::buffer(ss.cert_pem));
    server_ctx_.use_private_key(boost::asio::buffer(ss.key_pem), boost::asio::ssl::context::pem);
    ca_path_ = (std::filesystem::temp_directory_path() /
                ("arca-ca-" + std::to_string(::getpid()) + ".pem"))
                   .string();
    std::ofstream(ca_path_) << ss.cert_pem;
    server_ = std::make_unique<TestServer>(
        [](const SeenRequest&) {
          return CannedResponse{200, R"({"tls":true})"};
        },
        &server_ctx_);
  }
  void TearDown() override {
    server_.reset();
    std::remove(ca_path_.c_str());
  }

  boost::asio::ssl::context server_ctx_{boost::asio::ssl::context::tls_server};
  std::string ca_path_;
  std::unique_ptr<TestServer> server_;
};

TEST_F(TlsClientTest, VerifiesAgainstCaCert) {
  ClientConfig c = ConfigFor(*server_);
  c.ca_cert = ca_path_;
  Client client(c);
  auto r = client.Request("GET", "sys/health");
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_TRUE(r->json.at("tls").as_bool());
  ASSERT_TRUE(client.Request("GET", "sys/health"));
  EXPECT_EQ(server_->connections(), 1);
}

TEST_F(TlsClientTest, VerifiesAgainstCaPathDirectory) {
  // A directory of PEM files with ordinary names (no c_rehash links), as VAULT_CAPATH.
  auto dir = std::filesystem::temp_directory_path() / ("arca-capath-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "notes.txt") << "not a certificate\n";
  ClientConfig c = ConfigFor(*server_);
  c.ca_path = dir.string();
  {
    Client empty(c);  // nothing loadable yet
    auto r = empty.Request("GET", "sys/health");
    ASSERT_FALSE(r);
    EXPECT_THAT(r.error().message(), HasSubstr("no PEM certificate in ca_path"));
  }
  std::filesystem::copy_file(ca_path_, dir / "my-ca.pem");
  Client client(c);
  auto r = client.Request("GET", "sys/health");
  std::filesystem::remove_all(dir);
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_TRUE(r->json.at("tls").as_bool());
}

TEST_F(TlsClientTest, RejectsUnknownAuthority) {
  ClientConfig c = ConfigFor(*server_);
  Client client(c);  // system store: does not know the self-signed certificate
  auto r = client.Request("GET", "sys/health");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind(), ErrorKind::kUnavailable);
  EXPECT_THAT(r.error().message(), HasSubstr("tls: failed to verify certificate: x509: "));
}

TEST_F(TlsClientTest, RejectsWrongServerName) {
  ClientConfig c = ConfigFor(*server_);
  c.ca_cert = ca_path_;
  c.tls_server_name = "other.test";
  Client client(c);
  auto r = client.Request("GET", "sys/health");
  ASSERT_FALSE(r);
  EXPECT_THAT(r.error().message(), HasSubstr("tls: failed to verify certificate"));
  c.tls_server_name = "arca.test";
  Client good(c);
  EXPECT_TRUE(good.Request("GET", "sys/health"));
}

TEST_F(TlsClientTest, SkipVerifyAcceptsAnyCertificate) {
  ClientConfig c = ConfigFor(*server_);
  c.tls_skip_verify = true;
  Client client(c);
  auto r = client.Request("GET", "sys/health");
  ASSERT_TRUE(r) << r.error().ToString();
}

TEST_F(TlsClientTest, MissingCaFileIsAnError) {
  ClientConfig c = ConfigFor(*server_);
  c.ca_cert = "/nonexistent/ca.pem";
  Client client(c);
  auto r = client.Request("GET", "sys/health");
  ASSERT_FALSE(r);
  EXPECT_THAT(r.error().message(), HasSubstr("/nonexistent/ca.pem"));
}

TEST_F(TlsClientTest, RedirectToPlainHttpIsRefused) {
  TestServer plain([](const SeenRequest&) { return CannedResponse{200, R"({"plain":1})"}; });
  boost::asio::ssl::context ctx{boost::asio::ssl::context::tls_server};
  auto ss = MakeSelfSigned();
  ctx.use_certificate_chain(boost::asio::buffer(ss.cert_pem));
  ctx.use_private_key(boost::asio::buffer(ss.key_pem), boost::asio::ssl::context::pem);
  TestServer redirecting(
      [&](const SeenRequest& req) { return RedirectTo(plain.address() + req.target); }, &ctx);
  ClientConfig c = ConfigFor(redirecting);
  c.tls_skip_verify = true;
  Client client(c);
  auto r = client.Request("GET", "secret/foo");
  ASSERT_FALSE(r);
  EXPECT_THAT(r.error().message(), HasSubstr("redirect would cause protocol downgrade"));
  EXPECT_EQ(plain.requests().size(), 0u);
}

TEST_F(TlsClientTest, FollowsRedirectToAnotherHttpsNode) {
  // Both nodes present certificates from the same CA file (here: the same self-signed one).
  TestServer redirecting(
      [&](const SeenRequest& req) { return RedirectTo(server_->address() + req.target); },
      &server_ctx_);
  ClientConfig c = ConfigFor(redirecting);
  c.ca_cert = ca_path_;
  c.token = "s.t";
  Client client(c);
  auto r = client.Request("GET", "sys/health");
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_TRUE(r->json.at("tls").as_bool());
  ASSERT_EQ(server_->requests().size(), 1u);
  EXPECT_EQ(server_->requests()[0].headers["x-vault-token"], "s.t");
}

}  // namespace
}  // namespace arca::api
