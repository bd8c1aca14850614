#include "api/http_request.h"

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

HttpRequestOptions Quick() {
  HttpRequestOptions o;
  o.timeout = std::chrono::seconds(5);
  return o;
}

TEST(HttpRequestTest, SendsExactlyWhatItIsGiven) {
  TestServer server([](const SeenRequest&) { return CannedResponse{200, R"({"KeyId":"k"})"}; });
  auto r = HttpRequest(
      "post", server.address() + "/",
      {{"Content-Type", "application/x-amz-json-1.1"}, {"X-Amz-Target", "TrentService.Encrypt"}},
      R"({"KeyId":"alias/x"})", Quick());
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, R"({"KeyId":"k"})");
  EXPECT_EQ(r->headers.at("content-type"), "application/json");
  auto seen = server.requests();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].method, "POST");
  EXPECT_EQ(seen[0].target, "/");
  EXPECT_EQ(seen[0].body, R"({"KeyId":"alias/x"})");
  EXPECT_EQ(seen[0].headers.at("content-type"), "application/x-amz-json-1.1");
  EXPECT_EQ(seen[0].headers.at("x-amz-target"), "TrentService.Encrypt");
  EXPECT_EQ(seen[0].headers.at("host"), "127.0.0.1:" + std::to_string(server.port()));
  EXPECT_EQ(seen[0].headers.at("content-length"), "19");
  EXPECT_FALSE(seen[0].headers.contains("x-vault-request"));
}

TEST(HttpRequestTest, KeepsPathQueryAndAGivenHostHeader) {
  TestServer server([](const SeenRequest&) { return CannedResponse{404, "nope"}; });
  auto r = HttpRequest("GET", server.address() + "/a%20b/c?x=1&y=%2F", {{"Host", "kms.test"}}, "",
                       Quick());
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->status, 404);  // a status is a response, not an error
  EXPECT_EQ(r->body, "nope");
  auto seen = server.requests();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].target, "/a%20b/c?x=1&y=%2F");
  EXPECT_EQ(seen[0].headers.at("host"), "kms.test");
}

TEST(HttpRequestTest, ConnectionRefusedIsUnavailable) {
  int port = testing::UnusedPort();
  std::string url = "http://127.0.0.1:" + std::to_string(port) + "/";
  auto r = HttpRequest("POST", url, {}, "{}", Quick());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind(), ErrorKind::kUnavailable);
  EXPECT_EQ(r.error().message(), "Post \"" + url + "\": dial tcp 127.0.0.1:" +
                                     std::to_string(port) + ": connect: connection refused");
}

TEST(HttpRequestTest, TimeoutIsUnavailable) {
  TestServer server([](const SeenRequest&) {
    CannedResponse r{200, "{}"};
    r.delay_ms = 1500;
    return r;
  });
  HttpRequestOptions o;
  o.timeout = std::chrono::milliseconds(300);
  auto r = HttpRequest("POST", server.address() + "/", {}, "", o);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind(), ErrorKind::kUnavailable);
  EXPECT_THAT(r.error().message(), HasSubstr("Client.Timeout exceeded"));
}

TEST(HttpRequestTest, OversizedResponseIsAnError) {
  TestServer server([](const SeenRequest&) { return CannedResponse{200, std::string(4096, 'x')}; });
  HttpRequestOptions o = Quick();
  o.max_body = 1024;
  auto r = HttpRequest("GET", server.address() + "/", {}, "", o);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind(), ErrorKind::kUnavailable);
  EXPECT_THAT(r.error().message(), HasSubstr("larger than 1024 bytes"));
}

TEST(HttpRequestTest, BadInputIsRefusedBeforeConnecting) {
  TestServer server([](const SeenRequest&) { return CannedResponse{200, "{}"}; });
  for (std::string url :
       {"127.0.0.1:8200", "ftp://127.0.0.1/", "http://", "::::", "http://user:pw@127.0.0.1/"}) {
    auto r = HttpRequest("GET", url, {}, "", Quick());
    ASSERT_FALSE(r) << url;
    EXPECT_EQ(r.error().kind(), ErrorKind::kInvalidRequest) << url;
  }
  auto bad_header =
      HttpRequest("GET", server.address() + "/", {{"X-A", "1\r\nX-Injected: 2"}}, "", Quick());
  ASSERT_FALSE(bad_header);
  EXPECT_THAT(bad_header.error().message(), HasSubstr("invalid HTTP header"));
  auto bad_method = HttpRequest("FROB", server.address() + "/", {}, "", Quick());
  ASSERT_FALSE(bad_method);
  EXPECT_THAT(bad_method.error().message(), HasSubstr("unsupported HTTP method"));
  EXPECT_TRUE(server.requests().empty());
}

