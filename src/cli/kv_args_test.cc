#include "cli/kv_args.h"

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace arca::cli {
namespace {

using ::testing::HasSubstr;

TEST(KvArgsTest, KeyValuePairs) {
  std::istringstream in;
  auto r = ParseKvArgs({"a=1", "b=", "c=x=y", "", "d=\\@literal"}, &in);
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(json::serialize(*r), R"({"a":"1","b":"","c":"x=y","d":"@literal"})");
}

TEST(KvArgsTest, RepeatedKeysBecomeLists) {
  auto r = ParseKvArgs({"p=a", "p=b", "p=c"}, nullptr);
  ASSERT_TRUE(r);
  EXPECT_EQ(json::serialize(*r), R"({"p":["a","b","c"]})");
}

TEST(KvArgsTest, FileContents) {
  std::string path = "/tmp/arca-kvargs-" + std::to_string(::getpid());
  std::ofstream(path) << "line1\nline2\n";
  auto r = ParseKvArgs({"cert=@" + path}, nullptr);
  std::remove(path.c_str());
  ASSERT_TRUE(r);
  EXPECT_EQ(r->at("cert").as_string(), "line1\nline2\n");
  auto missing = ParseKvArgs({"cert=@/nonexistent/file"}, nullptr);
  ASSERT_FALSE(missing);
  EXPECT_THAT(missing.error().message(), HasSubstr("error reading file"));
}

TEST(KvArgsTest, BareFileArgumentIsTheWholeBody) {
  std::string json_path = "/tmp/arca-kvargs-json-" + std::to_string(::getpid());
  std::string words_path = "/tmp/arca-kvargs-words-" + std::to_string(::getpid());
  std::ofstream(json_path) << R"({"user": "app", "n": 3, "tags": ["a", "b"]})";
  std::ofstream(words_path) << "a=1\nb=2\n";
  auto from_json = ParseKvArgs({"@" + json_path, "extra=x"}, nullptr);
  auto from_words = ParseKvArgs({"@" + words_path}, nullptr);
  auto missing = ParseKvArgs({"@/nonexistent/body.json"}, nullptr);
  std::ofstream(json_path) << "{broken";
  auto broken = ParseKvArgs({"@" + json_path}, nullptr);
  std::remove(json_path.c_str());
  std::remove(words_path.c_str());
  ASSERT_TRUE(from_json) << from_json.error().ToString();
  EXPECT_EQ(json::serialize(*from_json), R"({"user":"app","n":3,"tags":["a","b"],"extra":"x"})");
  ASSERT_TRUE(from_words) << from_words.error().ToString();
  EXPECT_EQ(json::serialize(*from_words), R"({"a":"1","b":"2"})");
  ASSERT_FALSE(missing);
  EXPECT_THAT(missing.error().message(), HasSubstr("error reading file: open /nonexistent/body.json"));
  ASSERT_FALSE(broken);
  EXPECT_THAT(broken.error().message(), HasSubstr("error parsing JSON from " + json_path));
}

TEST(KvArgsTest, ValueFromStdin) {
  std::istringstream in("s3cret\n");
  auto r = ParseKvArgs({"password=-"}, &in);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->at("password").as_string(), "s3cret\n");
}

TEST(KvArgsTest, JsonObjectFromStdinMerges) {
  std::istringstream in(R"({"a": 1, "nested": {"b": true}})");
  auto r = ParseKvArgs({"-", "c=3"}, &in);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->at("a").as_int64(), 1);
  EXPECT_TRUE(r->at("nested").at("b").as_bool());
  EXPECT_EQ(r->at("c").as_string(), "3");
}

TEST(KvArgsTest, KeyValueWordsFromStdin) {
  std::istringstream in("a=1 b=2\nc=3\n");
  auto r = ParseKvArgs({"-"}, &in);
  ASSERT_TRUE(r);
  EXPECT_EQ(json::serialize(*r), R"({"a":"1","b":"2","c":"3"})");
}

TEST(KvArgsTest, Errors) {
  struct Case {
    std::vector<std::string> args;
    std::string stdin_text;
    std::string want;
  };
  const Case cases[] = {
      {{"novalue"}, "", "invalid key/value pair \"novalue\": format must be key=value"},
      {{"-", "x=-"}, "{}", "stdin already consumed"},
      {{"a=-", "b=-"}, "v", "stdin already consumed"},
      {{"-"}, "{not json", "error parsing JSON from stdin"},
      {{"-"}, "junk", "format must be key=value"},
  };
  for (const auto& c : cases) {
    std::istringstream in(c.stdin_text);
    auto r = ParseKvArgs(c.args, &in);
    ASSERT_FALSE(r) << c.args[0];
    EXPECT_EQ(r.error().kind(), ErrorKind::kInvalidRequest);
    EXPECT_THAT(r.error().message(), HasSubstr(c.want)) << c.args[0];
  }
  EXPECT_FALSE(ParseKvArgs({"-"}, nullptr));
}

}  // namespace
}  // namespace arca::cli
