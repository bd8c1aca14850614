#include <gtest/gtest.h>

#include "logical/framework/field.h"

namespace arca::logical::framework {
namespace {

json::value J(std::string_view text) { return json::parse(text); }

struct ConvertCase {
  const char* name;
  FieldType type;
  const char* input;     // JSON
  const char* expected;  // JSON of the canonical value, or nullptr for "conversion fails"
};

class ConvertTest : public ::testing::TestWithParam<ConvertCase> {};

TEST_P(ConvertTest, Converts) {
  const ConvertCase& c = GetParam();
  auto got = ConvertValue(c.type, J(c.input));
  if (c.expected == nullptr) {
    ASSERT_FALSE(got.has_value()) << "converted to " << json::serialize(*got);
    EXPECT_EQ(got.error().kind(), ErrorKind::kInvalidRequest);
    EXPECT_FALSE(got.error().message().empty());
    return;
  }
  ASSERT_TRUE(got.has_value()) << got.error().ToString();
  EXPECT_EQ(*got, J(c.expected)) << json::serialize(*got);
  // Canonical values convert to themselves.
  auto again = ConvertValue(c.type, *got);
  ASSERT_TRUE(again.has_value()) << again.error().ToString();
  EXPECT_EQ(*again, *got);
}

const ConvertCase kCases[] = {
    // kString
    {"string", FieldType::kString, R"("abc")", R"("abc")"},
    {"string_from_int", FieldType::kString, "42", R"("42")"},
    {"string_from_float", FieldType::kString, "1.5", R"("1.5")"},
    {"string_from_bool", FieldType::kString, "true", R"("1")"},
    {"string_null_is_zero", FieldType::kString, "null", R"("")"},
    {"string_from_array_fails", FieldType::kString, R"(["a"])", nullptr},
    {"string_from_object_fails", FieldType::kString, R"({"a":1})", nullptr},
    // kLowerCaseString / kNameString
    {"lower", FieldType::kLowerCaseString, R"("MiXeD")", R"("mixed")"},
    {"lower_from_object_fails", FieldType::kLowerCaseString, "{}", nullptr},
    {"name_ok", FieldType::kNameString, R"("my-key.v2_x")", R"("my-key.v2_x")"},
    {"name_single_char", FieldType::kNameString, R"("a")", R"("a")"},
    {"name_leading_dash_fails", FieldType::kNameString, R"("-a")", nullptr},
    {"name_trailing_dot_fails", FieldType::kNameString, R"("a.")", nullptr},
    {"name_slash_fails", FieldType::kNameString, R"("a/b")", nullptr},
    {"name_empty_fails", FieldType::kNameString, R"("")", nullptr},
    // kInt
    {"int", FieldType::kInt, "-7", "-7"},
    {"int_from_string", FieldType::kInt, R"("123")", "123"},
    {"int_from_integral_float", FieldType::kInt, "3.0", "3"},
    {"int_from_fraction_fails", FieldType::kInt, "3.5", nullptr},
    {"int_from_word_fails", FieldType::kInt, R"("12abc")", nullptr},
    {"int_from_empty_string_fails", FieldType::kInt, R"("")", nullptr},
    {"int_from_bool_fails", FieldType::kInt, "true", nullptr},
    {"int_too_large_fails", FieldType::kInt, "18446744073709551615", nullptr},
    // kBool
    {"bool", FieldType::kBool, "true", "true"},
    {"bool_string_true", FieldType::kBool, R"("true")", "true"},
    {"bool_string_upper", FieldType::kBool, R"("FALSE")", "false"},
    {"bool_string_t", FieldType::kBool, R"("t")", "true"},
    {"bool_string_0", FieldType::kBool, R"("0")", "false"},
    {"bool_number_1", FieldType::kBool, "1", "true"},
    {"bool_number_2_fails", FieldType::kBool, "2", nullptr},
    {"bool_yes_fails", FieldType::kBool, R"("yes")", nullptr},
    // kDuration
    {"duration_int", FieldType::kDuration, "3600", "3600"},
    {"duration_string", FieldType::kDuration, R"("1h30m")", "5400"},
    {"duration_numeric_string", FieldType::kDuration, R"("90")", "90"},
    {"duration_days", FieldType::kDuration, R"("2d")", "172800"},
    {"duration_empty_is_zero", FieldType::kDuration, R"("")", "0"},
    {"duration_float_truncates", FieldType::kDuration, "1.9", "1"},
    {"duration_negative_fails", FieldType::kDuration, "-5", nullptr},
    {"duration_bad_unit_fails", FieldType::kDuration, R"("5 parsecs")", nullptr},
    {"duration_bool_fails", FieldType::kDuration, "true", nullptr},
    // Issue 16 #11: 1e300 was cast to int64 (undefined; it came out as no expiry).
    {"duration_huge_float_fails", FieldType::kDuration, "1e300", nullptr},
    {"duration_over_max_float_fails", FieldType::kDuration, "9223372037.0", nullptr},
    {"duration_over_max_int_fails", FieldType::kDuration, "9223372037", nullptr},
    {"duration_huge_uint_fails", FieldType::kDuration, "18446744073709551615", nullptr},
    {"duration_negative_float_fails", FieldType::kDuration, "-0.5", nullptr},
    {"duration_max_ok", FieldType::kDuration, "9223372036", "9223372036"},
    {"duration_huge_string_fails", FieldType::kDuration, R"("1e999s")", nullptr},
    {"duration_inf_string_fails", FieldType::kDuration, R"("inf")", nullptr},
    {"duration_nan_string_fails", FieldType::kDuration, R"("nan")", nullptr},
    {"duration_long_digits_fails", FieldType::kDuration,
     R"("1000000000000000000000000000000000000000000000000000000000000000000000000000000000000000)"
     R"(000000000000000000000000000000000000000000000000000000000000000000000000000000000000000)"
     R"(000000000000000000000000000000000000000000000000000000000000000000000000000000000000000)"
     R"(000000000000000000000000000000000000000000000000000000000000000000000000000000000000000s")",
     nullptr},
    // kFloat
    {"float", FieldType::kFloat, "2.5", "2.5"},
    {"float_from_int", FieldType::kFloat, "2", "2.0"},
    {"float_from_string", FieldType::kFloat, R"("0.25")", "0.25"},
    {"float_bad_string_fails", FieldType::kFloat, R"("x1")", nullptr},
    // kCommaStringSlice
    {"cslice_string", FieldType::kCommaStringSlice, R"("a, b,c")", R"(["a","b","c"])"},
    {"cslice_array", FieldType::kCommaStringSlice, R"(["a b"," c"])", R"(["a b","c"])"},
    {"cslice_array_keeps_commas", FieldType::kCommaStringSlice, R"(["a,b"])", R"(["a,b"])"},
    {"cslice_empty", FieldType::kCommaStringSlice, R"("")", "[]"},
    {"cslice_number", FieldType::kCommaStringSlice, "5", R"(["5"])"},
    {"cslice_nested_fails", FieldType::kCommaStringSlice, R"([["a"]])", nullptr},
    {"cslice_object_fails", FieldType::kCommaStringSlice, R"({"a":"b"})", nullptr},
    // kStringSlice
    {"slice_array", FieldType::kStringSlice, R"(["x","y"])", R"(["x","y"])"},
    {"slice_single_string_not_split", FieldType::kStringSlice, R"("a,b")", R"(["a,b"])"},
    {"slice_empty_string", FieldType::kStringSlice, R"("")", "[]"},
    {"slice_object_fails", FieldType::kStringSlice, "{}", nullptr},
    // kCommaIntSlice
    {"islice_string", FieldType::kCommaIntSlice, R"("1, 2,3")", "[1,2,3]"},
    {"islice_array", FieldType::kCommaIntSlice, R"([4,"5"])", "[4,5]"},
    {"islice_single", FieldType::kCommaIntSlice, "7", "[7]"},
    {"islice_bad_fails", FieldType::kCommaIntSlice, R"("1,x")", nullptr},
    // kMap
    {"map_object", FieldType::kMap, R"({"a":{"b":1}})", R"({"a":{"b":1}})"},
    {"map_json_string", FieldType::kMap, R"("{\"a\":1}")", R"({"a":1})"},
    {"map_empty_string", FieldType::kMap, R"("")", "{}"},
    {"map_array_string_fails", FieldType::kMap, R"("[1]")", nullptr},
    {"map_array_fails", FieldType::kMap, "[1]", nullptr},
    {"map_number_fails", FieldType::kMap, "1", nullptr},
    // kKVPairs
    {"kv_list", FieldType::kKVPairs, R"(["a=1","b=x=y"])", R"({"a":"1","b":"x=y"})"},
    {"kv_single_string", FieldType::kKVPairs, R"("k=v")", R"({"k":"v"})"},
    {"kv_object", FieldType::kKVPairs, R"({"a":"1","b":2})", R"({"a":"1","b":"2"})"},
    {"kv_missing_eq_fails", FieldType::kKVPairs, R"(["novalue"])", nullptr},
    {"kv_empty_key_fails", FieldType::kKVPairs, R"(["=v"])", nullptr},
    {"kv_nested_object_fails", FieldType::kKVPairs, R"({"a":{"b":1}})", nullptr},
    // kHeader
    {"header_object", FieldType::kHeader, R"({"x-custom":"v","accept":["a","b"]})",
     R"({"X-Custom":["v"],"Accept":["a","b"]})"},
    {"header_json_string", FieldType::kHeader, R"("{\"x-a\":\"1\"}")", R"({"X-A":["1"]})"},
    // base64 of {"x-b":["2"]}
    {"header_base64", FieldType::kHeader, R"("eyJ4LWIiOlsiMiJdfQ==")", R"({"X-B":["2"]})"},
    {"header_bad_string_fails", FieldType::kHeader, R"("not json")", nullptr},
    {"header_number_fails", FieldType::kHeader, "3", nullptr},
    // kTime
    {"time_rfc3339", FieldType::kTime, R"("2024-01-02T03:04:05Z")", "1704164645"},
    {"time_offset", FieldType::kTime, R"("2024-01-02T05:04:05.123+02:00")", "1704164645"},
    {"time_unix", FieldType::kTime, "1704164645", "1704164645"},
    {"time_unix_string", FieldType::kTime, R"("1704164645")", "1704164645"},
    {"time_bad_fails", FieldType::kTime, R"("yesterday")", nullptr},
    {"time_bad_date_fails", FieldType::kTime, R"("2024-02-30T00:00:00Z")", nullptr},
    {"time_no_zone_fails", FieldType::kTime, R"("2024-01-02T03:04:05")", nullptr},
};

INSTANTIATE_TEST_SUITE_P(AllTypes, ConvertTest, ::testing::ValuesIn(kCases),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(ZeroValueTest, NullConvertsToZeroOfEachType) {
  for (FieldType t : {FieldType::kString, FieldType::kInt, FieldType::kBool, FieldType::kDuration,
                      FieldType::kCommaStringSlice, FieldType::kMap, FieldType::kHeader}) {
    auto v = ConvertValue(t, nullptr);
    ASSERT_TRUE(v.has_value());
    EXPECT_EQ(*v, ZeroValue(t)) << FieldTypeName(t);
  }
  EXPECT_EQ(ZeroValue(FieldType::kInt), json::value(0));
  EXPECT_TRUE(ZeroValue(FieldType::kStringSlice).as_array().empty());
}

TEST(ParseRfc3339Test, EpochAndLeapDay) {
  EXPECT_EQ(ParseRfc3339("1970-01-01T00:00:00Z").value(), 0);
  EXPECT_EQ(ParseRfc3339("2000-02-29T00:00:00Z").value(), 951782400);
  EXPECT_EQ(ParseRfc3339("1970-01-01T00:00:00-01:30").value(), 5400);
  EXPECT_FALSE(ParseRfc3339("1970-01-01T24:00:00Z").has_value());
  EXPECT_FALSE(ParseRfc3339("1970-01-01T00:00:00Zjunk").has_value());
  EXPECT_FALSE(ParseRfc3339("").has_value());
}

TEST(FieldTypeNameTest, NamesAndSchemas) {
  EXPECT_EQ(FieldTypeName(FieldType::kDuration), "duration (sec)");
  EXPECT_EQ(FieldTypeOpenApiSchema(FieldType::kInt).at("type"), "integer");
  EXPECT_EQ(FieldTypeOpenApiSchema(FieldType::kCommaStringSlice).at("type"), "array");
}

}  // namespace
}  // namespace arca::logical::framework
