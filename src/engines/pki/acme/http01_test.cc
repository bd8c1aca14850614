#include "engines/pki/acme/http01.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <iostream>
#include <thread>

#include "engines/pki/acme/acme_test_util.h"

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

// The test servers listen on loopback, which validation refuses unless allowed.
ValidationPolicy Loopback(std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
  ValidationPolicy p;
  p.allow_local_addresses = true;
  p.timeout = timeout;
  return p;
}

std::string HttpOk(const std::string& body) {
  return "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(body.size()) +
         "\r\nContent-Type: text/plain\r\n\r\n" + body;
}

TEST(Http01, MatchingKeyAuthorizationPasses) {
  OneShotServer server(HttpOk("tok.thumb\n"));
  auto r = ValidateHttp01("localhost", server.port(), "tok", "tok.thumb", Loopback());
  EXPECT_TRUE(r) << r.error().detail;
  EXPECT_TRUE(server.request().starts_with("GET /.well-known/acme-challenge/tok HTTP/1.1\r\n"))
      << server.request();
  EXPECT_NE(server.request().find("Host: localhost:" + std::to_string(server.port())), std::string::npos);
}

TEST(Http01, ChunkedBodyPasses) {
  OneShotServer server("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n9\r\ntok.thumb\r\n0\r\n\r\n");
  EXPECT_TRUE(ValidateHttp01("127.0.0.1", server.port(), "tok", "tok.thumb", Loopback()));
}

TEST(Http01, WrongBodyOrStatusFails) {
  {
    OneShotServer server(HttpOk("tok.other"));
    auto r = ValidateHttp01("127.0.0.1", server.port(), "tok", "tok.thumb", Loopback());
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().type, "incorrectResponse");
  }
  {
    OneShotServer server("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");
    auto r = ValidateHttp01("127.0.0.1", server.port(), "tok", "tok.thumb", Loopback());
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().type, "incorrectResponse");
    EXPECT_NE(r.error().detail.find("404"), std::string::npos);
  }
  {
    OneShotServer server("garbage");
    auto r = ValidateHttp01("127.0.0.1", server.port(), "tok", "tok.thumb", Loopback());
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
  auto r = ValidateHttp01("127.0.0.1", port, "tok", "tok.thumb", Loopback(std::chrono::seconds(2)));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().type, "connection");
  auto dns =
      ValidateHttp01("no-such-host.invalid", 80, "tok", "x", Loopback(std::chrono::seconds(2)));
  ASSERT_FALSE(dns);
  EXPECT_EQ(dns.error().type, "dns");
}

ValidationPolicy Strict(std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
  ValidationPolicy p;
  p.timeout = timeout;
  return p;
}

sockaddr_storage Addr(const char* text) {
  sockaddr_storage ss{};
  if (inet_pton(AF_INET, text, &reinterpret_cast<sockaddr_in*>(&ss)->sin_addr) == 1) {
    ss.ss_family = AF_INET;
  } else if (inet_pton(AF_INET6, text, &reinterpret_cast<sockaddr_in6*>(&ss)->sin6_addr) == 1) {
    ss.ss_family = AF_INET6;
  } else {
    ADD_FAILURE() << text;
  }
  return ss;
}

TEST(ValidationTargets, LoopbackLinkLocalAndUnspecifiedAreForbidden) {
  for (const char* forbidden :
       {"127.0.0.1", "127.255.255.254", "169.254.169.254", "169.254.0.1", "0.0.0.0", "0.1.2.3",
        "::1", "::", "fe80::1", "febf:ffff::1", "::ffff:127.0.0.1", "::ffff:169.254.169.254",
        "::ffff:0.0.0.0", "::127.0.0.2", "64:ff9b::a9fe:a9fe"}) {
    sockaddr_storage ss = Addr(forbidden);
    EXPECT_NE(ForbiddenTargetReason(reinterpret_cast<sockaddr*>(&ss)), nullptr) << forbidden;
  }
  for (const char* allowed :
       {"10.0.0.1", "192.168.1.1", "8.8.8.8", "128.0.0.1", "169.253.1.1", "169.255.0.1", "1.0.0.0",
        "2001:db8::1", "::ffff:8.8.8.8", "fec0::1", "fe00::1", "64:ff9b::808:808"}) {
    sockaddr_storage ss = Addr(allowed);
    EXPECT_EQ(ForbiddenTargetReason(reinterpret_cast<sockaddr*>(&ss)), nullptr) << allowed;
  }
}