TEST(HttpRequestTest, ParsesUrls) {
  auto a = ParseHttpUrl("https://kms.us-east-1.amazonaws.com");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->scheme, "https");
  EXPECT_EQ(a->host, "kms.us-east-1.amazonaws.com");
  EXPECT_EQ(a->port, "443");
  EXPECT_EQ(a->host_header, "kms.us-east-1.amazonaws.com");
  EXPECT_EQ(a->path, "/");
  EXPECT_EQ(a->query, "");
  auto b = ParseHttpUrl("HTTP://127.0.0.1:4566/x/?a=b");
  ASSERT_TRUE(b);
  EXPECT_EQ(b->scheme, "http");
  EXPECT_EQ(b->port, "4566");
  EXPECT_EQ(b->host_header, "127.0.0.1:4566");
  EXPECT_EQ(b->path, "/x/");
  EXPECT_EQ(b->query, "a=b");
  auto c = ParseHttpUrl("http://[::1]:80/");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->host, "::1");
  EXPECT_EQ(c->host_header, "[::1]");
}

class HttpRequestTlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto ss = testing::MakeSelfSigned();
    server_ctx_.use_certificate_chain(boost::asio::buffer(ss.cert_pem));
    server_ctx_.use_private_key(boost::asio::buffer(ss.key_pem), boost::asio::ssl::context::pem);
    ca_path_ = (std::filesystem::temp_directory_path() /
                ("arca-httpreq-ca-" + std::to_string(::getpid()) + ".pem"))
                   .string();
    std::ofstream(ca_path_) << ss.cert_pem;
    ca_pem_ = ss.cert_pem;
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
  std::string ca_pem_;
  std::unique_ptr<TestServer> server_;
};

TEST_F(HttpRequestTlsTest, HttpFetchTrustsTheGivenCaPem) {
  HttpFetchRequest req;
  req.url = server_->address() + "/jwks";
  req.ca_pem = ca_pem_;
  req.timeout = std::chrono::seconds(5);
  auto r = HttpFetch(req);
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, R"({"tls":true})");
  // Another CA: the server is not trusted (and the system roots are not used instead).
  req.ca_pem = testing::MakeSelfSigned().cert_pem;
  auto other = HttpFetch(req);
  ASSERT_FALSE(other);
  EXPECT_THAT(other.error().message(), HasSubstr("failed to verify certificate"));
  // Not PEM at all.
  req.ca_pem = "not a certificate";
  auto bad = HttpFetch(req);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().kind(), ErrorKind::kInvalidRequest);
  EXPECT_EQ(server_->requests().size(), 1u);
}

TEST_F(HttpRequestTlsTest, VerifiesAgainstTheGivenCa) {
  HttpRequestOptions o = Quick();
  o.ca_cert = ca_path_;
  auto r = HttpRequest("POST", server_->address() + "/", {}, "{}", o);
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->body, R"({"tls":true})");
}

TEST_F(HttpRequestTlsTest, RejectsAnUnknownAuthority) {
  auto r = HttpRequest("POST", server_->address() + "/", {}, "{}", Quick());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind(), ErrorKind::kUnavailable);
  EXPECT_THAT(r.error().message(), HasSubstr("tls: failed to verify certificate: x509: "));
  EXPECT_TRUE(server_->requests().empty());
}

TEST_F(HttpRequestTlsTest, MissingCaFileIsInvalid) {
  HttpRequestOptions o = Quick();
  o.ca_cert = "/nonexistent/ca.pem";
  auto r = HttpRequest("POST", server_->address() + "/", {}, "{}", o);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind(), ErrorKind::kInvalidRequest);
}

}  // namespace
}  // namespace arca::api
