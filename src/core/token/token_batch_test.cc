#include "core/token/token_batch.h"

#include <gtest/gtest.h>

#include "common/encoding.h"
#include "crypto/random.h"

namespace arca::core {
namespace {

TokenEntry Sample() {
  TokenEntry e;
  e.id_hash = "should-be-dropped";
  e.accessor = "should-be-dropped";
  e.parent = "parent-hash";
  e.policies = {"default", "p"};
  e.type = "batch";
  e.ttl = std::chrono::seconds(60);
  e.creation_time = 10;
  e.expire_time = 70;
  e.renewable = false;
  return e;
}

TEST(TokenBatch, SealOpenRoundTrip) {
  SecureBytes key = crypto::RandomKey(32);
  auto token = SealBatchToken(key.span(), Sample());
  ASSERT_TRUE(token) << token.error().ToString();
  EXPECT_TRUE(token->starts_with("hvb."));
  EXPECT_TRUE(IsBatchToken(*token));
  EXPECT_EQ(token->find_first_of("+/="), std::string::npos);  // base64url, unpadded
  auto e = OpenBatchToken(key.span(), *token);
  ASSERT_TRUE(e) << e.error().ToString();
  EXPECT_EQ(e->policies, Sample().policies);
  EXPECT_EQ(e->parent, "parent-hash");
  EXPECT_EQ(e->expire_time, 70);
  EXPECT_TRUE(e->id_hash.empty());
  EXPECT_TRUE(e->accessor.empty());
  EXPECT_TRUE(e->IsBatch());
  // Two seals of the same entry differ (fresh nonce).
  EXPECT_NE(*token, *SealBatchToken(key.span(), Sample()));
}

TEST(TokenBatch, BadTokensAreRejected) {
  SecureBytes key = crypto::RandomKey(32);
  SecureBytes other = crypto::RandomKey(32);
  std::string token = *SealBatchToken(key.span(), Sample());
  std::string flipped = token;
  flipped[10] = flipped[10] == 'A' ? 'B' : 'A';
  const std::string cases[] = {
      "",
      "hvs.abc",
      "hvb.",
      "hvb.!!!not-base64!!!",
      "hvb." + Base64UrlEncode("short"),
      flipped,
      token.substr(0, token.size() - 2),
      "hvs." + token.substr(4),
  };
  for (const auto& c : cases) {
    auto e = OpenBatchToken(key.span(), c);
    ASSERT_FALSE(e) << c;
    EXPECT_EQ(e.error().kind(), ErrorKind::kInvalidRequest);
  }
  EXPECT_FALSE(OpenBatchToken(other.span(), token));
}

}  // namespace
}  // namespace arca::core
