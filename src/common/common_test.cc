#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <algorithm>
#include <random>

#include "common/duration.h"
#include "common/encoding.h"
#include "common/glob.h"
#include "common/json.h"
#include "common/rfc3339.h"
#include "common/secure_bytes.h"
#include "common/status.h"
#include "common/uuid.h"

namespace arca {
namespace {

TEST(Status, KindsMapToHttpStatus) {
  struct Case { ErrorKind kind; int status; } cases[] = {
      {ErrorKind::kInvalidRequest, 400}, {ErrorKind::kPermissionDenied, 403},
      {ErrorKind::kNotFound, 404},       {ErrorKind::kUnsupportedOperation, 405},
      {ErrorKind::kPreconditionFailed, 412}, {ErrorKind::kPayloadTooLarge, 413},
      {ErrorKind::kUnsupportedMediaType, 415}, {ErrorKind::kRateLimited, 429},
      {ErrorKind::kInternal, 500},       {ErrorKind::kSealed, 503},
  };
  for (const auto& c : cases) EXPECT_EQ(HttpStatusFor(c.kind), c.status);
}

Result<int> Half(int x) {
  if (x % 2) return InvalidRequest("odd");
  return x / 2;
}
Result<int> Quarter(int x) {
  ARCA_ASSIGN_OR_RETURN(int h, Half(x));
  return Half(h);
}

TEST(Status, AssignOrReturnPropagates) {
  EXPECT_EQ(*Quarter(8), 2);
  auto r = Quarter(6);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message(), "odd");
  EXPECT_EQ(r.error().WithContext("ctx").message(), "ctx: odd");
}

TEST(Rfc3339, FormatsNanosecondsInUtc) {
  EXPECT_EQ(FormatRfc3339Nanos(0), "1970-01-01T00:00:00.000000000Z");
  // 1795469687 s after the epoch
  EXPECT_EQ(FormatRfc3339Nanos(1'795'469'687'000'000'123), "2026-11-23T21:34:47.000000123Z");
  EXPECT_EQ(FormatRfc3339Nanos(951'782'400'999'999'999), "2000-02-29T00:00:00.999999999Z");
  // Before the epoch the fraction still counts forward from the earlier second.
  EXPECT_EQ(FormatRfc3339Nanos(-1), "1969-12-31T23:59:59.999999999Z");
}

TEST(Duration, ParsesVaultForms) {
  struct Case { const char* in; int64_t secs; } cases[] = {
      {"30s", 30}, {"1h30m", 5400}, {"768h", 2764800}, {"3600", 3600}, {"", 0},
      {"1.5h", 5400}, {"500ms", 0}, {"2d", 172800}, {"1m1s", 61}, {" 10s ", 10},
  };
  for (const auto& c : cases) {
    auto r = ParseDuration(c.in);
    ASSERT_TRUE(r) << c.in;
    EXPECT_EQ(r->count(), c.secs) << c.in;
  }
}

TEST(Duration, RejectsBadInput) {
  for (const char* in : {"-5s", "abc", "10x", "h", "1..5s", "5 s", "99999999999999999999"}) {
    auto r = ParseDuration(in);
    EXPECT_FALSE(r) << in;
    if (!r) {
      EXPECT_EQ(r.error().kind(), ErrorKind::kInvalidRequest);
    }
  }
}

// Issue 16 #11: a number out of double's range made std::stod throw (out of the request
// handler), and durations past what fits in nanoseconds were accepted.
TEST(Duration, HugeOrNonFiniteInputIsAnErrorNotAThrow) {
  const std::string long_digits = "1" + std::string(400, '0');
  for (std::string in :
       {long_digits + "s", long_digits + ".5h", std::string("1e999s"), std::string("inf"),
        std::string("nan"), std::string("Infinity"), std::string("-inf"), std::string("9223372037"),
        std::string("9223372037s"), std::string("2562048h"), long_digits,
        std::string("99999999999999999999999999h"), std::string("1.5.h")}) {
    Result<Seconds> r = Seconds(0);
    ASSERT_NO_THROW(r = ParseDuration(in)) << in;
    ASSERT_FALSE(r) << in << " -> " << r->count();
    EXPECT_EQ(r.error().kind(), ErrorKind::kInvalidRequest) << in;
  }
  EXPECT_EQ(ParseDuration("9223372036")->count(), 9223372036);
  EXPECT_EQ(ParseDuration("2562047h")->count(), 2562047LL * 3600);
  EXPECT_EQ(kMaxDuration.count(), 9223372036);
}

TEST(Duration, FromNumberChecksTheRangeBeforeConverting) {
  struct Case {
    json::value in;
    int64_t secs;  // -1: an error
  } cases[] = {
      {json::value(3600), 3600},
      {json::value(1.9), 1},
      {json::value(0), 0},
      {json::value(9223372036), 9223372036},
      {json::value(9223372036.5), 9223372036},
      {json::value(1e300), -1},
      {json::value(-1e300), -1},
      {json::value(9223372037), -1},
      {json::value(9223372037.0), -1},
      {json::value(std::numeric_limits<uint64_t>::max()), -1},
      {json::value(std::numeric_limits<int64_t>::max()), -1},
      {json::value(std::numeric_limits<double>::infinity()), -1},
      {json::value(std::numeric_limits<double>::quiet_NaN()), -1},
      {json::value(-1), -1},
      {json::value(-0.5), -1},
      {json::value("10"), -1},  // not a number: strings go through ParseDuration
  };
  for (const Case& c : cases) {
    auto r = DurationFromNumber(c.in);
    if (c.secs < 0) {
      ASSERT_FALSE(r) << json::serialize(c.in) << " -> " << r->count();
      EXPECT_EQ(r.error().kind(), ErrorKind::kInvalidRequest);
    } else {
      ASSERT_TRUE(r) << json::serialize(c.in) << ": " << r.error().message();
      EXPECT_EQ(r->count(), c.secs) << json::serialize(c.in);
    }
  }
  auto huge = DurationFromNumber(json::value(1e300));
  ASSERT_FALSE(huge);
  EXPECT_NE(huge.error().message().find("too large"), std::string::npos) << huge.error().message();
}

TEST(Duration, Formats) {
  EXPECT_EQ(FormatGoDuration(Seconds(2764800)), "768h0m0s");
  EXPECT_EQ(FormatGoDuration(Seconds(90)), "1m30s");
  EXPECT_EQ(FormatGoDuration(Seconds(0)), "0s");
  EXPECT_EQ(FormatShortDuration(Seconds(5400)), "1h30m");
}

TEST(Encoding, Base64RoundTripAndVectors) {
  // RFC 4648 test vectors.
  const char* plain[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
  const char* enc[] = {"", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"};
  for (int i = 0; i < 7; ++i) {
    EXPECT_EQ(Base64Encode(plain[i]), enc[i]);
    EXPECT_EQ(*Base64Decode(enc[i]), plain[i]);
  }
  std::string bin("\x00\xff\xfe\x01", 4);
  EXPECT_EQ(*Base64UrlDecode(Base64UrlEncode(bin)), bin);
  EXPECT_FALSE(Base64Decode("Zm9v!"));
  EXPECT_FALSE(Base64Decode("Z"));
  EXPECT_FALSE(Base64Decode("Zh=="));  // non-canonical trailing bits
  EXPECT_EQ(Base64UrlEncode("fo"), "Zm8");
  EXPECT_EQ(Base64UrlEncode("fo", true), "Zm8=");
  EXPECT_EQ(*Base64UrlDecode("Zm8"), "fo");
  EXPECT_FALSE(Base64UrlDecode("Zm+v"));  // '+' is not in the URL alphabet
  EXPECT_FALSE(Base64Decode("Zm-_"));     // nor '-' in the standard one
}

TEST(Encoding, Base64AgreesWithOpenSslAtEveryLength) {
  std::mt19937 rng(7);
  for (size_t n = 0; n <= 100; ++n) {
    std::string bytes(n, '\0');
    for (char& c : bytes) c = static_cast<char>(rng());
    std::string expected(4 * ((n + 2) / 3) + 1, '\0');
    const int len =
        EVP_EncodeBlock(reinterpret_cast<unsigned char*>(expected.data()),
                        reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(n));
    expected.resize(static_cast<size_t>(len));
    EXPECT_EQ(Base64Encode(bytes), expected) << n;
    auto decoded = Base64Decode(expected);
    ASSERT_TRUE(decoded) << n;
    EXPECT_EQ(*decoded, bytes) << n;
    std::string url = expected;
    std::replace(url.begin(), url.end(), '+', '-');
    std::replace(url.begin(), url.end(), '/', '_');
    EXPECT_EQ(Base64UrlEncode(bytes, true), url) << n;
    url.erase(url.find_last_not_of('=') + 1);
    EXPECT_EQ(Base64UrlEncode(bytes), url) << n;
    EXPECT_EQ(*Base64UrlDecode(url), bytes) << n;
  }
}

TEST(Encoding, Hex) {
  EXPECT_EQ(HexEncode(std::string("\x00\xab", 2)), "00ab");
  EXPECT_EQ(*HexDecode("00AB"), std::string("\x00\xab", 2));
  EXPECT_FALSE(HexDecode("abc"));
  EXPECT_FALSE(HexDecode("zz"));
}

TEST(Uuid, ShapeAndUniqueness) {
  auto a = GenerateUuid(), b = GenerateUuid();
  EXPECT_TRUE(IsUuid(a));
  EXPECT_NE(a, b);
  EXPECT_EQ(a[14], '4');
  EXPECT_FALSE(IsUuid("not-a-uuid"));
  auto r1 = GenerateRequestId(), r2 = GenerateRequestId();
  EXPECT_TRUE(IsUuid(r1));
  EXPECT_NE(r1, r2);
  EXPECT_EQ(r1[14], '4');
}

TEST(SecureBytes, MoveLeavesSourceEmpty) {
  SecureBytes a = SecureBytes::FromString("secret");
  SecureBytes b = std::move(a);
  EXPECT_EQ(b.view(), "secret");
  EXPECT_TRUE(a.empty());  // NOLINT(bugprone-use-after-move)
  SecureBytes c = b.Clone();
  c.resize(64);
  EXPECT_EQ(c.size(), 64u);
  EXPECT_EQ(c.view().substr(0, 6), "secret");
}

TEST(Json, FieldReaders) {
  auto o = ParseJsonObject(R"({"s":"x","i":5,"is":"7","b":true,"bs":"false","n":null})");
  ASSERT_TRUE(o);
  EXPECT_EQ(**GetStringField(*o, "s"), "x");
  EXPECT_FALSE(GetStringField(*o, "i"));
  EXPECT_EQ(**GetIntField(*o, "i"), 5);
  EXPECT_EQ(**GetIntField(*o, "is"), 7);
  EXPECT_TRUE(**GetBoolField(*o, "b"));
  EXPECT_FALSE(**GetBoolField(*o, "bs"));
  EXPECT_FALSE(GetIntField(*o, "missing")->has_value());
  EXPECT_FALSE(GetIntField(*o, "n")->has_value());
  EXPECT_FALSE(ParseJsonObject("{bad"));
  EXPECT_FALSE(ParseJsonObject("[1]"));
}

}  // namespace
TEST(Json, LenientReaders) {
  json::object o = json::parse(R"({"s":"x","i":7,"u":18446744073709551615,"b":true,"a":["p",1,"q"],"o":{"k":1},"n":null})").as_object();
  EXPECT_EQ(StringOr(o, "s"), "x");
  EXPECT_EQ(StringOr(o, "i", "def"), "def");
  EXPECT_EQ(StringOr(o, "missing", "def"), "def");
  EXPECT_EQ(IntOr(o, "i"), 7);
  EXPECT_EQ(IntOr(o, "s", -1), -1);
  EXPECT_TRUE(BoolOr(o, "b"));
  EXPECT_TRUE(BoolOr(o, "n", true));
  EXPECT_EQ(StringsOf(o, "a"), (std::vector<std::string>{"p", "q"}));
  EXPECT_TRUE(StringsOf(o, "s").empty());
  EXPECT_EQ(ObjectOr(o, "o").size(), 1u);
  EXPECT_TRUE(ObjectOr(o, "a").empty());
  EXPECT_EQ(json::serialize(ToJsonArray({"a", "b"})), R"(["a","b"])");
}

TEST(Glob, StarMatchesAnyRun) {
  EXPECT_TRUE(GlobMatch("*", ""));
  EXPECT_TRUE(GlobMatch("static-*", "static-app"));
  EXPECT_FALSE(GlobMatch("static-*", "dynamic-app"));
  EXPECT_TRUE(GlobMatch("*.example.*", "www.example.com"));
  EXPECT_FALSE(GlobMatch("*.example.com", "example.com"));
  EXPECT_TRUE(GlobMatch("a*b*c", "aXbYbZc"));
  EXPECT_FALSE(GlobMatch("a*b*c", "aXbYbZ"));
  EXPECT_TRUE(GlobMatch("exact", "exact"));
  EXPECT_FALSE(GlobMatch("exact", "exact2"));
}

}  // namespace arca
