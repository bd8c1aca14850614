// Rate limit quotas: the manager (windows, blocking, matching, exemptions) and the sys paths
// through the core (429 with Retry-After and X-Ratelimit-* headers, bad input).
#include "core/quotas/quota_manager.h"

#include <gtest/gtest.h>

#include "core/testing.h"
#include "logical/storage.h"

namespace arca::core {
namespace {

using logical::Operation;
using std::chrono::seconds;
using Clock = std::chrono::steady_clock;

class Manager : public ::testing::Test {
 protected:
  logical::InmemStorage storage_;
  QuotaManager m_{storage_};
};

TEST_F(Manager, FixedWindowPerClient) {
  ASSERT_TRUE(m_.Put({"q", "", 3, seconds(10), seconds(0), true}));
  auto t0 = Clock::now();
  for (int i = 0; i < 3; ++i) {
    auto d = m_.Check("secret/a", "secret/", "10.0.0.1", t0);
    EXPECT_TRUE(d.allowed);
    EXPECT_EQ(d.remaining, 2 - i);
    EXPECT_EQ(d.quota, "q");
  }
  auto refused = m_.Check("secret/a", "secret/", "10.0.0.1", t0 + seconds(1));
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(refused.retry_after, 9);  // until the window ends
  // Another client has its own window.
  EXPECT_TRUE(m_.Check("secret/a", "secret/", "10.0.0.2", t0 + seconds(1)).allowed);
  // The next window lets the first client in again.
  EXPECT_TRUE(m_.Check("secret/a", "secret/", "10.0.0.1", t0 + seconds(10)).allowed);
}

TEST_F(Manager, BlockIntervalKeepsAClientOut) {
  ASSERT_TRUE(m_.Put({"q", "", 1, seconds(1), seconds(30), true}));
  auto t0 = Clock::now();
  EXPECT_TRUE(m_.Check("kv/x", "kv/", "c", t0).allowed);
  auto over = m_.Check("kv/x", "kv/", "c", t0);
  EXPECT_FALSE(over.allowed);
  EXPECT_EQ(over.retry_after, 30);
  // Windows have rolled over, but the block holds.
  auto still = m_.Check("kv/x", "kv/", "c", t0 + seconds(5));
  EXPECT_FALSE(still.allowed);
  EXPECT_EQ(still.retry_after, 25);
  EXPECT_TRUE(m_.Check("kv/x", "kv/", "c", t0 + seconds(31)).allowed);
}

TEST_F(Manager, MostSpecificQuotaWins) {
  ASSERT_TRUE(m_.Put({"global", "", 100, seconds(1), seconds(0), true}));
  ASSERT_TRUE(m_.Put({"mount", "secret/", 50, seconds(1), seconds(0), true}));
  ASSERT_TRUE(m_.Put({"prefix", "secret/app/*", 20, seconds(1), seconds(0), true}));
  ASSERT_TRUE(m_.Put({"longer", "secret/app/db/*", 10, seconds(1), seconds(0), true}));
  ASSERT_TRUE(m_.Put({"exact", "secret/app/db/pw", 5, seconds(1), seconds(0), true}));
  auto t = Clock::now();
  EXPECT_EQ(m_.Check("other/x", "other/", "c", t).quota, "global");
  EXPECT_EQ(m_.Check("secret/x", "secret/", "c", t).quota, "mount");
  EXPECT_EQ(m_.Check("secret/app/x", "secret/", "c", t).quota, "prefix");
  EXPECT_EQ(m_.Check("secret/app/db/x", "secret/", "c", t).quota, "longer");
  EXPECT_EQ(m_.Check("secret/app/db/pw", "secret/", "c", t).quota, "exact");
  // Two quotas on one path are refused; the first stays.
  auto dup = m_.Put({"dup", "secret/", 1, seconds(1), seconds(0), true});
  ASSERT_FALSE(dup);
  EXPECT_EQ(dup.error().kind(), ErrorKind::kInvalidRequest);
  EXPECT_FALSE(m_.Get("dup"));
  ASSERT_TRUE(m_.DeleteUnderMount("secret/"));
  EXPECT_EQ(m_.List(), std::vector<std::string>{"global"});
}

TEST_F(Manager, ExemptPathsAndPersistence) {
  ASSERT_TRUE(m_.Put({"q", "", 1, seconds(60), seconds(0), true}));
  QuotaConfig c = QuotaConfig::Defaults();
  c.rate_limit_exempt_paths.push_back("sys/internal/*");
  c.enable_rate_limit_response_headers = true;
  ASSERT_TRUE(m_.SetConfig(c));
  auto t = Clock::now();
  for (int i = 0; i < 5; ++i) {
    EXPECT_TRUE(m_.Check("sys/internal/ui/mounts", "sys/", "c", t).allowed);
    EXPECT_TRUE(m_.Check("sys/health", "sys/", "c", t).allowed);
  }
  // A fresh manager on the same storage knows the quota and the config.
  QuotaManager again(storage_);
  ASSERT_TRUE(again.Load());
  ASSERT_TRUE(again.Get("q"));
  EXPECT_EQ(again.Get("q")->interval, seconds(60));
  EXPECT_TRUE(again.Config().enable_rate_limit_response_headers);
  EXPECT_TRUE(again.Check("kv/a", "kv/", "c", t).allowed);
  EXPECT_FALSE(again.Check("kv/a", "kv/", "c", t).allowed);
  again.Reset();
  EXPECT_TRUE(again.Check("kv/a", "kv/", "c", t).allowed);  // no quota after Reset
}

TEST_F(Manager, BadQuotasAreRefused) {
  for (const RateLimitQuota& q : std::vector<RateLimitQuota>{
           {"", "", 1, seconds(1), seconds(0), true},
           {"bad name", "", 1, seconds(1), seconds(0), true},
           {"q", "", 0, seconds(1), seconds(0), true},
           {"q", "", -3, seconds(1), seconds(0), true},
           {"q", "", 1, seconds(0), seconds(0), true},
           {"q", "", 1, seconds(1), seconds(-1), true}}) {
    auto s = m_.Put(q);
    ASSERT_FALSE(s) << q.name << " " << q.rate;
    EXPECT_EQ(s.error().kind(), ErrorKind::kInvalidRequest);
  }
  EXPECT_TRUE(m_.List().empty());
}

class QuotaPathsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = t_.InitAndUnseal();
    ASSERT_TRUE(Do(Operation::kUpdate, "sys/mounts/kv", {{"type", "kv"}}));
    ASSERT_TRUE(Do(Operation::kUpdate, "kv/a", {{"v", "1"}}));
  }
  Result<logical::Response> Do(Operation op, const std::string& path, json::object body = {},
                               const std::string& addr = "127.0.0.1") {
    logical::Request req;
    req.operation = op;
    req.path = path;
    req.data = std::move(body);
    req.client_token = root_;
    req.remote_addr = addr;
    return t_.core->HandleRequest(req);
  }
  TestCore t_;
  std::string root_;
};

