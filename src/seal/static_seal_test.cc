#include "seal/static_seal.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "common/encoding.h"
#include "seal/factory.h"

namespace arca::seal {
namespace {

const std::string kKeyA(32, 'a');
const std::string kKeyB = "0123456789abcdef0123456789abcdef";  // 32 raw bytes

std::map<std::string, std::string> Opts(std::string id, std::string key) {
  return {{"current_key_id", std::move(id)}, {"current_key", std::move(key)}};
}

std::unique_ptr<core::SealAccess> Must(const std::map<std::string, std::string>& o) {
  auto s = NewStaticSeal(o);
  EXPECT_TRUE(s) << (s ? "" : s.error().message());
  return s ? std::move(*s) : nullptr;
}

TEST(StaticSeal, WrapUnwrapRoundTrip) {
  auto s = Must(Opts("k1", kKeyA));
  ASSERT_TRUE(s);
  ASSERT_TRUE(s->Init());
  EXPECT_EQ(s->Type(), "static");
  EXPECT_EQ(s->KeyId(), "k1");
  auto blob = s->Wrap("the root key", "core/seal-root-key");
  ASSERT_TRUE(blob);
  EXPECT_EQ(blob->find("the root key"), std::string::npos);
  auto plain = s->Unwrap(*blob, "core/seal-root-key");
  ASSERT_TRUE(plain) << plain.error().message();
  EXPECT_EQ(plain->view(), "the root key");
  EXPECT_TRUE(s->Health());
}

TEST(StaticSeal, KeyEncodings) {
  const std::string raw = kKeyB;
  for (const std::string& form :
       {raw, HexEncode(raw), Base64Encode(raw), HexEncode(raw) + "\n", Base64Encode(raw) + "\n"}) {
    auto s = Must(Opts("k", form));
    ASSERT_TRUE(s);
    // Every form is the same key: a blob of the raw form opens with it.
    auto raw_seal = Must(Opts("k", raw));
    auto blob = raw_seal->Wrap("x", "aad");
    ASSERT_TRUE(blob);
    auto plain = s->Unwrap(*blob, "aad");
    ASSERT_TRUE(plain) << form;
    EXPECT_EQ(plain->view(), "x");
  }
}

TEST(StaticSeal, EnvAndFileKeys) {
  ::setenv("ARCA_STATIC_SEAL_TEST_KEY", HexEncode(kKeyB).c_str(), 1);
  auto from_env = Must(Opts("k", "env://ARCA_STATIC_SEAL_TEST_KEY"));
  ASSERT_TRUE(from_env);
  auto dir = std::filesystem::temp_directory_path() / ("static-seal-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::string path = (dir / "key").string();
  std::ofstream(path, std::ios::binary) << kKeyB;
  auto from_file = Must(Opts("k", "file://" + path));
  ASSERT_TRUE(from_file);
  auto blob = from_env->Wrap("secret", "a");
  ASSERT_TRUE(blob);
  auto plain = from_file->Unwrap(*blob, "a");
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->view(), "secret");

  auto missing_env = NewStaticSeal(Opts("k", "env://ARCA_STATIC_SEAL_TEST_UNSET_VAR"));
  ASSERT_FALSE(missing_env);
  EXPECT_NE(missing_env.error().message().find("ARCA_STATIC_SEAL_TEST_UNSET_VAR"), std::string::npos);
  auto missing_file = NewStaticSeal(Opts("k", "file://" + (dir / "nope").string()));
  ASSERT_FALSE(missing_file);
  EXPECT_NE(missing_file.error().message().find("cannot read key file"), std::string::npos);
  std::filesystem::remove_all(dir);
  ::unsetenv("ARCA_STATIC_SEAL_TEST_KEY");
}

TEST(StaticSeal, BadKeysAndOptions) {
  struct Case {
    std::map<std::string, std::string> opts;
    std::string want;
  } cases[] = {
      {Opts("k", std::string(31, 'a')), "current_key: must be a 32-byte AES-256 key"},
      {Opts("k", std::string(33, 'a')), "current_key: must be a 32-byte AES-256 key"},
      {Opts("k", HexEncode(std::string(20, 'a'))), "current_key: must be a 32-byte"},
      {Opts("k", Base64Encode(std::string(16, 'a'))), "current_key: must be a 32-byte"},
      {Opts("k", std::string(64, 'z')), "current_key: must be a 32-byte"},
      {Opts("", kKeyA), "current_key_id is required"},
      {Opts("k", ""), "current_key is required"},
      {{{"current_key_id", "k"}, {"current_key", kKeyA}, {"previous_key", kKeyB}},
       "previous_key_id is required with previous_key"},
      {{{"current_key_id", "k"}, {"current_key", kKeyA}, {"previous_key_id", "p"}},
       "previous_key is required with previous_key_id"},
      {{{"current_key_id", "k"}, {"current_key", kKeyA}, {"previous_key_id", "k"},
        {"previous_key", kKeyB}},
       "previous_key_id must differ"},
      {{{"current_key_id", "k"}, {"current_key", kKeyA}, {"previous_key_id", "p"},
        {"previous_key", "short"}},
       "previous_key: must be a 32-byte"},
      {{{"current_key_id", "k"}, {"current_key", kKeyA}, {"curent_key", kKeyA}},
       "unknown option \"curent_key\""},
      {Opts(std::string(256, 'i'), kKeyA), "at most 255 bytes"},
  };
  for (const auto& c : cases) {
    auto s = NewStaticSeal(c.opts);
    ASSERT_FALSE(s) << c.want;
    EXPECT_EQ(s.error().kind(), ErrorKind::kInvalidRequest);
    EXPECT_NE(s.error().message().find(c.want), std::string::npos) << s.error().message();
    // Key material never appears in an error.
    EXPECT_EQ(s.error().message().find(kKeyA), std::string::npos);
  }
}

TEST(StaticSeal, WrongAadAndTamperingFail) {
  auto s = Must(Opts("k1", kKeyA));
  auto blob = s->Wrap("root", "core/seal-root-key");
  ASSERT_TRUE(blob);
  auto wrong_aad = s->Unwrap(*blob, "core/recovery-key");
  ASSERT_FALSE(wrong_aad);
  EXPECT_NE(wrong_aad.error().message().find("message authentication failed"), std::string::npos);
  std::string tampered = *blob;
  tampered.back() ^= 1;
  EXPECT_FALSE(s->Unwrap(tampered, "core/seal-root-key"));
  EXPECT_FALSE(s->Unwrap("", "core/seal-root-key"));
  EXPECT_FALSE(s->Unwrap(blob->substr(0, 10), "core/seal-root-key"));
  // The key id is authenticated too: renaming the blob's id to another configured id fails.
  auto two = Must({{"current_key_id", "k2"}, {"current_key", kKeyA}, {"previous_key_id", "k1"},
                   {"previous_key", kKeyA}});
  std::string renamed = *blob;
  renamed[4] = '2';  // "k1" -> "k2" (header: version, length, id)
  EXPECT_FALSE(two->Unwrap(renamed, "core/seal-root-key"));
}

TEST(StaticSeal, PreviousKeyOpensOldBlobsUnknownIdFails) {
  auto old_seal = Must(Opts("2025-1", kKeyA));
  auto blob = old_seal->Wrap("root", "aad");
  ASSERT_TRUE(blob);
  auto rotated = Must({{"current_key_id", "2026-1"}, {"current_key", kKeyB},
                       {"previous_key_id", "2025-1"}, {"previous_key", kKeyA}});
  auto plain = rotated->Unwrap(*blob, "aad");
  ASSERT_TRUE(plain) << plain.error().message();
  EXPECT_EQ(plain->view(), "root");
  // New blobs use the current key: the old seal cannot open them.
  auto fresh = rotated->Wrap("root", "aad");
  ASSERT_TRUE(fresh);
  auto refused = old_seal->Unwrap(*fresh, "aad");
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message().find("key id \"2026-1\""), std::string::npos);
  // Same id, different key: authentication fails with a clear message.
  auto wrong_key = Must(Opts("2025-1", kKeyB));
  auto bad = wrong_key->Unwrap(*blob, "aad");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message().find("cannot decrypt with key id \"2025-1\""), std::string::npos);
}

TEST(SealFactory, BuildsKnownTypesRefusesUnknown) {
  config::SealConfig c;
  c.type = "shamir";
  auto shamir = NewSeal(c);
  ASSERT_TRUE(shamir);
  EXPECT_EQ(*shamir, nullptr);
  c.type = "static";
  c.options = Opts("k", kKeyA);
  auto st = NewSeal(c);
  ASSERT_TRUE(st);
  ASSERT_NE(*st, nullptr);
  EXPECT_EQ((*st)->Type(), "static");
  c.options = Opts("k", "short");
  auto bad = NewSeal(c);
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message().find("seal \"static\": current_key"), std::string::npos);
  c.type = "gcpckms";
  auto unknown = NewSeal(c);
  ASSERT_FALSE(unknown);
  EXPECT_NE(unknown.error().message().find("seal type \"gcpckms\" is not supported"),
            std::string::npos);
}

}  // namespace
}  // namespace arca::seal
