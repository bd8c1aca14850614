#include "core/token/token_role.h"

#include <gtest/gtest.h>

#include "logical/storage.h"

namespace arca::core {
namespace {

TEST(TokenRole, GlobMatch) {
  struct Case {
    const char* pattern;
    const char* value;
    bool match;
  };
  const Case cases[] = {
      {"dev-*", "dev-1", true},
      {"dev-*", "dev-", true},
      {"dev-*", "prod-1", false},
      {"*", "", true},
      {"*", "anything", true},
      {"a*b*c", "axxbyyc", true},
      {"a*b*c", "axxbyy", false},
      {"exact", "exact", true},
      {"exact", "exactly", false},
      {"*-admin", "ops-admin", true},
      {"*-admin", "ops-admins", false},
      {"", "", true},
      {"", "x", false},
      {"a**", "abc", true},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(GlobMatch(c.pattern, c.value), c.match) << c.pattern << " ~ " << c.value;
  }
}

TEST(TokenRole, SanitizePolicies) {
  EXPECT_EQ(SanitizePolicies({" B", "a", "b", "", "  "}), (std::vector<std::string>{"a", "b"}));
  EXPECT_TRUE(SanitizePolicies({}).empty());
}

TEST(TokenRole, Validate) {
  struct Case {
    const char* name;
    void (*mutate)(TokenRole&);
    bool ok;
  };
  const Case cases[] = {
      {"defaults", [](TokenRole&) {}, true},
      {"service", [](TokenRole& r) { r.token_type = "service"; }, true},
      {"default-batch", [](TokenRole& r) { r.token_type = "default-batch"; }, true},
      {"unknown type", [](TokenRole& r) { r.token_type = "weird"; }, false},
      {"batch renewable", [](TokenRole& r) { r.token_type = "batch"; }, false},
      {"batch ok",
       [](TokenRole& r) {
         r.token_type = "batch";
         r.renewable = false;
       },
       true},
      {"batch periodic",
       [](TokenRole& r) {
         r.token_type = "batch";
         r.renewable = false;
         r.token_period = std::chrono::seconds(60);
       },
       false},
      {"batch use limit",
       [](TokenRole& r) {
         r.token_type = "batch";
         r.renewable = false;
         r.token_num_uses = 2;
       },
       false},
      {"suffix dots", [](TokenRole& r) { r.path_suffix = "a/../b"; }, false},
      {"suffix ok", [](TokenRole& r) { r.path_suffix = "v1/app"; }, true},
      {"negative uses", [](TokenRole& r) { r.token_num_uses = -1; }, false},
      {"bad cidr", [](TokenRole& r) { r.token_bound_cidrs = {"10.0.0.0/40"}; }, false},
      {"good cidr",
       [](TokenRole& r) {
         r.token_bound_cidrs = {"10.0.0.0/8", "::1"};
       },
       true},
  };
  for (const auto& c : cases) {
    TokenRole r;
    r.name = "r";
    c.mutate(r);
    auto s = r.Validate();
    EXPECT_EQ(static_cast<bool>(s), c.ok) << c.name;
    if (!s) {
      EXPECT_EQ(s.error().kind(), ErrorKind::kInvalidRequest) << c.name;
    }
  }
}

TEST(TokenRole, ResolveType) {
  struct Case {
    const char* role_type;
    const char* requested;
    const char* want;  // nullptr = error
  };
  const Case cases[] = {
      {"default-service", "", "service"}, {"default-service", "batch", "batch"},
      {"default-batch", "", "batch"},     {"default-batch", "service", "service"},
      {"service", "batch", "service"},    {"batch", "", "batch"},
      {"service", "bogus", nullptr},
  };
  for (const auto& c : cases) {
    TokenRole r;
    r.token_type = c.role_type;
    auto t = r.ResolveType(c.requested);
    if (c.want) {
      ASSERT_TRUE(t) << c.role_type << "/" << c.requested;
      EXPECT_EQ(*t, c.want) << c.role_type << "/" << c.requested;
    } else {
      EXPECT_FALSE(t);
    }
  }
}

TEST(TokenRole, StoreCrudIsCaseInsensitive) {
  logical::InmemStorage view;
  TokenRoleStore store(view);
  EXPECT_FALSE(store.Get("missing")->has_value());
  TokenRole r;
  r.name = "MyRole";
  r.allowed_policies = {"a"};
  r.disallowed_policies_glob = {"adm-*"};
  r.token_period = std::chrono::seconds(30);
  r.token_bound_cidrs = {"10.0.0.0/8"};
  ASSERT_TRUE(store.Put(r));
  auto got = store.Get("myrole");
  ASSERT_TRUE(got && *got);
  EXPECT_EQ((*got)->name, "myrole");
  EXPECT_EQ((*got)->allowed_policies, r.allowed_policies);
  EXPECT_EQ((*got)->token_period.count(), 30);
  json::object o = (*got)->ToJson();
  EXPECT_EQ(o["period"].as_int64(), 30);  // deprecated alias reported too
  EXPECT_EQ(o["token_period"].as_int64(), 30);
  EXPECT_EQ(*store.List(), std::vector<std::string>{"myrole"});
  ASSERT_TRUE(store.Delete("MYROLE"));
  EXPECT_FALSE(store.Get("myrole")->has_value());
  EXPECT_TRUE(store.List()->empty());
  ASSERT_TRUE(store.Delete("never-existed"));
  EXPECT_FALSE(store.Put(TokenRole{}));  // no name
  // A corrupt stored role is an Internal error, not a crash.
  ASSERT_TRUE(view.Put("roles/bad", "{\"name\": 1}"));
  auto bad = store.Get("bad");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().kind(), ErrorKind::kInternal);
}

}  // namespace
}  // namespace arca::core
