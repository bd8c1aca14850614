#include "core/token/token_entry.h"

#include <gtest/gtest.h>

namespace arca::core {
namespace {

TEST(TokenEntry, StorageJsonRoundTrip) {
  TokenEntry e;
  e.id_hash = "h";
  e.accessor = "acc";
  e.parent = "p";
  e.policies = {"a", "default"};
  e.path = "auth/token/create/r";
  e.meta = {{"k", "v"}};
  e.display_name = "token-x";
  e.num_uses = 3;
  e.creation_time = 100;
  e.ttl = std::chrono::seconds(60);
  e.explicit_max_ttl = std::chrono::seconds(90);
  e.expire_time = 160;
  e.renewable = false;
  e.period = std::chrono::seconds(30);
  e.type = "batch";
  e.entity_id = "ent";
  e.role = "r";
  e.bound_cidrs = {"10.0.0.0/8"};
  auto back = TokenEntry::FromStorageJson(e.ToStorageJson());
  ASSERT_TRUE(back) << back.error().ToString();
  EXPECT_EQ(back->ToStorageJson(), e.ToStorageJson());
  EXPECT_TRUE(back->IsBatch());
}

TEST(TokenEntry, OldFormatWithoutNewFieldsParses) {
  TokenEntry e;
  e.id_hash = "h";
  json::object o = e.ToStorageJson();
  o.erase("parent");
  o.erase("role");
  o.erase("bound_cidrs");
  auto back = TokenEntry::FromStorageJson(o);
  ASSERT_TRUE(back);
  EXPECT_TRUE(back->parent.empty());
  EXPECT_TRUE(back->bound_cidrs.empty());
}

TEST(TokenEntry, CorruptEntryIsInternal) {
  json::object o = TokenEntry{}.ToStorageJson();
  o["policies"] = "not-a-list";
  auto back = TokenEntry::FromStorageJson(o);
  ASSERT_FALSE(back);
  EXPECT_EQ(back.error().kind(), ErrorKind::kInternal);
  EXPECT_FALSE(TokenEntry::FromStorageJson(json::object{}));
}

TEST(TokenEntry, Expiry) {
  TokenEntry e;
  EXPECT_FALSE(e.Expired(1'000'000));  // 0 = never
  e.expire_time = 100;
  EXPECT_FALSE(e.Expired(99));
  EXPECT_TRUE(e.Expired(100));
}

TEST(TokenEntry, AddressInCidr) {
  struct Case {
    const char* addr;
    const char* cidr;
    bool in;
  };
  const Case cases[] = {
      {"10.1.2.3", "10.0.0.0/8", true},
      {"11.1.2.3", "10.0.0.0/8", false},
      {"192.168.1.7", "192.168.1.7", true},
      {"192.168.1.8", "192.168.1.7/32", false},
      {"192.168.1.7", "192.168.1.0/29", true},
      {"192.168.1.8", "192.168.1.0/29", false},
      {"1.2.3.4", "0.0.0.0/0", true},
      {"::1", "::1/128", true},
      {"2001:db8::5", "2001:db8::/32", true},
      {"2001:db9::5", "2001:db8::/32", false},
      {"10.0.0.1", "::/0", true},  // IPv4 is mapped into IPv6 space
      {"not-an-ip", "10.0.0.0/8", false},
      {"10.0.0.1", "10.0.0.0/33", false},
      {"10.0.0.1", "10.0.0.0/", false},
      {"10.0.0.1", "10.0.0.0/x", false},
      {"10.0.0.1", "bogus/8", false},
      {"", "10.0.0.0/8", false},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(AddressInCidr(c.addr, c.cidr), c.in) << c.addr << " in " << c.cidr;
  }
  EXPECT_TRUE(ValidCidr("10.0.0.0/8"));
  EXPECT_TRUE(ValidCidr("::/0"));
  EXPECT_FALSE(ValidCidr("10.0.0.0/99"));
  EXPECT_FALSE(ValidCidr("hello"));
}

TEST(TokenEntry, AllowsAddress) {
  TokenEntry e;
  EXPECT_TRUE(e.AllowsAddress("anything"));  // unbound
  e.bound_cidrs = {"10.0.0.0/8", "127.0.0.1"};
  EXPECT_TRUE(e.AllowsAddress("10.9.9.9"));
  EXPECT_TRUE(e.AllowsAddress("127.0.0.1"));
  EXPECT_FALSE(e.AllowsAddress("127.0.0.2"));
  EXPECT_FALSE(e.AllowsAddress(""));
}

}  // namespace
}  // namespace arca::core
