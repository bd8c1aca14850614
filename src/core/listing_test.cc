// LIST pagination, SCAN and ACL-filtered listings through Core::HandleRequest.
#include <gtest/gtest.h>

#include "core/policy/pattern.h"
#include "core/testing.h"

namespace arca::core {
namespace {

using logical::Operation;

std::vector<std::string> Keys(const logical::Response& r) {
  std::vector<std::string> out;
  for (const auto& k : r.data.at("keys").as_array()) out.emplace_back(k.as_string());
  return out;
}

class Listing : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = t_.InitAndUnseal();
    ASSERT_FALSE(root_.empty());
    ASSERT_TRUE(t_.Do(Operation::kUpdate, "sys/mounts/kv", json::object{{"type", "kv"}}, root_));
    ASSERT_TRUE(t_.Do(Operation::kUpdate, "sys/mounts/v2",
                      json::object{{"type", "kv"}, {"options", json::object{{"version", "2"}}}},
                      root_));
    for (const char* k : {"a", "b", "c", "d", "e", "team-a/x", "team-a/y", "team-b/z",
                          "team-b/deep/w"}) {
      ASSERT_TRUE(t_.Do(Operation::kUpdate, std::string("kv/") + k, json::object{{"v", "1"}}, root_));
      ASSERT_TRUE(t_.Do(Operation::kUpdate, std::string("v2/data/") + k,
                        json::object{{"data", json::object{{"v", "1"}}}}, root_));
    }
  }
  Result<logical::Response> List(const std::string& path, json::object q = {},
                                 std::string token = "", Operation op = Operation::kList) {
    return t_.Do(op, path, std::move(q), token.empty() ? root_ : token);
  }
  std::string Token(const std::string& policy_hcl) {
    EXPECT_TRUE(t_.Do(Operation::kUpdate, "sys/policies/acl/p", json::object{{"policy", policy_hcl}},
                      root_));
    auto r = t_.Do(Operation::kUpdate, "auth/token/create", json::object{{"policies", "p"}}, root_);
    return r && r->auth ? r->auth->client_token : "";
  }
  TestCore t_;
  std::string root_;
};

TEST_F(Listing, AfterAndLimitPage) {
  auto all = List("kv/");
  ASSERT_TRUE(all);
  EXPECT_EQ(Keys(*all), (std::vector<std::string>{"a", "b", "c", "d", "e", "team-a/", "team-b/"}));

  auto first = List("kv/", {{"limit", "2"}});
  ASSERT_TRUE(first) << first.error().ToString();
  EXPECT_EQ(Keys(*first), (std::vector<std::string>{"a", "b"}));
  auto next = List("kv/", {{"after", "b"}, {"limit", 3}});
  ASSERT_TRUE(next);
  EXPECT_EQ(Keys(*next), (std::vector<std::string>{"c", "d", "e"}));
  // "after" need not be an existing key.
  auto tail = List("kv/", {{"after", "d1"}});
  ASSERT_TRUE(tail);
  EXPECT_EQ(Keys(*tail), (std::vector<std::string>{"e", "team-a/", "team-b/"}));
  // limit 0 means all; past the end is an empty listing (404 as for any empty LIST).
  EXPECT_EQ(Keys(*List("kv/", {{"limit", "0"}})).size(), 7u);
  auto past = List("kv/", {{"after", "zzz"}});
  ASSERT_TRUE(past);
  EXPECT_TRUE(past->empty_list);
  // The same works on another engine (KV v2 metadata).
  auto v2 = List("v2/metadata/", {{"after", "e"}, {"limit", "1"}});
  ASSERT_TRUE(v2) << v2.error().ToString();
  EXPECT_EQ(Keys(*v2), (std::vector<std::string>{"team-a/"}));
}

TEST_F(Listing, BadPaginationIsRejected) {
  for (json::value bad : {json::value("-1"), json::value("ten"), json::value("1.5"),
                          json::value(-3), json::value(""), json::value(json::array{})}) {
    auto r = List("kv/", {{"limit", bad}});
    ASSERT_FALSE(r) << json::serialize(bad);
    EXPECT_EQ(r.error().http_status(), 400);
  }
  auto r = List("kv/", {{"after", 5}});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().http_status(), 400);
}

TEST_F(Listing, ScanIsRecursive) {
  auto r = List("kv/", {}, "", Operation::kScan);
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(Keys(*r), (std::vector<std::string>{"a", "b", "c", "d", "e", "team-a/x", "team-a/y",
                                                 "team-b/deep/w", "team-b/z"}));
  auto sub = List("v2/metadata/team-b/", {}, "", Operation::kScan);
  ASSERT_TRUE(sub) << sub.error().ToString();
  EXPECT_EQ(Keys(*sub), (std::vector<std::string>{"deep/w", "z"}));
  auto paged = List("kv/", {{"after", "team-a/x"}, {"limit", "2"}}, "", Operation::kScan);
  ASSERT_TRUE(paged);
  EXPECT_EQ(Keys(*paged), (std::vector<std::string>{"team-a/y", "team-b/deep/w"}));
  auto missing = List("kv/nothing/", {}, "", Operation::kScan);
  ASSERT_TRUE(missing);
  EXPECT_TRUE(missing->empty_list);
}

