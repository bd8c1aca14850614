#include "crypto/password.h"

#include <gtest/gtest.h>

#include <set>

namespace arca::crypto {
namespace {

int CountFrom(const std::string& s, const std::string& charset) {
  int n = 0;
  for (char c : s) n += charset.find(c) != std::string::npos;
  return n;
}

TEST(PasswordTest, DefaultPolicyMeetsEveryRule) {
  const auto& p = DefaultPasswordPolicy();
  std::set<std::string> seen;
  for (int i = 0; i < 200; ++i) {
    auto pw = GeneratePassword(p);
    ASSERT_TRUE(pw.has_value());
    EXPECT_EQ(pw->size(), 20u);
    for (const auto& r : p.rules) EXPECT_GE(CountFrom(*pw, r.charset), r.min_chars) << *pw;
    seen.insert(*pw);
  }
  EXPECT_EQ(seen.size(), 200u);  // no repeats
}

TEST(PasswordTest, RequiredCharactersLandAtRandomPositions) {
  PasswordPolicy p{8, {{"a", 1}, {"b", 0}}};
  std::set<size_t> positions;
  for (int i = 0; i < 200; ++i) {
    auto pw = GeneratePassword(p);
    ASSERT_TRUE(pw.has_value());
    positions.insert(pw->find('a'));
  }
  EXPECT_GT(positions.size(), 4u);
}

TEST(PasswordTest, OnlyCharsetCharacters) {
  PasswordPolicy p{30, {{"xyz", 2}, {"!", 3}}};
  auto pw = GeneratePassword(p);
  ASSERT_TRUE(pw.has_value());
  EXPECT_EQ(CountFrom(*pw, "xyz!"), 30);
  EXPECT_GE(CountFrom(*pw, "!"), 3);
}

TEST(PasswordTest, BadPoliciesAreRejected) {
  const std::vector<PasswordPolicy> bad = {
      {3, {{"abc", 0}}},          // too short
      {101, {{"abc", 0}}},        // too long
      {10, {}},                   // no rule
      {10, {{"", 1}}},            // empty charset
      {10, {{"ab c", 1}}},        // space is not allowed
      {10, {{"abc", -1}}},        // negative minimum
      {5, {{"a", 3}, {"b", 3}}},  // minimums beyond length
  };
  for (const auto& p : bad) {
    auto pw = GeneratePassword(p);
    ASSERT_FALSE(pw.has_value());
    EXPECT_EQ(pw.error().kind(), ErrorKind::kInvalidRequest);
  }
}

}  // namespace
}  // namespace arca::crypto
