#include "cli/format.h"

#include "gtest/gtest.h"

namespace arca::cli {
namespace {

json::value J(std::string_view text) { return *ParseJson(text); }

TEST(FormatTest, GoValue) {
  struct Case {
    std::string json, want;
  };
  const Case cases[] = {
      {"null", "<nil>"},
      {"true", "true"},
      {"42", "42"},
      {"-7", "-7"},
      {"1.5", "1.5"},
      {R"("text")", "text"},
      {R"(["a","b","c"])", "[a b c]"},
      {"[]", "[]"},
      {R"({"b":2,"a":"x"})", "map[a:x b:2]"},
      {"{}", "map[]"},
      {R"([{"k":null},[1,2]])", "[map[k:<nil>] [1 2]]"},
  };
  for (const auto& c : cases) EXPECT_EQ(GoValue(J(c.json)), c.want) << c.json;
  EXPECT_EQ(GoQuotedList(J(R"(["default","root"])")), R"(["default" "root"])");
  EXPECT_EQ(GoQuotedList(J("null")), "[]");
}

TEST(FormatTest, Durations) {
  EXPECT_TRUE(LooksLikeDuration("ttl"));
  EXPECT_TRUE(LooksLikeDuration("max_ttl"));
  EXPECT_TRUE(LooksLikeDuration("period"));
  EXPECT_TRUE(LooksLikeDuration("token_period"));
  EXPECT_TRUE(LooksLikeDuration("request_timeout"));
  EXPECT_FALSE(LooksLikeDuration("ttls"));
  EXPECT_FALSE(LooksLikeDuration("name"));
  EXPECT_EQ(HumanDuration(0), "0s");
  EXPECT_EQ(HumanDuration(2764800), "768h");
  EXPECT_EQ(HumanDuration(3600), "1h");
  EXPECT_EQ(HumanDuration(3601), "1h1s");
  EXPECT_EQ(HumanDuration(90), "1m30s");
  EXPECT_EQ(GoValue(HumanDurationValue(J("5400"))), "1h30m");
  EXPECT_EQ(GoValue(HumanDurationValue(J(R"("1h")"))), "1h");
}

TEST(FormatTest, Table) {
  std::string got = TableOutput({{"Key", "Value"},
                                 {"refresh_interval", "768h"},
                                 {"foo", "bar"},
                                 {"empty", ""},
                                 {"last", "  padded  "}});
  EXPECT_EQ(got,
            "Key                 Value\n"
            "---                 -----\n"
            "refresh_interval    768h\n"
            "foo                 bar\n"
            "empty               n/a\n"
            "last                padded\n");
  EXPECT_EQ(TableOutput({{"Keys"}, {"a"}, {"b/"}}), "Keys\n----\na\nb/\n");
  EXPECT_EQ(Columnize({{"Path", "Type", "Description"}, {"kv/", "kv", ""}}),
            "Path    Type    Description\n"
            "kv/     kv      n/a\n");
  // Widths count characters, not bytes.
  EXPECT_EQ(Columnize({{"token_duration", "∞"}, {"x", "y"}}),
            "token_duration    ∞\nx                 y\n");
}

TEST(FormatTest, GoJsonIndent) {
  json::value v = J(R"({"z":1,"a":[1,"<b>&"],"e":{},"l":[],"n":null,"s":"q\"\\\n\u0001"})");
  EXPECT_EQ(GoJsonIndent(v),
            "{\n"
            "  \"z\": 1,\n"
            "  \"a\": [\n"
            "    1,\n"
            "    \"\\u003cb\\u003e\\u0026\"\n"
            "  ],\n"
            "  \"e\": {},\n"
            "  \"l\": [],\n"
            "  \"n\": null,\n"
            "  \"s\": \"q\\\"\\\\\\n\\u0001\"\n"
            "}\n");
  EXPECT_EQ(GoJsonIndent(SortKeysDeep(J(R"({"b":{"y":1,"x":2},"a":0})"))),
            "{\n  \"a\": 0,\n  \"b\": {\n    \"x\": 2,\n    \"y\": 1\n  }\n}\n");
  EXPECT_EQ(GoJsonIndent(J("[]")), "[]\n");
}

TEST(FormatTest, Yaml) {
  json::value v = J(R"({
    "request_id": "abc",
    "lease_id": "",
    "lease_duration": 2764800,
    "renewable": false,
    "data": {"foo": "bar", "yes": "true", "num": "42", "colon": "a: b", "list": ["x", "y"],
             "multi": "l1\nl2", "objs": [{"k": 1, "j": 2}], "none": null, "empty": {}},
    "warnings": null
  })");
  EXPECT_EQ(ToYaml(v),
            "data:\n"
            "  colon: 'a: b'\n"
            "  empty: {}\n"
            "  foo: bar\n"
            "  list:\n"
            "  - x\n"
            "  - \"y\"\n"
            "  multi: |-\n"
            "    l1\n"
            "    l2\n"
            "  none: null\n"
            "  num: \"42\"\n"
            "  objs:\n"
            "  - j: 2\n"
            "    k: 1\n"
            "  \"yes\": \"true\"\n"
            "lease_duration: 2764800\n"
            "lease_id: \"\"\n"
            "renewable: false\n"
            "request_id: abc\n"
            "warnings: null\n");
  EXPECT_EQ(ToYaml(J(R"(["a","b/"])")), "- a\n- b/\n");
  EXPECT_EQ(ToYaml(J("[]")), "[]\n");
}

TEST(FormatTest, WrapAtLength) {
  EXPECT_EQ(WrapAtLength("short"), "short");
  EXPECT_EQ(WrapAtLength("* warning text", 2), "  * warning text");
  std::string long_text(30, 'a');
  long_text += " " + std::string(30, 'b') + " " + std::string(30, 'c');
  EXPECT_EQ(WrapAtLength(long_text),
            std::string(30, 'a') + " " + std::string(30, 'b') + "\n" + std::string(30, 'c'));
  EXPECT_EQ(WrapAtLength("a\n\nb"), "a\n\nb");
}

}  // namespace
}  // namespace arca::cli
