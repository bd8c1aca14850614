#include "api/http_pool.h"

#include <gtest/gtest.h>

#include "api/test_server.h"

namespace arca::api {
namespace {

using testing::CannedResponse;
using testing::SeenRequest;
using testing::TestServer;

TEST(HttpPool, ReusesOneKeepAliveConnectionForSequentialPosts) {
  TestServer server([](const SeenRequest& r) {
    return CannedResponse{200, "{\"echo\":" + r.body + "}"};
  });
  auto pool = HttpPool::Create(server.address(), {});
  ASSERT_TRUE(pool) << pool.error().ToString();
  for (int i = 0; i < 3; ++i) {
    auto r = (*pool)->Post("/v3/kv/put", std::to_string(i), {{"Authorization", "tok"}});
    ASSERT_TRUE(r) << r.error().ToString();
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->body, "{\"echo\":" + std::to_string(i) + "}");
  }
  EXPECT_EQ(server.connections(), 1);
  auto seen = server.requests();
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_EQ(seen[0].method, "POST");
  EXPECT_EQ(seen[0].target, "/v3/kv/put");
  EXPECT_EQ(seen[0].headers["authorization"], "tok");
  EXPECT_EQ(seen[0].headers["content-type"], "application/json");
}

TEST(HttpPool, AConnectionTheServerDroppedIsReplacedOnce) {
  TestServer server([](const SeenRequest&) {
    CannedResponse c{200, "{}"};
    c.close_silently = true;
    return c;
  });
  auto pool = HttpPool::Create(server.address(), {});
  ASSERT_TRUE(pool);
  ASSERT_TRUE((*pool)->Post("/a", "{}"));
  auto second = (*pool)->Post("/b", "{}");  // the idle connection was closed by the server
  ASSERT_TRUE(second) << second.error().ToString();
  EXPECT_EQ(server.connections(), 2);
}

TEST(HttpPool, ErrorStatusesAreResponses) {
  TestServer server([](const SeenRequest&) { return CannedResponse{503, "{\"code\":14}"}; });
  auto pool = HttpPool::Create(server.address(), {});
  ASSERT_TRUE(pool);
  auto r = (*pool)->Post("/x", "{}");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 503);
}

TEST(HttpPool, TransportFailuresAreUnavailableAndNameTheUrl) {
  const std::string dead = "http://127.0.0.1:" + std::to_string(testing::UnusedPort());
  auto pool = HttpPool::Create(dead, {});
  ASSERT_TRUE(pool);
  auto r = (*pool)->Post("/v3/kv/range", "{}");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind(), ErrorKind::kUnavailable);
  EXPECT_NE(r.error().message().find("Post \"" + dead + "/v3/kv/range\""), std::string::npos)
      << r.error().message();
  EXPECT_NE(r.error().message().find("connection refused"), std::string::npos);

  TestServer slow([](const SeenRequest&) {
    CannedResponse c{200, "{}"};
    c.delay_ms = 800;
    return c;
  });
  HttpPoolOptions o;
  o.timeout = std::chrono::milliseconds(200);
  auto sp = HttpPool::Create(slow.address(), o);
  ASSERT_TRUE(sp);
  auto t = (*sp)->Post("/slow", "{}");
  ASSERT_FALSE(t);
  EXPECT_NE(t.error().message().find("context deadline exceeded"), std::string::npos)
      << t.error().message();

  TestServer big([](const SeenRequest&) { return CannedResponse{200, std::string(5000, 'x')}; });
  HttpPoolOptions small;
  small.max_body = 1000;
  auto bp = HttpPool::Create(big.address(), small);
  ASSERT_TRUE(bp);
  auto b = (*bp)->Post("/big", "{}");
  ASSERT_FALSE(b);
  EXPECT_NE(b.error().message().find("larger than 1000 bytes"), std::string::npos)
      << b.error().message();
}

TEST(HttpPool, BadOriginsAreRefused) {
  for (const char* bad :
       {"127.0.0.1:2379", "ftp://h:1", "http://h:1/path", "http://", "http://u@h:1"}) {
    auto p = HttpPool::Create(bad, {});
    ASSERT_FALSE(p) << bad;
    EXPECT_EQ(p.error().kind(), ErrorKind::kInvalidRequest) << bad;
  }
  HttpPoolOptions o;
  o.ca_file = "/nonexistent/ca.pem";
  auto p = HttpPool::Create("https://127.0.0.1:1", o);
  ASSERT_FALSE(p);
  EXPECT_NE(p.error().message().find("/nonexistent/ca.pem"), std::string::npos);
}

}  // namespace
}  // namespace arca::api
