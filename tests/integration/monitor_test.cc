// sys/monitor against the real binary: a raw HTTP client reads the chunked log stream while
// the test makes the server log (a mount), checks each stream's level and format, that a
// stream more detailed than the server's own level gets lines its stderr does not, that
// sealing ends the streams, that a client going away frees its subscription (the
// vault_monitor_subscribers gauge), and the bad-input answers.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>

#include "integration/harness.h"

namespace arca::testing {
namespace {

using Clock = std::chrono::steady_clock;

// A blocking client for one streamed response: sends the request, then reads with a deadline.
class StreamClient {
 public:
  StreamClient(int port, const std::string& target, const std::string& token) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) return;
    std::string req = "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Vault-Token: " +
                      token + "\r\n\r\n";
    connected_ = ::send(fd_, req.data(), req.size(), MSG_NOSIGNAL) ==
                 static_cast<ssize_t>(req.size());
  }
  ~StreamClient() { Close(); }
  bool connected() const { return connected_; }
  void Close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  // Reads until what was received contains `needle` (true), or the server closes / 20 s pass.
  bool ReadUntil(const std::string& needle) {
    const auto deadline = Clock::now() + std::chrono::seconds(20);
    while (received_.find(needle) == std::string::npos) {
      if (closed_ || Clock::now() > deadline) return false;
      ReadOnce(deadline);
    }
    return true;
  }
  // Reads until the server closes the connection (true) or 20 s pass.
  bool ReadToEnd() {
    const auto deadline = Clock::now() + std::chrono::seconds(20);
    while (!closed_) {
      if (Clock::now() > deadline) return false;
      ReadOnce(deadline);
    }
    return true;
  }
  const std::string& received() const { return received_; }

 private:
  void ReadOnce(Clock::time_point deadline) {
    pollfd p{fd_, POLLIN, 0};
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (::poll(&p, 1, static_cast<int>(std::max<int64_t>(left.count(), 0))) <= 0) return;
    char buf[4096];
    ssize_t n = ::recv(fd_, buf, sizeof(buf), 0);
    if (n <= 0) {
      closed_ = true;
      return;
    }
    received_.append(buf, static_cast<size_t>(n));
  }

  int fd_ = -1;
  bool connected_ = false;
  bool closed_ = false;
  std::string received_;
};

// The value of the vault_monitor_subscribers gauge, or -1.
int Subscribers(int port, const std::string& token) {
  auto r = RawHttp(port, "GET", "/v1/sys/metrics?format=prometheus", "", {{"X-Vault-Token", token}});
  const std::string key = "\nvault_monitor_subscribers ";
  size_t at = r.body.find(key);
  if (r.status != 200 || at == std::string::npos) return -1;
  return std::atoi(r.body.c_str() + at + key.size());
}

template <class Pred>
bool Eventually(Pred done) {
  const auto deadline = Clock::now() + std::chrono::seconds(20);
  while (!done()) {
    if (Clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));  // poll interval
  }
  return true;
}