TEST_F(Listing, ScanNeedsTheScanCapability) {
  std::string list_only = Token(R"(path "kv/*" { capabilities = ["list", "read"] })");
  auto r = List("kv/", {}, list_only, Operation::kScan);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().http_status(), 403);
  EXPECT_TRUE(List("kv/", {}, list_only));
  std::string scanner = Token(R"(path "kv/*" { capabilities = ["scan"] })");
  auto ok = List("kv/", {}, scanner, Operation::kScan);
  ASSERT_TRUE(ok) << ok.error().ToString();
  EXPECT_EQ(Keys(*ok).size(), 9u);
}

// Issue 16 #3: SCAN walked every folder below the scanned one with the backend's own LIST, so a
// deny below the scanned path did not hide the names under it.
TEST_F(Listing, ScanSkipsFoldersTheCallerMayNotList) {
  std::string tok = Token(R"(
    path "v2/metadata/*" { capabilities = ["scan", "list", "read"] }
    path "v2/metadata/team-b/*" { capabilities = ["deny"] }
    path "kv/" { capabilities = ["scan"] }
    path "kv/team-a/" { capabilities = ["list"] }
    path "kv/team-b/*" { capabilities = ["read"] }
  )");
  // The same token sees team-a's names, so the walk does go below the scanned folder.
  auto v2 = List("v2/metadata/", {}, tok, Operation::kScan);
  ASSERT_TRUE(v2) << v2.error().ToString();
  EXPECT_EQ(Keys(*v2), (std::vector<std::string>{"a", "b", "c", "d", "e", "team-a/x", "team-a/y"}));
  // kv/: team-a/ may be listed; team-b/ only read (neither list nor scan): not walked.
  auto kv = List("kv/", {}, tok, Operation::kScan);
  ASSERT_TRUE(kv) << kv.error().ToString();
  EXPECT_EQ(Keys(*kv), (std::vector<std::string>{"a", "b", "c", "d", "e", "team-a/x", "team-a/y"}));
  // Paging does not bring them back.
  auto paged = List("v2/metadata/", {{"after", "team-a/y"}}, tok, Operation::kScan);
  ASSERT_TRUE(paged);
  EXPECT_TRUE(paged->empty_list || Keys(*paged).empty());
  // Root still sees everything.
  EXPECT_EQ(Keys(*List("v2/metadata/", {}, "", Operation::kScan)).size(), 9u);
}

TEST_F(Listing, FilteredListShowsOnlyWhatPoliciesAllow) {
  std::string tok = Token(R"(
    path "kv/" { capabilities = ["list"] }
    path "kv/a" { capabilities = ["read"] }
    path "kv/b" { capabilities = ["deny"] }
    path "kv/team-a/*" { capabilities = ["read", "list"] }
    path "v2/metadata/" { capabilities = ["list"] }
    path "v2/data/team-b/*" { capabilities = ["read"] }
  )");
  // Without the tune option, LIST shows everything (Vault's behaviour).
  EXPECT_EQ(Keys(*List("kv/", {}, tok)).size(), 7u);

  ASSERT_TRUE(t_.Do(Operation::kUpdate, "sys/mounts/kv/tune",
                    json::object{{"list_filter_by_acl", true}}, root_));
  ASSERT_TRUE(t_.Do(Operation::kUpdate, "sys/mounts/v2/tune",
                    json::object{{"list_filter_by_acl", "true"}}, root_));
  auto tuned = t_.Do(Operation::kRead, "sys/mounts/kv/tune", {}, root_);
  ASSERT_TRUE(tuned);
  EXPECT_TRUE(tuned->data.at("list_filter_by_acl").as_bool());

  auto kv = List("kv/", {}, tok);
  ASSERT_TRUE(kv) << kv.error().ToString();
  EXPECT_EQ(Keys(*kv), (std::vector<std::string>{"a", "team-a/"}));
  // On KV v2, access to data/<key> makes metadata/<key> visible.
  auto v2 = List("v2/metadata/", {}, tok);
  ASSERT_TRUE(v2) << v2.error().ToString();
  EXPECT_EQ(Keys(*v2), (std::vector<std::string>{"team-b/"}));
  // Root sees everything; pagination applies after filtering.
  EXPECT_EQ(Keys(*List("kv/", {})).size(), 7u);
  EXPECT_EQ(Keys(*List("kv/", {{"limit", "1"}}, tok)), (std::vector<std::string>{"a"}));

  auto bad = t_.Do(Operation::kUpdate, "sys/mounts/kv/tune",
                   json::object{{"list_filter_by_acl", "maybe"}}, root_);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().http_status(), 400);
  EXPECT_TRUE(t_.Do(Operation::kRead, "sys/mounts/kv/tune", {}, root_)
                  ->data.at("list_filter_by_acl").as_bool());
}

TEST(PatternMayMatchUnder, Table) {
  struct Case {
    const char* pattern;
    const char* prefix;
    bool want;
  } cases[] = {
      {"kv/team-a/*", "kv/", true},       {"kv/team-a/*", "kv/team-a/", true},
      {"kv/team-a/*", "kv/team-a/x/", true}, {"kv/team-a/*", "kv/team-b/", false},
      {"kv/te*", "kv/team-b/", true},     {"kv/a", "kv/", true},
      {"kv/a", "kv/b/", false},           {"kv/+/cfg", "kv/x/", true},
      {"kv/+/cfg", "kv/x/y/", false},     {"kv/+/c*", "kv/x/cfg/deep/", true},
      {"kv/+/c*", "kv/x/d/", false},      {"other/*", "kv/", false},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(policy::Pattern::Make(c.pattern).MayMatchUnder(c.prefix), c.want)
        << c.pattern << " under " << c.prefix;
  }
}

}  // namespace
}  // namespace arca::core
