#include "logical/framework/field_data.h"

#include <gtest/gtest.h>

namespace arca::logical::framework {
namespace {

json::object Obj(std::string_view text) { return json::parse(text).as_object(); }

FieldMap Schema() {
  FieldMap m;
  m["name"] = {.type = FieldType::kNameString, .description = "the name", .required = true};
  m["ttl"] = {.type = FieldType::kDuration, .default_value = "1h"};
  m["count"] = {.type = FieldType::kInt};
  m["enabled"] = {.type = FieldType::kBool, .default_value = true};
  m["mode"] = {.type = FieldType::kString, .default_value = "a", .allowed_values = {"a", "b"}};
  m["tags"] = {.type = FieldType::kCommaStringSlice};
  m["ids"] = {.type = FieldType::kCommaIntSlice};
  m["meta"] = {.type = FieldType::kMap};
  m["labels"] = {.type = FieldType::kKVPairs};
  m["headers"] = {.type = FieldType::kHeader};
  m["ratio"] = {.type = FieldType::kFloat, .default_value = 0.5};
  m["at"] = {.type = FieldType::kTime};
  return m;
}

TEST(FieldDataTest, GivenValuesAreConverted) {
  auto fd = FieldData::Create(Schema(), Obj(R"({"name":"k1","ttl":"30m","count":"12",
      "enabled":"false","mode":"b","tags":"x,y","ids":"3,4","meta":{"m":1},"labels":["l=v"],
      "headers":{"x-h":"1"},"ratio":"0.75","at":"1970-01-01T00:01:00Z"})"));
  ASSERT_TRUE(fd.has_value()) << fd.error().ToString();
  EXPECT_EQ(fd->GetString("name"), "k1");
  EXPECT_EQ(fd->GetDuration("ttl"), std::chrono::minutes(30));
  EXPECT_EQ(fd->GetInt("count"), 12);
  EXPECT_FALSE(fd->GetBool("enabled"));
  EXPECT_EQ(fd->GetString("mode"), "b");
  EXPECT_EQ(fd->GetStringSlice("tags"), (std::vector<std::string>{"x", "y"}));
  EXPECT_EQ(fd->GetIntSlice("ids"), (std::vector<int64_t>{3, 4}));
  EXPECT_EQ(fd->GetMap("meta"), Obj(R"({"m":1})"));
  EXPECT_EQ(fd->GetKvPairs("labels"), (std::map<std::string, std::string>{{"l", "v"}}));
  EXPECT_EQ(fd->GetHeader("headers").at("X-H"), std::vector<std::string>{"1"});
  EXPECT_DOUBLE_EQ(fd->GetFloat("ratio"), 0.75);
  EXPECT_EQ(fd->GetTime("at").time_since_epoch(), std::chrono::seconds(60));
  EXPECT_TRUE(fd->Has("ttl"));
  EXPECT_EQ(fd->GetRaw("count"), json::value("12"));  // raw keeps the input
  EXPECT_EQ(fd->Get("count"), json::value(12));       // Get is canonical
}

TEST(FieldDataTest, DefaultsAndZeroValues) {
  auto fd = FieldData::Create(Schema(), Obj(R"({"name":"k"})"));
  ASSERT_TRUE(fd.has_value()) << fd.error().ToString();
  EXPECT_FALSE(fd->Has("ttl"));
  EXPECT_EQ(fd->GetDuration("ttl"), std::chrono::hours(1));  // default converted
  EXPECT_TRUE(fd->GetBool("enabled"));
  EXPECT_EQ(fd->GetString("mode"), "a");
  EXPECT_DOUBLE_EQ(fd->GetFloat("ratio"), 0.5);
  EXPECT_EQ(fd->GetInt("count"), 0);  // zero value
  EXPECT_TRUE(fd->GetStringSlice("tags").empty());
  EXPECT_TRUE(fd->GetMap("meta").empty());
  EXPECT_TRUE(fd->GetRaw("count").is_null());
}

struct ErrorCase {
  const char* name;
  const char* input;
  const char* message;
  ErrorKind kind = ErrorKind::kInvalidRequest;
};

class FieldDataErrorTest : public ::testing::TestWithParam<ErrorCase> {};

TEST_P(FieldDataErrorTest, Rejects) {
  auto fd = FieldData::Create(Schema(), Obj(GetParam().input));
  ASSERT_FALSE(fd.has_value());
  EXPECT_EQ(fd.error().kind(), GetParam().kind);
  EXPECT_EQ(fd.error().http_status(), 400);
  EXPECT_TRUE(fd.error().message().starts_with(GetParam().message)) << fd.error().message();
}

INSTANTIATE_TEST_SUITE_P(
    Cases, FieldDataErrorTest,
    ::testing::Values(ErrorCase{"missing_required", R"({"ttl":"1h"})",
                                "missing required field \"name\""},
                      ErrorCase{"bad_duration", R"({"name":"k","ttl":"soon"})",
                                "error converting input for field \"ttl\": "},
                      ErrorCase{"bad_int", R"({"name":"k","count":"many"})",
                                "error converting input for field \"count\": "},
                      ErrorCase{"bad_name", R"({"name":"-k"})",
                                "error converting input for field \"name\": field does not match"},
                      ErrorCase{"bad_map", R"({"name":"k","meta":[1]})",
                                "error converting input for field \"meta\": "},
                      ErrorCase{"not_allowed", R"({"name":"k","mode":"c"})",
                                "invalid value for field \"mode\": \"c\" is not one of [a b]"}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(FieldDataTest, InvalidDefaultIsInternal) {
  FieldMap m;
  m["n"] = {.type = FieldType::kInt, .default_value = "not a number"};
  auto fd = FieldData::Create(m, {});
  ASSERT_FALSE(fd.has_value());
  EXPECT_EQ(fd.error().kind(), ErrorKind::kInternal);
}

TEST(FieldDataTest, UndeclaredParametersKeptInRaw) {
  auto fd = FieldData::Create(Schema(), Obj(R"({"name":"k","extra":"5"})"));
  ASSERT_TRUE(fd.has_value());
  EXPECT_TRUE(fd->Has("extra"));
  EXPECT_EQ(fd->Raw().at("extra"), "5");
  EXPECT_EQ(fd->GetInt("extra"), 5);  // lenient conversion of undeclared names
}

TEST(FieldDataTest, UncheckedReadsLeniently) {
  FieldData fd = FieldData::Unchecked(Obj(R"({"a":"7","b":"x,y","c":"nope","d":{"k":1}})"));
  EXPECT_EQ(fd.GetInt("a"), 7);
  EXPECT_EQ(fd.GetString("a"), "7");
  EXPECT_EQ(fd.GetStringSlice("b"), (std::vector<std::string>{"x", "y"}));
  EXPECT_EQ(fd.GetInt("c"), 0);  // not convertible -> zero value
  EXPECT_FALSE(fd.GetBool("c"));
  EXPECT_EQ(fd.GetString("d"), "");  // an object is no string
  EXPECT_EQ(fd.GetMap("d").at("k"), 1);
  EXPECT_EQ(fd.GetString("missing"), "");
  EXPECT_FALSE(fd.Has("missing"));
  EXPECT_TRUE(fd.Get("missing").is_null());
}

TEST(FieldDataTest, CrossTypeGetterConverts) {
  FieldMap m;
  m["s"] = {.type = FieldType::kString};
  auto fd = FieldData::Create(m, Obj(R"({"s":"42"})"));
  ASSERT_TRUE(fd.has_value());
  EXPECT_EQ(fd->GetInt("s"), 42);
  EXPECT_EQ(fd->GetDuration("s"), std::chrono::seconds(42));
}

}  // namespace
}  // namespace arca::logical::framework