TEST(Monitor, StreamsLinesAtItsOwnLevelAndFormatUntilSealed) {
  // The server itself logs at warn: the info line of a mount is not on its stderr.
  auto server = ServerProcess::Dev({"-log-level=warn"});
  ASSERT_TRUE(server->running()) << server->Log();
  const int port = server->port();
  const std::string root = server->root_token();

  StreamClient info(port, "/v1/sys/monitor", root);  // log_level defaults to info
  StreamClient json(port, "/v1/sys/monitor?log_level=debug&log_format=json", root);
  StreamClient errors(port, "/v1/sys/monitor?log_level=error", root);
  ASSERT_TRUE(info.connected() && json.connected() && errors.connected());
  for (auto* c : {&info, &json, &errors}) {
    ASSERT_TRUE(c->ReadUntil("\r\n\r\n")) << c->received();
    EXPECT_EQ(c->received().rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << c->received();
    EXPECT_NE(c->received().find("Transfer-Encoding: chunked\r\n"), std::string::npos);
  }
  ASSERT_TRUE(Eventually([&] { return Subscribers(port, root) == 3; }));

  auto mount = RawHttp(port, "POST", "/v1/sys/mounts/monitored", R"({"type":"kv"})",
                       {{"X-Vault-Token", root}});
  ASSERT_EQ(mount.status, 204) << mount.body;
  EXPECT_TRUE(info.ReadUntil("[info] arca: core: successful mount: path=monitored/ type=kv\n"))
      << info.received();
  EXPECT_TRUE(json.ReadUntil(
      R"({"@timestamp":)"))
      << json.received();
  EXPECT_TRUE(json.ReadUntil(
      R"("@level":"info","@module":"arca","@message":"core: successful mount: path=monitored/ type=kv"})"))
      << json.received();
  // The server's own output stays at its level.
  EXPECT_EQ(server->Log().find("successful mount: path=monitored/"), std::string::npos);

  // Sealing ends every stream (the error-level one too, which got no line).
  auto seal = RawHttp(port, "PUT", "/v1/sys/seal", "", {{"X-Vault-Token", root}});
  ASSERT_EQ(seal.status, 204) << seal.body;
  for (auto* c : {&info, &json, &errors}) {
    ASSERT_TRUE(c->ReadToEnd()) << c->received();
    EXPECT_NE(c->received().find("core received sealed state change, ending monitor session\n"),
              std::string::npos)
        << c->received();
    EXPECT_NE(c->received().find("\r\n0\r\n\r\n"), std::string::npos) << c->received();
  }
  EXPECT_EQ(errors.received().find("successful mount"), std::string::npos) << errors.received();
}

TEST(Monitor, ClientGoingAwayFreesItsSubscription) {
  auto server = ServerProcess::Dev();
  ASSERT_TRUE(server->running()) << server->Log();
  const int port = server->port();
  const std::string root = server->root_token();
  ASSERT_EQ(Subscribers(port, root), 0);
  {
    StreamClient a(port, "/v1/sys/monitor?log_level=trace", root);
    StreamClient b(port, "/v1/sys/monitor", root);
    ASSERT_TRUE(a.ReadUntil("\r\n\r\n") && b.ReadUntil("\r\n\r\n"));
    ASSERT_TRUE(Eventually([&] { return Subscribers(port, root) == 2; }));
    a.Close();
    EXPECT_TRUE(Eventually([&] { return Subscribers(port, root) == 1; }));
  }
  EXPECT_TRUE(Eventually([&] { return Subscribers(port, root) == 0; }));
}

TEST(Monitor, BadInputIsRefusedAndNothingIsSubscribed) {
  auto server = ServerProcess::Dev();
  ASSERT_TRUE(server->running()) << server->Log();
  const int port = server->port();
  const std::string root = server->root_token();
  const std::map<std::string, std::string> tok = {{"X-Vault-Token", root}};
  auto level = RawHttp(port, "GET", "/v1/sys/monitor?log_level=loud", "", tok);
  EXPECT_EQ(level.status, 400);
  EXPECT_EQ(level.body, R"({"errors":["unknown log level"]})");
  auto format = RawHttp(port, "GET", "/v1/sys/monitor?log_format=xml", "", tok);
  EXPECT_EQ(format.status, 400);
  EXPECT_EQ(format.body, R"({"errors":["unknown log format"]})");
  auto wrapped = RawHttp(port, "GET", "/v1/sys/monitor", "",
                         {{"X-Vault-Token", root}, {"X-Vault-Wrap-TTL", "60s"}});
  EXPECT_EQ(wrapped.status, 400) << wrapped.body;
  auto anonymous = RawHttp(port, "GET", "/v1/sys/monitor");
  EXPECT_EQ(anonymous.status, 403) << anonymous.body;
  auto post = RawHttp(port, "POST", "/v1/sys/monitor", "{}", tok);
  EXPECT_EQ(post.status, 405) << post.body;
  EXPECT_EQ(Subscribers(port, root), 0);
}

}  // namespace
}  // namespace arca::testing
