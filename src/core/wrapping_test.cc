// Response wrapping through the core: wrap, unwrap once, lookup, rewrap, expiry, policy bounds.
#include <gtest/gtest.h>

#include <thread>

#include "core/testing.h"

namespace arca::core {
namespace {

using logical::Operation;

class Wrapping : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = t_.InitAndUnseal();
    ASSERT_FALSE(root_.empty());
    ASSERT_TRUE(t_.Do(Operation::kUpdate, "sys/mounts/kv", json::object{{"type", "kv"}}, root_));
    ASSERT_TRUE(t_.Do(Operation::kUpdate, "kv/app", json::object{{"password", "s3cret"}}, root_));
  }
  Result<logical::Response> Do(Operation op, std::string path, json::object data,
                               std::string token, std::chrono::seconds wrap = {}) {
    logical::Request req;
    req.operation = op;
    req.path = std::move(path);
    req.data = std::move(data);
    req.client_token = std::move(token);
    req.wrap_ttl = wrap;
    return t_.core->HandleRequest(req);
  }
  std::string WrapKvRead(std::chrono::seconds ttl) {
    auto r = Do(Operation::kRead, "kv/app", {}, root_, ttl);
    EXPECT_TRUE(r) << r.error().ToString();
    if (!r || !r->wrap_info) return "";
    EXPECT_TRUE(r->data.empty());
    EXPECT_EQ(r->wrap_info->creation_path, "kv/app");
    EXPECT_EQ(r->wrap_info->ttl, ttl);
    return r->wrap_info->token;
  }
  ManualClock clock_;
  TestCore t_{nullptr, &clock_};
  std::string root_;
};

TEST_F(Wrapping, UnwrapsOnceAndOnlyOnce) {
  std::string wt = WrapKvRead(std::chrono::seconds(60));
  ASSERT_FALSE(wt.empty());
  // The wrapping token can do nothing but unwrap/lookup/rewrap.
  auto denied = Do(Operation::kRead, "kv/app", {}, wt);
  ASSERT_FALSE(denied);
  EXPECT_EQ(denied.error().http_status(), 403);

  auto look = Do(Operation::kUpdate, "sys/wrapping/lookup", {{"token", wt}}, "");  // no auth
  ASSERT_TRUE(look) << look.error().ToString();
  EXPECT_EQ(look->data.at("creation_path").as_string(), "kv/app");
  EXPECT_EQ(look->data.at("creation_ttl").as_int64(), 60);

  auto un = Do(Operation::kUpdate, "sys/wrapping/unwrap", {}, wt);
  ASSERT_TRUE(un) << un.error().ToString();
  ASSERT_TRUE(un->raw);
  auto body = ParseJsonObject(un->raw->body);
  ASSERT_TRUE(body);
  EXPECT_EQ(body->at("data").as_object().at("password").as_string(), "s3cret");

  auto again = Do(Operation::kUpdate, "sys/wrapping/unwrap", {{"token", wt}}, root_);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().http_status(), 400);
  EXPECT_EQ(again.error().message(), "wrapping token is not valid or does not exist");
  EXPECT_FALSE(Do(Operation::kUpdate, "sys/wrapping/lookup", {{"token", wt}}, ""));
  // No token anywhere: a clear 400, not a crash.
  auto none = Do(Operation::kUpdate, "sys/wrapping/lookup", {}, "");
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().http_status(), 400);
  EXPECT_EQ(none.error().message(), "no wrapping token given");
}

TEST_F(Wrapping, ConcurrentUnwrapsAdmitExactlyOne) {
  std::string wt = WrapKvRead(std::chrono::seconds(60));
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&] {
      if (Do(Operation::kUpdate, "sys/wrapping/unwrap", {{"token", wt}}, root_)) ++ok;
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(ok.load(), 1);
}

