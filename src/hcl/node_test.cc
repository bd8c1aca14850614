#include "hcl/node.h"

#include <gtest/gtest.h>

#include "hcl/blocks.h"
#include "hcl/parser.h"
#include "hcl/to_json.h"

namespace arca::hcl {
namespace {

NodePtr Value(std::string_view literal) {
  auto r = Parse("v = " + std::string(literal), "n.hcl");
  EXPECT_TRUE(r) << literal << ": " << (r ? "" : r.error().message());
  return r ? (*r)->Find("v")->value : std::make_shared<Node>();
}

TEST(Node, KindNames) {
  EXPECT_EQ(KindName(Kind::kNull), "null");
  EXPECT_EQ(KindName(Kind::kBool), "bool");
  EXPECT_EQ(KindName(Kind::kNumber), "number");
  EXPECT_EQ(KindName(Kind::kString), "string");
  EXPECT_EQ(KindName(Kind::kList), "list");
  EXPECT_EQ(KindName(Kind::kObject), "object");
}

TEST(Node, AsBoolAcceptsVaultForms) {
  struct Case {
    const char* lit;
    bool want;
  } good[] = {
      {"true", true},   {"false", false},     {"\"true\"", true},   {"\"1\"", true},
      {"\"0\"", false}, {"\"T\"", true},      {"\"FALSE\"", false}, {"1", true},
      {"0", false},     {"\"False\"", false},
  };
  for (const auto& c : good) {
    auto r = AsBool(*Value(c.lit), "flag");
    ASSERT_TRUE(r) << c.lit;
    EXPECT_EQ(*r, c.want) << c.lit;
  }
  for (const char* lit : {"\"yes\"", "2", "[1]", "{}", "null", "\"\"", "1.0"}) {
    auto r = AsBool(*Value(lit), "flag");
    ASSERT_FALSE(r) << lit;
    EXPECT_TRUE(r.error().message().starts_with("n.hcl:1:5: flag: expected a bool"))
        << r.error().message();
  }
}

TEST(Node, AsIntAndDouble) {
  EXPECT_EQ(*AsInt(*Value("42")), 42);
  EXPECT_EQ(*AsInt(*Value("-3")), -3);
  EXPECT_EQ(*AsInt(*Value("\"8200\"")), 8200);
  EXPECT_EQ(*AsInt(*Value("2.0")), 2);
  EXPECT_EQ(*AsInt(*Value("0x10")), 16);
  for (const char* lit : {"\"abc\"", "1.5", "true", "[]", "\"12x\"", "\"\""}) {
    auto r = AsInt(*Value(lit), "size");
    ASSERT_FALSE(r) << lit;
    EXPECT_NE(r.error().message().find("size: expected an integer"), std::string::npos);
  }
  EXPECT_DOUBLE_EQ(*AsDouble(*Value("1.5")), 1.5);
  EXPECT_DOUBLE_EQ(*AsDouble(*Value("\"2.25\"")), 2.25);
  EXPECT_FALSE(AsDouble(*Value("\"x\"")));
}

TEST(Node, AsStringAndScalars) {
  EXPECT_EQ(*AsString(*Value("\"s\"")), "s");
  auto r = AsString(*Value("[\"s\"]"), "address");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message(), "n.hcl:1:5: address: expected a string, got list");
  EXPECT_EQ(*AsScalarString(*Value("12")), "12");
  EXPECT_EQ(*AsScalarString(*Value("1.50")), "1.50");
  EXPECT_EQ(*AsScalarString(*Value("true")), "true");
  EXPECT_FALSE(AsScalarString(*Value("{ a = 1 }")));
  EXPECT_FALSE(AsScalarString(*Value("null")));
}

TEST(Node, AsStringList) {
  using V = std::vector<std::string>;
  EXPECT_EQ(*AsStringList(*Value("[\"a\", \"b\"]")), (V{"a", "b"}));
  EXPECT_EQ(*AsStringList(*Value("\"a, b ,,c\"")), (V{"a", "b", "c"}));
  EXPECT_EQ(*AsStringList(*Value("[]")), V{});
  auto r = AsStringList(*Value("[\"a\", 1]"), "addrs");
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().message().starts_with("n.hcl:1:11: addrs:")) << r.error().message();
  EXPECT_FALSE(AsStringList(*Value("3")));
}

TEST(Node, FindAndFindAll) {
  auto root = *Parse("a = 1\nb = 2\na = 3\n", "");
  EXPECT_EQ(root->Find("a")->value->int_value, 3);
  EXPECT_EQ(root->FindAll("a").size(), 2u);
  EXPECT_EQ(root->Find("zzz"), nullptr);
  EXPECT_TRUE(root->FindAll("zzz").empty());
  EXPECT_EQ(Where(*root->Find("b")->value), "2:5");
  EXPECT_EQ(WhereLine(*Value("1"), Position{7, 3}), "n.hcl:7");
}

TEST(Blocks, ShapesThatDoNotFit) {
  auto root =
      *Parse("storage = \"file\"\nseal { x = 1 }\nlistener \"tcp\" {}\nempty = {}\n", "b.hcl");
  auto r = ExpandBlocks(*root->Find("storage"), 1);
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().message().starts_with("b.hcl:1:11: \"storage\": expected a block label"))
      << r.error().message();
  // `seal { x = 1 }` read with one label: "x" is taken as the label, then 1 is no body.
  r = ExpandBlocks(*root->Find("seal"), 1);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("expected a block body"), std::string::npos);
  r = ExpandBlocks(*root->Find("listener"), 2);
  ASSERT_FALSE(r);
  r = ExpandBlocks(*root->Find("empty"), 1);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("expected 1 block label"), std::string::npos);
  auto zero = ExpandBlocks(*root->Find("seal"), 0);
  ASSERT_TRUE(zero);
  EXPECT_TRUE((*zero)[0].labels.empty());
  EXPECT_EQ((*zero)[0].pos.line, 2);
}

TEST(Blocks, JsonListInsideALabelLevel) {
  auto root = *Parse(R"({"listener": {"tcp": [{"address": "a"}, {"address": "b"}]}})", "");
  auto r = ExpandBlocks(*root->Find("listener"), 1);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->size(), 2u);
  EXPECT_EQ((*r)[1].labels[0], "tcp");
  EXPECT_EQ((*r)[1].body->Find("address")->value->string_value, "b");
}

TEST(ToJson, ConvertsEveryKind) {
  auto root = *Parse(R"(s = "x"
i = -4
f = 0.5
b = true
n = null
l = [1, "two"]
o = { k = "v" }
)",
                     "");
  json::value j = ToJson(*root);
  EXPECT_EQ(json::serialize(j),
            R"({"s":"x","i":-4,"f":5E-1,"b":true,"n":null,"l":[1,"two"],"o":{"k":"v"}})");
}

TEST(ToJson, RepeatedKeysMergeObjectsElseLaterWins) {
  auto root = *Parse(R"(
path "a" { capabilities = ["read"] }
path "b" { capabilities = ["list"] }
path "a" { extra = 1 }
x = 1
x = 2
)",
                     "");
  json::value j = ToJson(*root);
  EXPECT_EQ(j.at("path").as_object().size(), 2u);
  EXPECT_EQ(j.at("path").at("a").at("capabilities").at(0).as_string(), "read");
  EXPECT_EQ(j.at("path").at("a").at("extra").as_int64(), 1);
  EXPECT_EQ(j.at("x").as_int64(), 2);
}

}  // namespace
}  // namespace arca::hcl
