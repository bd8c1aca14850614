#include "http/cidr.h"

#include <gtest/gtest.h>

namespace arca::http {
namespace {

TEST(CidrSet, MatchesIpv4AndIpv6Networks) {
  auto set = CidrSet::Parse({"10.0.0.0/8", "192.168.1.7", "2001:db8::/32", " 172.16.0.0/12 "});
  ASSERT_TRUE(set.has_value()) << set.error().ToString();
  struct Case {
    std::string ip;
    bool in;
  };
  const std::vector<Case> cases = {
      {"10.0.0.1", true},        {"10.255.255.255", true},
      {"11.0.0.1", false},       {"192.168.1.7", true},
      {"192.168.1.8", false},    {"172.31.255.1", true},
      {"172.32.0.1", false},     {"2001:db8::1", true},
      {"2001:db9::1", false},    {"[2001:db8:ffff::2]", true},
      {"::ffff:10.1.2.3", true}, {"::1", false},
      {"not-an-ip", false},      {"", false},
  };
  for (const auto& c : cases) EXPECT_EQ(set->Contains(c.ip), c.in) << c.ip;
}

TEST(CidrSet, PrefixEdgeCases) {
  auto all4 = CidrSet::Parse({"0.0.0.0/0"});
  ASSERT_TRUE(all4.has_value());
  EXPECT_TRUE(all4->Contains("8.8.8.8"));
  EXPECT_FALSE(all4->Contains("2001:db8::1"));
  auto odd = CidrSet::Parse({"10.0.0.128/25"});
  ASSERT_TRUE(odd.has_value());
  EXPECT_TRUE(odd->Contains("10.0.0.200"));
  EXPECT_FALSE(odd->Contains("10.0.0.127"));
  auto host6 = CidrSet::Parse({"::1/128"});
  ASSERT_TRUE(host6.has_value());
  EXPECT_TRUE(host6->Contains("::1"));
  EXPECT_FALSE(host6->Contains("::2"));
  EXPECT_FALSE(CidrSet().Contains("127.0.0.1"));
}

TEST(CidrSet, RejectsMalformedEntries) {
  for (std::string bad : {"10.0.0.0/33", "::/129", "10.0.0.0/", "10.0.0.0/x", "300.1.1.1",
                          "10.0.0.0/-1", "host.example", ""}) {
    auto set = CidrSet::Parse({bad});
    ASSERT_FALSE(set.has_value()) << bad;
    EXPECT_EQ(set.error().http_status(), 400);
  }
}

}  // namespace
}  // namespace arca::http
