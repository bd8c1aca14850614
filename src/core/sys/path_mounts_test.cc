// sys/internal/ui/mounts and sys/internal/ui/mounts/:path: which mounts a caller may see
// (issue 16 #8), through Core::HandleRequest.
#include <gtest/gtest.h>

#include <set>

#include "core/testing.h"

namespace arca::core {
namespace {

using logical::Operation;

class UiMounts : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = t_.InitAndUnseal();
    ASSERT_FALSE(root_.empty());
    for (const char* m : {"team-a", "team-b", "shared", "hidden"}) {
      ASSERT_TRUE(t_.Do(Operation::kUpdate, std::string("sys/mounts/") + m,
                        json::object{{"type", "kv"}, {"description", std::string("kv ") + m}},
                        root_));
    }
    ASSERT_TRUE(t_.Do(Operation::kUpdate, "sys/mounts/shared/tune",
                      json::object{{"listing_visibility", "unauth"}}, root_));
  }
  std::string Token(const std::string& policy_hcl) {
    EXPECT_TRUE(t_.Do(Operation::kUpdate, "sys/policies/acl/p" + std::to_string(++n_),
                      json::object{{"policy", policy_hcl}}, root_));
    auto r = t_.Do(Operation::kUpdate, "auth/token/create",
                   json::object{{"policies", "p" + std::to_string(n_)}}, root_);
    return r && r->auth ? r->auth->client_token : "";
  }
  // The secret and auth mount paths the token (or no token) sees.
  std::set<std::string> Visible(const std::string& token, const char* table = "secret") {
    auto r = t_.Do(Operation::kRead, "sys/internal/ui/mounts", {}, token);
    EXPECT_TRUE(r) << r.error().ToString();
    std::set<std::string> out;
    if (!r) return out;
    for (const auto& kv : r->data.at(table).as_object()) out.emplace(kv.key());
    return out;
  }
  int ReadOne(const std::string& path, const std::string& token) {
    auto r = t_.Do(Operation::kRead, "sys/internal/ui/mounts/" + path, {}, token);
    return r ? 200 : r.error().http_status();
  }
  TestCore t_;
  std::string root_;
  int n_ = 0;
};

TEST_F(UiMounts, ListShowsOnlyMountsTheTokenHasAccessUnder) {
  // Root sees every mount (so there is something to hide from the others).
  std::set<std::string> all = Visible(root_);
  for (const char* m : {"team-a/", "team-b/", "shared/", "hidden/", "sys/", "cubbyhole/"}) {
    EXPECT_TRUE(all.contains(m)) << m;
  }
  EXPECT_TRUE(Visible(root_, "auth").contains("token/"));

  std::string a = Token(R"(
    path "team-a/app/*" { capabilities = ["read"] }
    path "team-b/*" { capabilities = ["deny"] }
    path "hidden" { capabilities = ["deny"] }
  )");
  std::set<std::string> seen = Visible(a);
  EXPECT_TRUE(seen.contains("team-a/"));     // a grant below the mount
  EXPECT_TRUE(seen.contains("shared/"));     // listing_visibility = "unauth"
  EXPECT_FALSE(seen.contains("team-b/"));    // denied
  EXPECT_FALSE(seen.contains("hidden/"));    // nothing granted
  EXPECT_TRUE(seen.contains("sys/"));        // the default policy grants sys/capabilities-self etc.
  EXPECT_TRUE(seen.contains("cubbyhole/"));  // the default policy grants cubbyhole/*
  // The default policy's auth/token/lookup-self etc. make the token mount visible.
  EXPECT_TRUE(Visible(a, "auth").contains("token/"));

  // A rule on the mount path itself counts too.
  std::string b = Token(R"(path "team-b/" { capabilities = ["list"] })");
  EXPECT_TRUE(Visible(b).contains("team-b/"));
  EXPECT_FALSE(Visible(b).contains("team-a/"));
}

TEST_F(UiMounts, UnauthenticatedCallersSeeOnlyUnauthListedMountsInBrief) {
  for (const std::string& token : {std::string(), std::string("hvs.not-a-token")}) {
    auto r = t_.Do(Operation::kRead, "sys/internal/ui/mounts", {}, token);
    ASSERT_TRUE(r) << r.error().ToString();
    const json::object& secret = r->data.at("secret").as_object();
    ASSERT_EQ(secret.size(), 1u) << json::serialize(secret);
    const json::object& shared = secret.at("shared/").as_object();
    EXPECT_EQ(shared.at("type").as_string(), "kv");
    EXPECT_EQ(shared.at("description").as_string(), "kv shared");
    EXPECT_FALSE(shared.contains("accessor"));
    EXPECT_FALSE(shared.contains("uuid"));
    EXPECT_TRUE(r->data.at("auth").as_object().empty());
  }
}

TEST_F(UiMounts, ReadOneNeedsAccessUnderTheMount) {
  std::string a = Token(R"(
    path "team-a/app/*" { capabilities = ["read"] }
    path "team-b/*" { capabilities = ["deny"] }
  )");
  EXPECT_EQ(ReadOne("team-a/app/db", a), 200);
  EXPECT_EQ(ReadOne("team-a", a), 200);
  auto ok = t_.Do(Operation::kRead, "sys/internal/ui/mounts/team-a/x", {}, a);
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->data.at("path").as_string(), "team-a/");
  // No access and no such mount answer alike: 403 with Vault's message.
  auto denied = t_.Do(Operation::kRead, "sys/internal/ui/mounts/team-b/x", {}, a);
  ASSERT_FALSE(denied);
  EXPECT_EQ(denied.error().http_status(), 403);
  EXPECT_EQ(denied.error().message(),
            "preflight capability check returned 403, please ensure client's policies grant "
            "access to path \"team-b/x/\"");
  EXPECT_EQ(ReadOne("hidden/x", a), 403);
  EXPECT_EQ(ReadOne("no-such-mount/x", a), 403);
  EXPECT_EQ(ReadOne("no-such-mount/x", root_), 403);
  EXPECT_EQ(ReadOne("hidden/x", root_), 200);
  EXPECT_EQ(ReadOne("team-a/x", ""), 403);
}

}  // namespace
}  // namespace arca::core
