#include "cli/flags.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace arca::cli {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

struct Fixture {
  std::string address, format = "table";
  bool skip = false;
  int n = 5;
  std::vector<std::string> headers;
  FlagSet fs;
  Fixture() {
    fs.String("address", &address);
    fs.String("format", &format);
    fs.Bool("tls-skip-verify", &skip);
    fs.Int("key-shares", &n);
    fs.StringList("header", &headers);
  }
};

TEST(FlagSetTest, AllValueForms) {
  struct Case {
    std::vector<std::string> args;
    std::string want_address;
  };
  const Case cases[] = {
      {{"-address=http://a"}, "http://a"},
      {{"-address", "http://a"}, "http://a"},
      {{"--address=http://a"}, "http://a"},
      {{"--address", "http://a"}, "http://a"},
      {{"-address="}, ""},
      {{"-address=x=y"}, "x=y"},
  };
  for (const auto& c : cases) {
    Fixture f;
    f.address = "default";
    auto pos = f.fs.Parse(c.args);
    ASSERT_TRUE(pos) << c.args[0];
    EXPECT_TRUE(pos->empty());
    EXPECT_EQ(f.address, c.want_address) << c.args[0];
    EXPECT_TRUE(f.fs.IsSet("address"));
  }
}

TEST(FlagSetTest, DefaultsStayWhenUnset) {
  Fixture f;
  auto pos = f.fs.Parse({"secret/foo"});
  ASSERT_TRUE(pos);
  EXPECT_THAT(*pos, ElementsAre("secret/foo"));
  EXPECT_EQ(f.format, "table");
  EXPECT_EQ(f.n, 5);
  EXPECT_FALSE(f.fs.IsSet("format"));
}

TEST(FlagSetTest, Booleans) {
  Fixture a;
  ASSERT_TRUE(a.fs.Parse({"-tls-skip-verify", "x"}));
  EXPECT_TRUE(a.skip);
  Fixture b;
  b.skip = true;
  ASSERT_TRUE(b.fs.Parse({"--tls-skip-verify=false"}));
  EXPECT_FALSE(b.skip);
  Fixture c;
  auto bad = c.fs.Parse({"-tls-skip-verify=maybe"});
  ASSERT_FALSE(bad);
  EXPECT_THAT(bad.error().message(), HasSubstr("invalid boolean value"));
}

TEST(FlagSetTest, IntegersAndLists) {
  Fixture f;
  auto pos = f.fs.Parse({"-key-shares", "7", "-header=A=1", "-header", "B=2", "arg"});
  ASSERT_TRUE(pos);
  EXPECT_EQ(f.n, 7);
  EXPECT_THAT(f.headers, ElementsAre("A=1", "B=2"));
  EXPECT_THAT(*pos, ElementsAre("arg"));
  for (std::string bad : {"-key-shares=x", "-key-shares=", "-key-shares=3x"}) {
    Fixture g;
    auto r = g.fs.Parse({bad});
    ASSERT_FALSE(r) << bad;
    EXPECT_THAT(r.error().message(), HasSubstr("invalid value")) << bad;
  }
}

TEST(FlagSetTest, Errors) {
  struct Case {
    std::vector<std::string> args;
    std::string want;
  };
  const Case cases[] = {
      {{"-nope"}, "flag provided but not defined: -nope"},
      {{"-address"}, "flag needs an argument: -address"},
      {{"---address=x"}, "bad flag syntax"},
      {{"-=x"}, "bad flag syntax"},
      {{"secret/foo", "-format=json"}, "must be provided before positional arguments"},
      {{"a", "b", "--address"}, "must be provided before positional arguments"},
  };
  for (const auto& c : cases) {
    Fixture f;
    auto r = f.fs.Parse(c.args);
    ASSERT_FALSE(r) << c.args[0];
    EXPECT_EQ(r.error().kind(), ErrorKind::kInvalidRequest);
    EXPECT_THAT(r.error().message(), HasSubstr(c.want)) << c.args[0];
  }
}

TEST(FlagSetTest, DashIsPositionalAndDoubleDashEndsFlags) {
  Fixture f;
  auto pos = f.fs.Parse({"-format=json", "secret/foo", "-"});
  ASSERT_TRUE(pos);
  EXPECT_THAT(*pos, ElementsAre("secret/foo", "-"));
  Fixture g;
  auto after = g.fs.Parse({"--", "-notaflag", "x"});
  ASSERT_TRUE(after);
  EXPECT_THAT(*after, ElementsAre("-notaflag", "x"));
}

TEST(FlagSetTest, Help) {
  for (std::string h : {"-h", "-help", "--help"}) {
    Fixture f;
    auto r = f.fs.Parse({h});
    ASSERT_TRUE(r);
    EXPECT_TRUE(f.fs.help_requested());
  }
  Fixture f;
  EXPECT_THAT(f.fs.Usage(), HasSubstr("  -address=<string>\n"));
  EXPECT_THAT(f.fs.Usage(), HasSubstr("  -tls-skip-verify\n"));
}

}  // namespace
}  // namespace arca::cli
