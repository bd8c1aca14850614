#include "crypto/shamir.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>
#include <random>
#include <set>
#include <utility>
#include <vector>

#include "crypto/random.h"

namespace arca::crypto {
namespace {

std::vector<SecureBytes> Pick(const std::vector<SecureBytes>& shares,
                              const std::vector<size_t>& indexes) {
  std::vector<SecureBytes> out;
  for (size_t i : indexes) out.push_back(shares[i].Clone());
  return out;
}

void ExpectInvalid(const Result<SecureBytes>& r, std::string_view fragment) {
  ASSERT_FALSE(r.has_value()) << "expected an error containing '" << fragment << "'";
  EXPECT_EQ(r.error().kind(), ErrorKind::kInvalidRequest);
  EXPECT_NE(r.error().message().find(fragment), std::string::npos) << r.error().message();
}

TEST(ShamirTest, RoundTripForManyShapes) {
  const std::pair<int, int> shapes[] = {{1, 1}, {2, 1},  {2, 2},  {3, 2},   {5, 3},
                                        {5, 5}, {10, 7}, {16, 1}, {255, 2}, {255, 255}};
  const SecureBytes secret = RandomKey(32);
  for (auto [parts, threshold] : shapes) {
    SCOPED_TRACE(std::to_string(parts) + "/" + std::to_string(threshold));
    auto shares = ShamirSplit(secret.span(), parts, threshold);
    ASSERT_TRUE(shares.has_value()) << shares.error().ToString();
    ASSERT_EQ(shares->size(), static_cast<size_t>(parts));
    std::set<uint8_t> xs;
    for (const auto& s : *shares) {
      ASSERT_EQ(s.size(), secret.size() + 1);
      EXPECT_NE(s[secret.size()], 0);
      xs.insert(s[secret.size()]);
    }
    EXPECT_EQ(xs.size(), static_cast<size_t>(parts)) << "x coordinates must be distinct";

    // The first `threshold` shares, and all of them, recombine.
    std::vector<size_t> first(threshold);
    std::iota(first.begin(), first.end(), 0);
    auto combined = ShamirCombine(Pick(*shares, first));
    ASSERT_TRUE(combined.has_value()) << combined.error().ToString();
    EXPECT_EQ(combined->view(), secret.view());
    auto all = ShamirCombine(*shares);
    ASSERT_TRUE(all.has_value());
    EXPECT_EQ(all->view(), secret.view());
  }
}

TEST(ShamirTest, EveryThresholdSubsetOfFiveRecombines) {
  const SecureBytes secret = SecureBytes::FromString("the unseal key, 32 bytes long!!!");
  auto shares = ShamirSplit(secret.span(), 5, 3);
  ASSERT_TRUE(shares.has_value());
  int subsets = 0;
  for (size_t a = 0; a < 5; ++a) {
    for (size_t b = a + 1; b < 5; ++b) {
      for (size_t c = b + 1; c < 5; ++c) {
        for (const auto& order : {std::vector<size_t>{a, b, c}, std::vector<size_t>{c, a, b}}) {
          auto combined = ShamirCombine(Pick(*shares, order));
          ASSERT_TRUE(combined.has_value());
          EXPECT_EQ(combined->view(), secret.view());
        }
        ++subsets;
      }
    }
  }
  EXPECT_EQ(subsets, 10);
}

TEST(ShamirTest, RandomSubsetsOfLargeSplitRecombine) {
  const SecureBytes secret = RandomKey(16);
  auto shares = ShamirSplit(secret.span(), 40, 12);
  ASSERT_TRUE(shares.has_value());
  std::mt19937 rng(12345);  // only picks which shares to use
  std::vector<size_t> idx(40);
  std::iota(idx.begin(), idx.end(), 0);
  for (int trial = 0; trial < 20; ++trial) {
    std::shuffle(idx.begin(), idx.end(), rng);
    const size_t count = 12 + trial % 5;  // threshold or a few more
    auto combined = ShamirCombine(Pick(*shares, {idx.begin(), idx.begin() + count}));
    ASSERT_TRUE(combined.has_value());
    EXPECT_EQ(combined->view(), secret.view()) << "trial " << trial;
  }
}

TEST(ShamirTest, ThresholdOneSharesEqualTheSecret) {
  const SecureBytes secret = SecureBytes::FromString("plain");
  auto shares = ShamirSplit(secret.span(), 4, 1);
  ASSERT_TRUE(shares.has_value());
  for (const auto& s : *shares) {
    EXPECT_EQ(s.view().substr(0, secret.size()), secret.view());
    std::vector<SecureBytes> single;
    single.push_back(s.Clone());
    auto one = ShamirCombine(single);
    ASSERT_TRUE(one.has_value());
    EXPECT_EQ(one->view(), secret.view());
  }
}

TEST(ShamirTest, FewerSharesThanThresholdGiveADifferentSecret) {
  const SecureBytes secret = RandomKey(32);
  for (auto [parts, threshold] : {std::pair{5, 3}, std::pair{3, 2}, std::pair{10, 10}}) {
    auto shares = ShamirSplit(secret.span(), parts, threshold);
    ASSERT_TRUE(shares.has_value());
    std::vector<size_t> too_few(threshold - 1);
    std::iota(too_few.begin(), too_few.end(), 0);
    auto combined = ShamirCombine(Pick(*shares, too_few));
    ASSERT_TRUE(combined.has_value());  // no error: the scheme cannot tell
    EXPECT_NE(combined->view(), secret.view()) << parts << "/" << threshold;
  }
}

TEST(ShamirTest, SplitsOfTheSameSecretDiffer) {
  const SecureBytes secret = SecureBytes::FromString("same secret");
  auto a = ShamirSplit(secret.span(), 3, 2);
  auto b = ShamirSplit(secret.span(), 3, 2);
  ASSERT_TRUE(a && b);
  EXPECT_NE((*a)[0].view(), (*b)[0].view());
  // A share's y-bytes must not simply be the secret when threshold > 1.
  for (const auto& s : *a) EXPECT_NE(s.view().substr(0, secret.size()), secret.view());
}

TEST(ShamirTest, SplitRejectsBadArguments) {
  const SecureBytes secret = SecureBytes::FromString("secret");
  struct Case {
    std::string_view label;
    size_t secret_len;
    int parts;
    int threshold;
    std::string_view fragment;
  };
  const Case cases[] = {
      {"empty secret", 0, 3, 2, "empty secret"},
      {"zero parts", 6, 0, 1, "parts must be at least 1"},
      {"negative parts", 6, -1, 1, "parts must be at least 1"},
      {"too many parts", 6, 256, 2, "parts cannot exceed 255"},
      {"zero threshold", 6, 3, 0, "threshold must be at least 1"},
      {"threshold above parts", 6, 3, 4, "parts cannot be less than threshold"},
      {"threshold 2 with one part", 6, 1, 2, "parts cannot be less than threshold"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.label);
    auto shares = ShamirSplit(secret.span().first(c.secret_len), c.parts, c.threshold);
    ASSERT_FALSE(shares.has_value());
    EXPECT_EQ(shares.error().kind(), ErrorKind::kInvalidRequest);
    EXPECT_NE(shares.error().message().find(c.fragment), std::string::npos)
        << shares.error().message();
  }
}

TEST(ShamirTest, CombineRejectsBadShares) {
  const SecureBytes secret = SecureBytes::FromString("secret");
  auto shares = ShamirSplit(secret.span(), 3, 2);
  ASSERT_TRUE(shares.has_value());

  ExpectInvalid(ShamirCombine({}), "at least one share");

  std::vector<SecureBytes> duplicate = Pick(*shares, {0, 1, 0});
  ExpectInvalid(ShamirCombine(duplicate), "duplicate share");

  std::vector<SecureBytes> mismatched = Pick(*shares, {0, 1});
  mismatched[1].resize(mismatched[1].size() - 1);
  ExpectInvalid(ShamirCombine(mismatched), "same length");

  std::vector<SecureBytes> zero_x = Pick(*shares, {0, 1});
  zero_x[1][zero_x[1].size() - 1] = 0;
  ExpectInvalid(ShamirCombine(zero_x), "x coordinate");

  std::vector<SecureBytes> tiny;
  tiny.push_back(SecureBytes::FromString("\x01"));
  tiny.push_back(SecureBytes::FromString("\x02"));
  ExpectInvalid(ShamirCombine(tiny), "at least 2 bytes");

  std::vector<SecureBytes> empty;
  empty.emplace_back();
  ExpectInvalid(ShamirCombine(empty), "at least 2 bytes");
}

TEST(ShamirTest, CorruptedShareGivesWrongSecret) {
  const SecureBytes secret = RandomKey(32);
  auto shares = ShamirSplit(secret.span(), 3, 2);
  ASSERT_TRUE(shares.has_value());
  std::vector<SecureBytes> picked = Pick(*shares, {0, 2});
  picked[0][5] ^= 0x40;
  auto combined = ShamirCombine(picked);
  ASSERT_TRUE(combined.has_value());
  EXPECT_NE(combined->view(), secret.view());
  EXPECT_EQ(combined->view().substr(6), secret.view().substr(6));  // bytes are independent
}

}  // namespace
}  // namespace arca::crypto
