// sys/tools/random and sys/tools/hash through the core.
#include <gtest/gtest.h>

#include "common/encoding.h"
#include "core/testing.h"

namespace arca::core {
namespace {

using logical::Operation;

class Tools : public ::testing::Test {
 protected:
  void SetUp() override { root_ = t_.InitAndUnseal(); }
  Result<logical::Response> Post(const std::string& path, json::object body) {
    return t_.Do(Operation::kUpdate, path, std::move(body), root_);
  }
  TestCore t_;
  std::string root_;
};

TEST_F(Tools, RandomLengthsFormatsAndSources) {
  auto r = Post("sys/tools/random", {});
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(Base64Decode(r->data.at("random_bytes").as_string())->size(), 32u);
  auto hex = Post("sys/tools/random/16", {{"format", "hex"}});
  ASSERT_TRUE(hex) << hex.error().ToString();
  EXPECT_EQ(hex->data.at("random_bytes").as_string().size(), 32u);
  auto seal = Post("sys/tools/random/seal/8", {});
  ASSERT_TRUE(seal) << seal.error().ToString();
  EXPECT_EQ(Base64Decode(seal->data.at("random_bytes").as_string())->size(), 8u);
  EXPECT_NE(Post("sys/tools/random", {})->data.at("random_bytes"),
            Post("sys/tools/random", {})->data.at("random_bytes"));
  for (auto [path, body] : std::vector<std::pair<std::string, json::object>>{
           {"sys/tools/random", {{"bytes", 0}}},
           {"sys/tools/random", {{"bytes", 10'000'000}}},
           {"sys/tools/random", {{"format", "binary"}}},
           {"sys/tools/random/moon", {}},
           {"sys/tools/random/all/x", {}},
           {"sys/tools/random", {{"bytes", "many"}}}}) {
    auto bad = Post(path, body);
    ASSERT_FALSE(bad) << path << " " << json::serialize(body);
    EXPECT_EQ(bad.error().http_status(), 400);
  }
}

TEST_F(Tools, HashKnownAnswers) {
  std::string abc = Base64Encode("abc");
  auto r = Post("sys/tools/hash", {{"input", abc}});
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->data.at("sum").as_string(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  auto s512 = Post("sys/tools/hash/sha2-512", {{"input", abc}, {"format", "base64"}});
  ASSERT_TRUE(s512);
  EXPECT_EQ(Base64Decode(s512->data.at("sum").as_string())->size(), 64u);
  auto s3 = Post("sys/tools/hash", {{"input", abc}, {"algorithm", "sha3-256"}});
  ASSERT_TRUE(s3);
  EXPECT_EQ(s3->data.at("sum").as_string(),
            "3a985da74fe225b2045c172d6bd390bd855f086e3e9d525b46bfe24511431532");
  for (json::object body : {json::object{{"input", "not base64!"}},
                            json::object{{"input", abc}, {"algorithm", "md5"}},
                            json::object{{"input", abc}, {"format", "octal"}}}) {
    auto bad = Post("sys/tools/hash", body);
    ASSERT_FALSE(bad) << json::serialize(body);
    EXPECT_EQ(bad.error().http_status(), 400);
  }
  // The default policy allows hashing for any token.
  auto tok = Post("auth/token/create", {{"policies", json::array{"default"}}});
  ASSERT_TRUE(tok);
  EXPECT_TRUE(t_.Do(Operation::kUpdate, "sys/tools/hash", {{"input", abc}},
                    tok->auth->client_token));
}

}  // namespace
}  // namespace arca::core
