// Unit tests of the common token fields, CIDR matching, bcrypt and the lockout registry.
#include "auth/token_fields.h"

#include <gtest/gtest.h>

#include "auth/bcrypt.h"
#include "auth/cidr.h"
#include "logical/lockout.h"

namespace arca::auth {
namespace {

namespace fw = logical::framework;

Result<TokenFields> Parse(json::object in, TokenFields start = {}, bool legacy = false) {
  fw::FieldMap schema;
  AddTokenFieldSchemas(schema, legacy);
  ARCA_ASSIGN_OR_RETURN(auto d, fw::FieldData::Create(schema, std::move(in)));
  ARCA_RETURN_IF_ERROR(ParseTokenFields(d, start, legacy));
  return start;
}

TEST(TokenFields, ParsesEveryField) {
  auto t = Parse({{"token_ttl", "1h"},
                  {"token_max_ttl", "2h"},
                  {"token_explicit_max_ttl", 7200},
                  {"token_period", "30m"},
                  {"token_policies", " Dev,ops,dev "},
                  {"token_bound_cidrs", "10.0.0.0/8,::1"},
                  {"token_no_default_policy", true},
                  {"token_num_uses", 3},
                  {"token_type", "service"}});
  ASSERT_TRUE(t) << t.error().ToString();
  EXPECT_EQ(t->ttl.count(), 3600);
  EXPECT_EQ(t->max_ttl.count(), 7200);
  EXPECT_EQ(t->explicit_max_ttl.count(), 7200);
  EXPECT_EQ(t->period.count(), 1800);
  EXPECT_EQ(t->policies, (std::vector<std::string>{"dev", "ops"}));
  EXPECT_EQ(t->bound_cidrs, (std::vector<std::string>{"10.0.0.0/8", "::1"}));
  EXPECT_TRUE(t->no_default_policy);
  EXPECT_EQ(t->num_uses, 3);
  EXPECT_EQ(t->type, "service");
}

TEST(TokenFields, LegacyAliasesAndTokenNamesWin) {
  auto t = Parse({{"policies", "a"}, {"period", 60}});
  ASSERT_TRUE(t);
  EXPECT_EQ(t->policies, std::vector<std::string>{"a"});
  EXPECT_EQ(t->period.count(), 60);
  auto both = Parse({{"policies", "a"}, {"token_policies", "b"}});
  ASSERT_TRUE(both);
  EXPECT_EQ(both->policies, std::vector<std::string>{"b"});
}

TEST(TokenFields, UserpassLegacyTtlCidrAndUseAliases) {
  auto t = Parse({{"ttl", "1h"}, {"max_ttl", 7200}, {"bound_cidrs", "10.0.0.0/8"}, {"num_uses", 4}},
                 {}, /*legacy=*/true);
  ASSERT_TRUE(t) << t.error().ToString();
  EXPECT_EQ(t->ttl.count(), 3600);
  EXPECT_EQ(t->max_ttl.count(), 7200);
  EXPECT_EQ(t->bound_cidrs, std::vector<std::string>{"10.0.0.0/8"});
  EXPECT_EQ(t->num_uses, 4);
  // Echoed on read next to the token_* names.
  json::object read;
  t->AddToResponse(read, /*legacy=*/true);
  EXPECT_EQ(read.at("ttl").as_int64(), 3600);
  EXPECT_EQ(read.at("token_ttl").as_int64(), 3600);
  EXPECT_EQ(read.at("max_ttl").as_int64(), 7200);
  EXPECT_EQ(read.at("bound_cidrs").as_array().size(), 1u);
  EXPECT_EQ(read.at("num_uses").as_int64(), 4);
  // token_* wins; aliases are checked like the real names.
  auto both = Parse({{"ttl", "1h"}, {"token_ttl", "10m"}}, {}, true);
  ASSERT_TRUE(both);
  EXPECT_EQ(both->ttl.count(), 600);
  EXPECT_FALSE(Parse({{"bound_cidrs", "not-a-cidr"}}, {}, true));
  EXPECT_FALSE(Parse({{"num_uses", -1}}, {}, true));
  EXPECT_FALSE(Parse({{"ttl", "2h"}, {"max_ttl", "1h"}}, {}, true));
  // Without the legacy set (AppRole roles), the names mean nothing to the token fields.
  auto plain = Parse({{"ttl", "1h"}, {"num_uses", 4}});
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->ttl.count(), 0);
  EXPECT_EQ(plain->num_uses, 0);
  json::object plain_read;
  plain->AddToResponse(plain_read);
  EXPECT_FALSE(plain_read.contains("ttl"));
}

TEST(TokenFields, UpdateKeepsAbsentFields) {
  TokenFields start;
  start.ttl = std::chrono::seconds(10);
  start.policies = {"x"};
  auto t = Parse({{"token_num_uses", 2}}, start);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->ttl.count(), 10);
  EXPECT_EQ(t->policies, std::vector<std::string>{"x"});
  EXPECT_EQ(t->num_uses, 2);
}

