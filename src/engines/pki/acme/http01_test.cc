#include "engines/pki/acme/http01.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <thread>

namespace arca::pki::acme {
namespace {

// A one-shot HTTP server on 127.0.0.1 that answers the first request with `response` and
// records the request it received.
class OneShotServer {
 public:
  explicit OneShotServer(std::string response) : response_(std::move(response)) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    socklen_t len = sizeof addr;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    ::listen(fd_, 4);
    thread_ = std::thread([this] {
      int c = ::accept(fd_, nullptr, nullptr);
      if (c < 0) return;
      char buf[4096];
      ssize_t n = ::recv(c, buf, sizeof buf, 0);
      if (n > 0) request_.assign(buf, n);
      ::send(c, response_.data(), response_.size(), MSG_NOSIGNAL);
      ::close(c);
    });
  }
  ~OneShotServer() {
    ::shutdown(fd_, SHUT_RDWR);
    ::close(fd_);
    thread_.join();
  }
  int port() const { return port_; }
  const std::string& request() const { return request_; }

 private:
  std::string response_;
  int fd_ = -1;
  int port_ = 0;
  std::string request_;
  std::thread thread_;
};

std::string HttpOk(const std::string& body) {
  return "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(body.size()) +
         "\r\nContent-Type: text/plain\r\n\r\n" + body;
}

TEST(Http01, MatchingKeyAuthorizationPasses) {
  OneShotServer server(HttpOk("tok.thumb\n"));
  auto r = ValidateHttp01("localhost", server.port(), "tok", "tok.thumb");
  EXPECT_TRUE(r) << r.error().detail;
  EXPECT_TRUE(server.request().starts_with("GET /.well-known/acme-challenge/tok HTTP/1.1\r\n"))
      << server.request();
  EXPECT_NE(server.request().find("Host: localhost:" + std::to_string(server.port())), std::string::npos);
}

TEST(Http01, ChunkedBodyPasses) {
  OneShotServer server("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n9\r\ntok.thumb\r\n0\r\n\r\n");
  EXPECT_TRUE(ValidateHttp01("127.0.0.1", server.port(), "tok", "tok.thumb"));
}

TEST(Http01, WrongBodyOrStatusFails) {
  {
    OneShotServer server(HttpOk("tok.other"));
    auto r = ValidateHttp01("127.0.0.1", server.port(), "tok", "tok.thumb");
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().type, "incorrectResponse");
  }
  {
    OneShotServer server("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");
    auto r = ValidateHttp01("127.0.0.1", server.port(), "tok", "tok.thumb");
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().type, "incorrectResponse");
    EXPECT_NE(r.error().detail.find("404"), std::string::npos);
  }
  {
    OneShotServer server("garbage");
    auto r = ValidateHttp01("127.0.0.1", server.port(), "tok", "tok.thumb");
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().type, "incorrectResponse");
  }
}

TEST(Http01, UnreachableOrUnresolvableFails) {
  int port = 0;
  {
    OneShotServer closed("");
    port = closed.port();
  }
  auto r = ValidateHttp01("127.0.0.1", port, "tok", "tok.thumb", std::chrono::seconds(2));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().type, "connection");
  auto dns = ValidateHttp01("no-such-host.invalid", 80, "tok", "x", std::chrono::seconds(2));
  ASSERT_FALSE(dns);
  EXPECT_EQ(dns.error().type, "dns");
}

}  // namespace
}  // namespace arca::pki::acme