TEST_F(Wrapping, WrapEndpointRewrapAndExpiry) {
  auto w = Do(Operation::kUpdate, "sys/wrapping/wrap", {{"k", "v"}}, root_, std::chrono::seconds(120));
  ASSERT_TRUE(w) << w.error().ToString();
  ASSERT_TRUE(w->wrap_info);
  EXPECT_EQ(w->wrap_info->creation_path, "sys/wrapping/wrap");
  auto re = Do(Operation::kUpdate, "sys/wrapping/rewrap", {{"token", w->wrap_info->token}}, root_);
  ASSERT_TRUE(re) << re.error().ToString();
  ASSERT_TRUE(re->wrap_info);
  EXPECT_NE(re->wrap_info->token, w->wrap_info->token);
  EXPECT_EQ(re->wrap_info->creation_path, "sys/wrapping/wrap");
  EXPECT_FALSE(Do(Operation::kUpdate, "sys/wrapping/unwrap", {{"token", w->wrap_info->token}}, root_));
  auto un = Do(Operation::kUpdate, "sys/wrapping/unwrap", {{"token", re->wrap_info->token}}, root_);
  ASSERT_TRUE(un) << un.error().ToString();
  EXPECT_EQ(ParseJsonObject(un->raw->body)->at("data").as_object().at("k").as_string(), "v");

  // Without a wrap TTL the wrap endpoint refuses.
  auto no_ttl = Do(Operation::kUpdate, "sys/wrapping/wrap", {{"k", "v"}}, root_);
  ASSERT_FALSE(no_ttl);
  EXPECT_EQ(no_ttl.error().http_status(), 400);

  // An expired wrapping token fails; within its TTL the same token is valid.
  std::string short_lived = WrapKvRead(std::chrono::seconds(1));
  EXPECT_TRUE(Do(Operation::kUpdate, "sys/wrapping/lookup", {{"token", short_lived}}, ""));
  clock_.Advance(std::chrono::seconds(2));
  auto expired = Do(Operation::kUpdate, "sys/wrapping/unwrap", {{"token", short_lived}}, root_);
  ASSERT_FALSE(expired);
  EXPECT_EQ(expired.error().http_status(), 400);
}

TEST_F(Wrapping, PolicyWrappingBoundsAreEnforced) {
  ASSERT_TRUE(Do(Operation::kUpdate, "sys/policies/acl/w",
                 {{"policy", R"(path "kv/app" {
                    capabilities = ["read"]
                    min_wrapping_ttl = "10s"
                    max_wrapping_ttl = "1m"
                  })"}},
                 root_));
  auto tok = Do(Operation::kUpdate, "auth/token/create", {{"policies", json::array{"w"}}}, root_);
  ASSERT_TRUE(tok);
  std::string t = tok->auth->client_token;
  auto status = [&](std::chrono::seconds wrap) {
    auto r = Do(Operation::kRead, "kv/app", {}, t, wrap);
    return r ? 200 : r.error().http_status();
  };
  EXPECT_EQ(status(std::chrono::seconds(0)), 400);   // wrapping required
  EXPECT_EQ(status(std::chrono::seconds(5)), 400);   // below the minimum
  EXPECT_EQ(status(std::chrono::seconds(120)), 400); // above the maximum
  EXPECT_EQ(status(std::chrono::seconds(30)), 200);
}

TEST_F(Wrapping, ResponseWrappingPolicyIsBuiltIn) {
  auto put = Do(Operation::kUpdate, "sys/policies/acl/response-wrapping",
                {{"policy", R"(path "*" { capabilities = ["sudo"] })"}}, root_);
  ASSERT_FALSE(put);
  EXPECT_EQ(put.error().http_status(), 400);
  auto del = Do(Operation::kDelete, "sys/policies/acl/response-wrapping", {}, root_);
  ASSERT_FALSE(del);
  EXPECT_EQ(del.error().http_status(), 400);
}

}  // namespace
}  // namespace arca::core