TEST_F(QuotaPathsTest, RefusesWith429AndHeaders) {
  ASSERT_TRUE(Do(Operation::kUpdate, "sys/quotas/rate-limit/kvq",
                 {{"path", "kv"}, {"rate", 2}, {"interval", "1m"}}));
  auto read = Do(Operation::kRead, "sys/quotas/rate-limit/kvq");
  ASSERT_TRUE(read) << read.error().ToString();
  EXPECT_EQ(read->data.at("path").as_string(), "kv/");
  EXPECT_EQ(read->data.at("type").as_string(), "rate-limit");
  EXPECT_EQ(read->data.at("interval").as_int64(), 60);
  ASSERT_TRUE(Do(Operation::kUpdate, "sys/quotas/config",
                 {{"enable_rate_limit_response_headers", true}}));

  auto first = Do(Operation::kRead, "kv/a");
  ASSERT_TRUE(first);
  EXPECT_EQ(first->headers.at("X-Ratelimit-Limit"), "2");
  EXPECT_EQ(first->headers.at("X-Ratelimit-Remaining"), "1");
  ASSERT_TRUE(Do(Operation::kRead, "kv/a"));
  auto third = Do(Operation::kRead, "kv/a");
  ASSERT_TRUE(third);  // answered, as a 429 raw response
  ASSERT_TRUE(third->raw);
  EXPECT_EQ(third->raw->status, 429);
  EXPECT_NE(third->raw->body.find("rate limit quota exceeded"), std::string::npos);
  EXPECT_GE(std::stoi(third->headers.at("Retry-After")), 1);
  EXPECT_EQ(third->headers.at("X-Ratelimit-Remaining"), "0");
  // A write refused by the quota changes nothing.
  auto write = Do(Operation::kUpdate, "kv/a", {{"v", "2"}});
  ASSERT_TRUE(write && write->raw && write->raw->status == 429);
  // Other clients and other mounts are not affected.
  auto other = Do(Operation::kRead, "kv/a", {}, "10.1.1.1");
  ASSERT_TRUE(other);
  EXPECT_FALSE(other->raw);
  EXPECT_EQ(other->data.at("v").as_string(), "1");
  // sys/ is not under the quota: it can be lifted.
  ASSERT_TRUE(Do(Operation::kDelete, "sys/quotas/rate-limit/kvq"));
  auto after = Do(Operation::kRead, "kv/a");
  ASSERT_TRUE(after);
  EXPECT_FALSE(after->raw);
  EXPECT_EQ(after->data.at("v").as_string(), "1");
}