TEST(TokenFields, BadInputIs400AndLeavesFieldsUnchanged) {
  struct Case {
    const char* name;
    json::object in;
  };
  std::vector<Case> cases = {
      {"bad cidr", {{"token_bound_cidrs", "10.0.0.0/40"}}},
      {"not an address", {{"token_bound_cidrs", "banana"}}},
      {"bad type", {{"token_type", "weird"}}},
      {"ttl > max", {{"token_ttl", "2h"}, {"token_max_ttl", "1h"}}},
      {"period > max", {{"token_period", "2h"}, {"token_max_ttl", "1h"}}},
      {"negative uses", {{"token_num_uses", -1}}},
      {"batch with uses", {{"token_type", "batch"}, {"token_num_uses", 2}}},
      {"batch periodic", {{"token_type", "default-batch"}, {"token_period", 60}}},
      {"ttl not a duration", {{"token_ttl", "soon"}}},
  };
  for (const auto& c : cases) {
    auto t = Parse(c.in);
    ASSERT_FALSE(t) << c.name;
    EXPECT_EQ(t.error().http_status(), 400) << c.name;
  }
}

TEST(TokenFields, JsonRoundTripAndReadShape) {
  auto t = Parse({{"token_ttl", 5},
                  {"token_policies", "p"},
                  {"token_period", 9},
                  {"token_bound_cidrs", "1.2.3.4/32"},
                  {"token_type", "service"}});
  ASSERT_TRUE(t);
  auto back = TokenFields::FromJson(t->ToJson());
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, *t);
  json::object d;
  t->AddToResponse(d);
  for (const char* k : {"token_ttl", "token_max_ttl", "token_explicit_max_ttl", "token_period",
                        "token_policies", "token_bound_cidrs", "token_no_default_policy",
                        "token_num_uses", "token_type", "policies", "period"}) {
    EXPECT_TRUE(d.contains(k)) << k;
  }
  EXPECT_EQ(d.at("period").as_int64(), 9);
  EXPECT_EQ(d.at("policies").as_array().size(), 1u);
  EXPECT_FALSE(TokenFields::FromJson({{"ttl", "x"}}));
}

TEST(TokenFields, FillAuth) {
  auto t = Parse({{"token_ttl", "1h"},
                  {"token_max_ttl", "3h"},
                  {"token_policies", "p"},
                  {"token_num_uses", 4},
                  {"token_bound_cidrs", "10.0.0.0/8"}});
  ASSERT_TRUE(t);
  logical::Auth a;
  t->FillAuth(a);
  EXPECT_EQ(a.lease_duration.count(), 3600);
  EXPECT_EQ(a.max_ttl.count(), 10800);
  EXPECT_EQ(a.policies, std::vector<std::string>{"p"});
  EXPECT_EQ(a.num_uses, 4);
  EXPECT_EQ(a.bound_cidrs, std::vector<std::string>{"10.0.0.0/8"});
  EXPECT_TRUE(a.renewable);
  EXPECT_TRUE(a.client_token.empty());
}

