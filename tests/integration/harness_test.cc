// The harness's own guarantees: a server binds port 0 and reports the ports it got
// (-listener-address-file), so no test picks a port that another process may take; a dev
// server gets a random root token and the harness checks that its port answers with it; a
// ClosedPort is refused and cannot be taken by anyone else.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <set>

#include "integration/harness.h"

namespace arca::testing {
namespace {

std::string TwoListenerConfig(const TempDir& dir) {
  std::string cfg = dir.File("arca.hcl");
  std::ofstream(cfg) << "storage \"inmem\" {}\n"
                        "listener \"tcp\" {\n  address = \"127.0.0.1:0\"\n  tls_disable = true\n}\n"
                        "listener \"tcp\" {\n  address = \"127.0.0.1:0\"\n  tls_disable = true\n}\n"
                        "disable_mlock = true\n";
  return cfg;
}

TEST(ListenerAddressFile, ReportsTheRealPortOfEveryListener) {
  TempDir dir;
  ServerProcess server({"-config=" + TwoListenerConfig(dir)});
  ASSERT_TRUE(server.running()) << server.Log();
  ASSERT_EQ(server.ports().size(), 2u) << server.Log();
  const int a = server.ports()[0], b = server.ports()[1];
  EXPECT_GT(a, 0);
  EXPECT_GT(b, 0);
  EXPECT_NE(a, b);
  EXPECT_EQ(server.urls()[0], "http://127.0.0.1:" + std::to_string(a));
  EXPECT_EQ(server.urls()[1], "http://127.0.0.1:" + std::to_string(b));
  // Both answer (not initialized: 501), as soon as the file exists.
  EXPECT_EQ(RawHttp(a, "GET", "/v1/sys/health").status, 501);
  EXPECT_EQ(RawHttp(b, "GET", "/v1/sys/health").status, 501);
  // The banner shows the bound addresses, not the configured port 0.
  std::string log = server.Log();
  EXPECT_NE(log.find("Listener 1: tcp (addr: \"127.0.0.1:" + std::to_string(a) + "\""),
            std::string::npos) << log;
  EXPECT_NE(log.find("Listener 2: tcp (addr: \"127.0.0.1:" + std::to_string(b) + "\""),
            std::string::npos) << log;
  EXPECT_NE(log.find("Api Address: http://127.0.0.1:" + std::to_string(a) + "\n"),
            std::string::npos) << log;
}

TEST(ListenerAddressFile, BadPathsAreRefused) {
  TempDir dir;
  auto empty = RunCli({"server", "-dev", "-dev-listen-address=127.0.0.1:0",
                       "-listener-address-file="});
  EXPECT_EQ(empty.exit_code, 1);
  EXPECT_NE(empty.err.find("-listener-address-file needs a path"), std::string::npos) << empty.err;
  // A file that cannot be written: the server says so and exits instead of serving unreported.
  const std::string missing = dir.File("no/such/dir/listeners");
  auto unwritable = RunCli({"server", "-dev", "-dev-listen-address=127.0.0.1:0",
                            "-listener-address-file=" + missing});
  EXPECT_EQ(unwritable.exit_code, 1);
  EXPECT_NE(unwritable.err.find("-listener-address-file: cannot write " + missing),
            std::string::npos) << unwritable.err;
}

TEST(ServerProcessHarness, AServerThatExitsIsNotRunning) {
  ServerProcess server({"-no-such-flag"});
  EXPECT_FALSE(server.running());
  EXPECT_EQ(server.port(), 0);
  std::string log = server.Log();
  EXPECT_NE(log.find("exited before reporting its listeners"), std::string::npos) << log;
  EXPECT_NE(log.find("flag provided but not defined: -no-such-flag"), std::string::npos) << log;
}

TEST(DevServerHarness, EachServerHasItsOwnRootTokenAndPort) {
  auto a = ServerProcess::Dev();
  auto b = ServerProcess::Dev();
  ASSERT_TRUE(a->running()) << a->Log();
  ASSERT_TRUE(b->running()) << b->Log();
  EXPECT_NE(a->port(), b->port());
  EXPECT_NE(a->root_token(), b->root_token());
  EXPECT_EQ(a->root_token().size(), 5u + 32u) << a->root_token();
  // The check Dev() makes: it holds for a server and its own token only, so it would catch a
  // test talking to another test's server.
  EXPECT_TRUE(AnswersWithToken(a->port(), a->root_token()));
  EXPECT_TRUE(AnswersWithToken(b->port(), b->root_token()));
  EXPECT_FALSE(AnswersWithToken(a->port(), b->root_token()));
  EXPECT_FALSE(AnswersWithToken(b->port(), a->root_token()));
  EXPECT_FALSE(AnswersWithToken(a->port(), "root"));
  ClosedPort nobody;
  EXPECT_FALSE(AnswersWithToken(nobody.port(), a->root_token()));
}

TEST(ClosedPortHarness, RefusesConnectionsAndCannotBeTaken) {
  ClosedPort closed;
  ASSERT_GT(closed.port(), 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(closed.port()));
  int c = socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(c, 0);
  EXPECT_NE(connect(c, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  EXPECT_EQ(errno, ECONNREFUSED);
  close(c);
  // Another socket cannot bind it, even with SO_REUSEADDR (as servers set it) ...
  int other = socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  setsockopt(other, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  EXPECT_NE(bind(other, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  EXPECT_EQ(errno, EADDRINUSE);
  close(other);
  // ... so no ServerProcess can be on it: a port-0 server gets another one.
  auto dev = ServerProcess::Dev();
  ASSERT_TRUE(dev->running()) << dev->Log();
  EXPECT_NE(dev->port(), closed.port());
}

}  // namespace
}  // namespace arca::testing