TEST_F(QuotaPathsTest, BadInputChangesNothing) {
  struct Case {
    std::string path;
    json::object body;
  };
  const std::vector<Case> cases = {
      {"sys/quotas/rate-limit/q", {{"path", "kv"}}},                      // no rate
      {"sys/quotas/rate-limit/q", {{"rate", 0}}},                         // rate not positive
      {"sys/quotas/rate-limit/q", {{"rate", "fast"}}},                    // rate not a number
      {"sys/quotas/rate-limit/q", {{"rate", 1}, {"path", "nomount/"}}},   // unknown mount
      {"sys/quotas/rate-limit/q", {{"rate", 1}, {"path", "kv/*/x"}}},     // glob not at the end
      {"sys/quotas/rate-limit/q", {{"rate", 1}, {"interval", "soon"}}},   // bad duration
      {"sys/quotas/rate-limit/q", {{"rate", 1}, {"role", "web"}}},        // roles unsupported
      {"sys/quotas/config", {{"enable_rate_limit_response_headers", "maybe"}}},
  };
  for (const auto& c : cases) {
    auto r = Do(Operation::kUpdate, c.path, c.body);
    ASSERT_FALSE(r) << c.path << " " << json::serialize(c.body);
    EXPECT_EQ(r.error().http_status(), 400) << json::serialize(c.body);
  }
  auto list = Do(Operation::kList, "sys/quotas/rate-limit/");
  EXPECT_FALSE(list && !list->empty_list);
  auto missing = Do(Operation::kRead, "sys/quotas/rate-limit/q");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().http_status(), 404);
  auto cfg = Do(Operation::kRead, "sys/quotas/config");
  ASSERT_TRUE(cfg);
  EXPECT_FALSE(cfg->data.at("enable_rate_limit_response_headers").as_bool());
  EXPECT_EQ(cfg->data.at("rate_limit_exempt_paths").as_array().size(), 7u);
}

TEST_F(QuotaPathsTest, QuotasSurviveSealAndGoWithTheirMount) {
  ASSERT_TRUE(Do(Operation::kUpdate, "sys/quotas/rate-limit/kvq", {{"path", "kv/"}, {"rate", 1}}));
  ASSERT_TRUE(t_.core->Seal());
  ASSERT_TRUE(t_.core->UnsealWithKeys(t_.keys));
  ASSERT_TRUE(Do(Operation::kRead, "sys/quotas/rate-limit/kvq"));
  ASSERT_TRUE(Do(Operation::kDelete, "sys/mounts/kv"));
  EXPECT_FALSE(Do(Operation::kRead, "sys/quotas/rate-limit/kvq"));
}

}  // namespace
}  // namespace arca::core