TEST(Cidr, Matching) {
  EXPECT_TRUE(AddressAllowed("10.1.2.3", {}));
  EXPECT_TRUE(AddressAllowed("10.1.2.3", {"10.0.0.0/8"}));
  EXPECT_FALSE(AddressAllowed("11.1.2.3", {"10.0.0.0/8"}));
  EXPECT_TRUE(AddressAllowed("::ffff:10.1.2.3", {"10.0.0.0/8"}));
  EXPECT_TRUE(AddressAllowed("2001:db8::1", {"2001:db8::/32"}));
  EXPECT_FALSE(AddressAllowed("2001:db9::1", {"2001:db8::/32"}));
  EXPECT_TRUE(AddressAllowed("127.0.0.1", {"127.0.0.1"}));
  EXPECT_FALSE(AddressAllowed("127.0.0.2", {"127.0.0.1"}));
  EXPECT_FALSE(AddressAllowed("", {"0.0.0.0/0"}));
  EXPECT_TRUE(AddressAllowed("192.168.1.77", {"192.168.1.64/26"}));
  EXPECT_FALSE(AddressAllowed("192.168.1.128", {"192.168.1.64/26"}));
  EXPECT_TRUE(ValidateCidrs({"0.0.0.0/0", "::/0", "1.2.3.4"}));
  for (const char* bad : {"1.2.3.4/33", "1.2.3.4/", "x", "::/129", "1.2.3.4/-1", "1.2.3/8"}) {
    EXPECT_FALSE(ValidateCidrs({bad})) << bad;
  }
}

TEST(Bcrypt, HashVerifyAndFormat) {
  auto h = BcryptHash("s3cret", kMinBcryptCost);
  ASSERT_TRUE(h) << h.error().ToString();
  EXPECT_TRUE(h->starts_with("$2b$04$")) << *h;
  EXPECT_TRUE(IsBcryptHash(*h));
  EXPECT_EQ(BcryptCost(*h), 4);
  EXPECT_TRUE(BcryptVerify("s3cret", *h));
  EXPECT_FALSE(BcryptVerify("s3cret!", *h));
  EXPECT_FALSE(BcryptVerify("s3cret", "not-a-hash"));
  auto h2 = BcryptHash("s3cret", kMinBcryptCost);
  EXPECT_NE(*h, *h2);  // random salt
  EXPECT_FALSE(BcryptHash("", 4));
  EXPECT_FALSE(BcryptHash(std::string(73, 'a'), 4));
  EXPECT_FALSE(BcryptHash("x", 3));
  EXPECT_FALSE(IsBcryptHash("$2b$03$" + h->substr(7)));
  EXPECT_FALSE(IsBcryptHash("$1$" + h->substr(3)));
  EXPECT_FALSE(IsBcryptHash(h->substr(0, 59)));
  // A hash made by another bcrypt implementation ($2a$, Go's default prefix) verifies.
  std::string a = "$2a" + h->substr(3);
  EXPECT_TRUE(BcryptVerify("s3cret", a));
}

TEST(Lockout, LocksAfterThresholdAndResets) {
  logical::LockoutRegistry reg;
  logical::LockoutConfig cfg{.threshold = 3,
                    .duration = std::chrono::seconds(60),
                    .counter_reset = std::chrono::seconds(30)};
  auto t0 = std::chrono::system_clock::time_point(std::chrono::seconds(1000));
  using std::chrono::seconds;
  EXPECT_FALSE(reg.RecordFailure("acc", "bob", cfg, t0));
  EXPECT_FALSE(reg.RecordFailure("acc", "bob", cfg, t0 + seconds(40)));  // first one forgotten
  EXPECT_FALSE(reg.RecordFailure("acc", "bob", cfg, t0 + seconds(41)));
  EXPECT_FALSE(reg.IsLocked("acc", "bob", cfg, t0 + seconds(41)));
  EXPECT_TRUE(reg.RecordFailure("acc", "bob", cfg, t0 + seconds(42)));
  EXPECT_TRUE(reg.IsLocked("acc", "bob", cfg, t0 + seconds(50)));
  EXPECT_FALSE(reg.IsLocked("other", "bob", cfg, t0 + seconds(50)));
  auto listed = reg.LockedUsersResponse("", t0 + seconds(50));
  EXPECT_EQ(listed.at("total").as_int64(), 1);
  EXPECT_FALSE(reg.IsLocked("acc", "bob", cfg, t0 + seconds(102)));  // lock ran out
  EXPECT_EQ(reg.LockedUsersResponse("", t0 + seconds(102)).at("total").as_int64(), 0);
  logical::LockoutConfig off = cfg;
  off.disable = true;
  for (int i = 0; i < 5; ++i) EXPECT_FALSE(reg.RecordFailure("acc", "eve", off, t0));
  EXPECT_FALSE(reg.IsLocked("acc", "eve", cfg, t0));
}

}  // namespace
}  // namespace arca::auth
