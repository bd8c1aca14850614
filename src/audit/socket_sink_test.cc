// SocketSink over TCP, UDP and Unix sockets against local listeners; timeouts on a peer that
// never reads; reconnection.
#include "audit/socket_sink.h"

#include <gtest/gtest.h>

#include "audit/test_listener.h"
#include "audit/test_util.h"

namespace arca::audit {
namespace {

using namespace std::chrono_literals;
using testing::Listener;
using testing::TempDir;

struct Case {
  const char* name;
  SocketType type;
};

class AuditSocketSinkTest : public ::testing::TestWithParam<Case> {};

TEST_P(AuditSocketSinkTest, DeliversLines) {
  TempDir dir;
  Listener l(GetParam().type, /*read=*/true, dir.File("s.sock"));
  SocketSink s({.address = l.address(), .type = GetParam().type, .write_timeout = 1s});
  ASSERT_TRUE(s.Connect());
  ASSERT_TRUE(s.Write("line one\n"));
  ASSERT_TRUE(s.Write("line two\n"));
  EXPECT_EQ(l.WaitFor(18), "line one\nline two\n");
}

INSTANTIATE_TEST_SUITE_P(Types, AuditSocketSinkTest,
                         ::testing::Values(Case{"tcp", SocketType::kTcp},
                                           Case{"udp", SocketType::kUdp},
                                           Case{"unix", SocketType::kUnix}),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(AuditSocketSink, ParseSocketType) {
  EXPECT_EQ(*ParseSocketType("udp"), SocketType::kUdp);
  EXPECT_FALSE(ParseSocketType("sctp"));
}

TEST(AuditSocketSink, ConnectFailuresAreInvalidRequest) {
  TempDir dir;
  for (SocketSinkOptions o :
       {SocketSinkOptions{.address = "no-port"}, SocketSinkOptions{.address = "127.0.0.1:"},
        SocketSinkOptions{.address = dir.File("missing.sock"), .type = SocketType::kUnix}}) {
    SocketSink s(o);
    Status st = s.Connect();
    ASSERT_FALSE(st) << o.address;
    EXPECT_EQ(st.error().kind(), ErrorKind::kInvalidRequest);
  }
  // A TCP port with nobody listening: take one and close it.
  std::string addr;
  {
    Listener l(SocketType::kTcp, false);
    addr = l.address();
  }
  SocketSink s({.address = addr, .write_timeout = 500ms});
  EXPECT_FALSE(s.Connect());
  EXPECT_FALSE(s.Write("x\n"));
}

TEST(AuditSocketSink, PeerNotReadingTimesOut) {
  Listener l(SocketType::kTcp, /*read=*/false);
  SocketSink s({.address = l.address(), .write_timeout = 200ms});
  std::string big(8 << 20, 'x');
  big += '\n';
  auto start = std::chrono::steady_clock::now();
  Status st = s.Write(big);
  auto took = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(st);
  EXPECT_NE(st.error().message().find("timed out"), std::string::npos);
  EXPECT_LT(took, 1500ms);
}

TEST(AuditSocketSink, ReconnectsAfterPeerRestart) {
  TempDir dir;
  std::string path = dir.File("r.sock");
  auto l = std::make_unique<Listener>(SocketType::kUnix, true, path);
  SocketSink s({.address = path, .type = SocketType::kUnix, .write_timeout = 1s});
  ASSERT_TRUE(s.Write("a\n"));
  EXPECT_EQ(l->WaitFor(2), "a\n");
  l.reset();
  std::filesystem::remove(path);
  l = std::make_unique<Listener>(SocketType::kUnix, true, path);
  // The first send on the dead connection may still succeed into the kernel buffer; a later
  // write sees the broken pipe and reconnects.
  bool delivered = false;
  for (int i = 0; i < 5 && !delivered; ++i) {
    (void)s.Write("b\n");
    delivered = l->WaitFor(2).find("b\n") != std::string::npos;
  }
  EXPECT_TRUE(delivered);
}

}  // namespace
}  // namespace arca::audit
