#include "logical/framework/path.h"

#include <gtest/gtest.h>

#include <boost/regex.hpp>

namespace arca::logical::framework {
namespace {

bool FullMatch(const std::string& pattern, const std::string& text, std::string* capture,
               const char* name) {
  boost::regex re(NormalizePattern(pattern), boost::regex::perl);
  boost::smatch m;
  if (!boost::regex_match(text, m, re)) return false;
  if (capture != nullptr) *capture = m[name].matched ? m[name].str() : "<unmatched>";
  return true;
}

TEST(RegexHelpersTest, GenericNameRegex) {
  std::string re = GenericNameRegex("name");
  EXPECT_EQ(re, "(?<name>\\w(([\\w.-]+)?\\w)?)");
  std::string got;
  for (const char* ok : {"a", "ab", "my-key", "v1.2_x", "A-b.C"}) {
    EXPECT_TRUE(FullMatch(re, ok, &got, "name")) << ok;
    EXPECT_EQ(got, ok);
  }
  for (const char* bad : {"", "-a", "a-", ".a", "a.", "a/b", "a b"}) {
    EXPECT_FALSE(FullMatch(re, bad, nullptr, "name")) << bad;
  }
}

TEST(RegexHelpersTest, OptionalParamRegex) {
  std::string re = "roles" + OptionalParamRegex("name");
  std::string got;
  EXPECT_TRUE(FullMatch(re, "roles", &got, "name"));
  EXPECT_EQ(got, "<unmatched>");
  EXPECT_TRUE(FullMatch(re, "roles/a/b", &got, "name"));
  EXPECT_EQ(got, "a/b");
  EXPECT_FALSE(FullMatch(re, "roles/", nullptr, "name"));
}

TEST(RegexHelpersTest, MatchAllRegex) {
  std::string re = MatchAllRegex("path");
  std::string got;
  EXPECT_TRUE(FullMatch(re, "", &got, "path"));
  EXPECT_EQ(got, "");
  EXPECT_TRUE(FullMatch(re, "a/b/c/", &got, "path"));
  EXPECT_EQ(got, "a/b/c/");
}

TEST(NormalizePatternTest, RewritesGoSyntax) {
  EXPECT_EQ(NormalizePattern("(?P<name>\\w(([\\w-.]+)?\\w)?)"), "(?<name>\\w(([\\w\\-.]+)?\\w)?)");
  EXPECT_EQ(NormalizePattern("[\\w-]x"), "[\\w-]x");            // trailing '-' is literal already
  EXPECT_EQ(NormalizePattern("\\w-a"), "\\w-a");                // outside a class: untouched
  EXPECT_EQ(NormalizePattern("[a-z](?<n>.)"), "[a-z](?<n>.)");  // real ranges untouched
  std::string got;
  EXPECT_TRUE(FullMatch("k/(?P<name>\\w(([\\w-.]+)?\\w)?)", "k/a-b.c", &got, "name"));
  EXPECT_EQ(got, "a-b.c");
}

TEST(CaptureNamesTest, FindsNamedGroups) {
  using V = std::vector<std::string>;
  EXPECT_EQ(CaptureNames("keys/" + GenericNameRegex("name") + OptionalParamRegex("version")),
            (V{"name", "version"}));
  EXPECT_EQ(CaptureNames("(?P<a>x)(?'b'y)"), (V{"a", "b"}));
  EXPECT_EQ(CaptureNames("(?<=x)(?<!y)(?:z)(plain)"), V{});
  EXPECT_EQ(CaptureNames("\\(?<no>x\\)"), V{});       // escaped parenthesis
  EXPECT_EQ(CaptureNames("[(?<no>]x"), V{});          // inside a character class
  EXPECT_EQ(CaptureNames("[]](?<yes>x)"), V{"yes"});  // ']' first in a class is literal
}

}  // namespace
}  // namespace arca::logical::framework

namespace arca::logical::framework {
namespace {

TEST(LiteralPrefixTest, StopsAtRegexConstructs) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"config", "config"},
      {"data/(?<path>.+)", "data/"},
      {"^metadata/?$", "metadata"},           // the '/' is optional
      {"keys/?", "keys"},
      {"roles/(?P<name>\\w+)", "roles/"},
      {"ab*c", "a"},
      {"tools/random(?:/x)?", "tools/random"},
      {"a{2}b", ""},
      {"x.y", "x"},
      {"[abc]d", ""},
      {"\\w+", ""},
      {"login|logout", ""},                   // top-level alternation
      {"(login|logout)/x", ""},
      {"users/(a|b)", "users/"},              // alternation inside a group is fine
      {"", ""},
  };
  for (const auto& [pattern, want] : cases) {
    EXPECT_EQ(LiteralPrefix(pattern), want) << pattern;
  }
}

}  // namespace
}  // namespace arca::logical::framework