// Each target reaches a listener here when local targets are allowed (so refusing it is not
// just a failed connection), and is refused without any connection when they are not.
TEST(Http01, LocalTargetsAreRefusedWithoutConnecting) {
  struct Case {
    const char* target;  // the identifier as the validator gets it
    const char* listen;  // where a connection to it arrives
  };
  for (const Case& c : {Case{"127.0.0.1", "127.0.0.1"}, Case{"0.0.0.0", "127.0.0.1"},
                        Case{"localhost", "127.0.0.1"}, Case{"[::ffff:127.0.0.1]", "127.0.0.1"},
                        Case{"[::1]", "::1"}, Case{"[::]", "::1"}}) {
    SCOPED_TRACE(c.target);
    testing::SilentListener listener(c.listen);
    if (!listener.ok()) {
      std::cerr << "skipping " << c.target << ": cannot listen on " << c.listen << "\n";
      continue;
    }
    auto allowed = ValidateHttp01(c.target, listener.port(), "tok", "tok.thumb",
                                  Loopback(std::chrono::milliseconds(300)));
    ASSERT_FALSE(allowed);  // nobody answers
    ASSERT_TRUE(listener.Pending())
        << "the target does not reach the listener: " << allowed.error().detail;
    listener.Drain();
    ASSERT_FALSE(listener.Pending());

    auto refused = ValidateHttp01(c.target, listener.port(), "tok", "tok.thumb", Strict());
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().type, "rejectedIdentifier") << refused.error().detail;
    EXPECT_NE(refused.error().detail.find("does not connect"), std::string::npos)
        << refused.error().detail;
    EXPECT_FALSE(listener.Pending()) << "a connection was made";
  }
}

TEST(Http01, LinkLocalMetadataAddressIsRefusedBeforeConnecting) {
  // Nothing listens there; a connection attempt would end as "connection", not as a refusal.
  auto r = ValidateHttp01("169.254.169.254", 80, "tok", "tok.thumb", Strict());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().type, "rejectedIdentifier") << r.error().detail;
  EXPECT_NE(r.error().detail.find("link-local"), std::string::npos) << r.error().detail;
}

TEST(Http01, ATargetThatNeverAnswersIsAbandonedWithinTheBound) {
  testing::SilentListener listener("127.0.0.1");
  ASSERT_TRUE(listener.ok());
  const auto bound = std::chrono::milliseconds(400);
  const auto start = std::chrono::steady_clock::now();
  auto r = ValidateHttp01("127.0.0.1", listener.port(), "tok", "tok.thumb", Loopback(bound));
  const auto took = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().type, "connection");
  EXPECT_NE(r.error().detail.find("timed out"), std::string::npos) << r.error().detail;
  EXPECT_TRUE(listener.Pending());  // it did connect and wait for an answer
  EXPECT_GE(took, bound - std::chrono::milliseconds(50));
  EXPECT_LT(took, bound + std::chrono::seconds(2));
}

// A connection attempt that never completes (the listener's backlog is full, so the kernel drops
// the SYN) is given up after connect_timeout, long before the validation's total bound.
TEST(Http01, AConnectionAttemptThatNeverCompletesIsAbandonedAfterTheConnectBound) {
  testing::SilentListener listener("127.0.0.1", 0, /*backlog=*/0);
  ASSERT_TRUE(listener.ok());
  // Fill the accept queue (one connection with backlog 0).
  int filler = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(listener.port()));
  ASSERT_EQ(::connect(filler, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ValidationPolicy policy = Loopback(std::chrono::seconds(5));
  policy.connect_timeout = std::chrono::milliseconds(300);
  const auto start = std::chrono::steady_clock::now();
  auto r = ValidateHttp01("127.0.0.1", listener.port(), "tok", "tok.thumb", policy);
  const auto took = std::chrono::steady_clock::now() - start;
  ::close(filler);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().type, "connection") << r.error().detail;
  EXPECT_NE(r.error().detail.find("could not connect"), std::string::npos) << r.error().detail;
  EXPECT_GE(took, policy.connect_timeout - std::chrono::milliseconds(50));
  EXPECT_LT(took, std::chrono::seconds(2)) << "the attempt ran to the total bound";
}

}  // namespace
}  // namespace arca::pki::acme
