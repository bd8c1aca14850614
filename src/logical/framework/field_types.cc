// FieldType metadata (names, OpenAPI schemas, zero values) and RFC 3339 parsing.
#include <cctype>
#include <chrono>
#include <optional>

#include "logical/framework/field.h"

namespace arca::logical::framework {
namespace {

// Reads exactly `n` digits at s[*pos].
std::optional<int> Digits(std::string_view s, size_t* pos, size_t n) {
  if (*pos + n > s.size()) return std::nullopt;
  int v = 0;
  for (size_t i = 0; i < n; ++i) {
    char c = s[*pos + i];
    if (!std::isdigit(static_cast<unsigned char>(c))) return std::nullopt;
    v = v * 10 + (c - '0');
  }
  *pos += n;
  return v;
}

bool Expect(std::string_view s, size_t* pos, std::string_view chars) {
  if (*pos >= s.size() || chars.find(s[*pos]) == std::string_view::npos) return false;
  ++*pos;
  return true;
}

}  // namespace

Result<int64_t> ParseRfc3339(std::string_view s) {
  auto bad = [&] {
    return InvalidRequest("cannot parse \"" + std::string(s) + "\" as RFC 3339 time");
  };
  size_t p = 0;
  auto year = Digits(s, &p, 4);
  if (!year || !Expect(s, &p, "-")) return bad();
  auto month = Digits(s, &p, 2);
  if (!month || !Expect(s, &p, "-")) return bad();
  auto day = Digits(s, &p, 2);
  if (!day || !Expect(s, &p, "Tt ")) return bad();
  auto hour = Digits(s, &p, 2);
  if (!hour || !Expect(s, &p, ":")) return bad();
  auto minute = Digits(s, &p, 2);
  if (!minute || !Expect(s, &p, ":")) return bad();
  auto second = Digits(s, &p, 2);
  if (!second) return bad();
  if (p < s.size() && s[p] == '.') {
    ++p;
    size_t start = p;
    while (p < s.size() && std::isdigit(static_cast<unsigned char>(s[p]))) ++p;
    if (p == start) return bad();
  }
  int offset = 0;
  if (Expect(s, &p, "Zz")) {
  } else if (p < s.size() && (s[p] == '+' || s[p] == '-')) {
    int sign = s[p] == '-' ? -1 : 1;
    ++p;
    auto oh = Digits(s, &p, 2);
    if (!oh || !Expect(s, &p, ":")) return bad();
    auto om = Digits(s, &p, 2);
    if (!om || *oh > 23 || *om > 59) return bad();
    offset = sign * (*oh * 3600 + *om * 60);
  } else {
    return bad();
  }
  if (p != s.size()) return bad();
  using namespace std::chrono;
  year_month_day ymd{std::chrono::year(*year), std::chrono::month(static_cast<unsigned>(*month)),
                     std::chrono::day(static_cast<unsigned>(*day))};
  if (!ymd.ok() || *hour > 23 || *minute > 59 || *second > 60) return bad();
  int64_t days = sys_days(ymd).time_since_epoch().count();
  return days * 86400 + *hour * 3600 + *minute * 60 + *second - offset;
}

std::string_view FieldTypeName(FieldType type) {
  switch (type) {
    case FieldType::kString:
      return "string";
    case FieldType::kInt:
      return "int";
    case FieldType::kBool:
      return "bool";
    case FieldType::kDuration:
      return "duration (sec)";
    case FieldType::kCommaStringSlice:
      return "comma-separated strings";
    case FieldType::kStringSlice:
      return "list of strings";
    case FieldType::kMap:
      return "map";
    case FieldType::kKVPairs:
      return "key-value pairs";
    case FieldType::kLowerCaseString:
      return "lowercase string";
    case FieldType::kNameString:
      return "name string";
    case FieldType::kFloat:
      return "float";
    case FieldType::kCommaIntSlice:
      return "comma-separated ints";
    case FieldType::kHeader:
      return "header";
    case FieldType::kTime:
      return "time";
  }
  return "unknown";
}

json::object FieldTypeOpenApiSchema(FieldType type) {
  switch (type) {
    case FieldType::kInt:
      return {{"type", "integer"}};
    case FieldType::kBool:
      return {{"type", "boolean"}};
    case FieldType::kDuration:
      return {{"type", "string"}, {"format", "duration"}};
    case FieldType::kFloat:
      return {{"type", "number"}};
    case FieldType::kCommaStringSlice:
    case FieldType::kStringSlice:
      return {{"type", "array"}, {"items", {{"type", "string"}}}};
    case FieldType::kCommaIntSlice:
      return {{"type", "array"}, {"items", {{"type", "integer"}}}};
    case FieldType::kMap:
    case FieldType::kKVPairs:
    case FieldType::kHeader:
      return {{"type", "object"}};
    case FieldType::kTime:
      return {{"type", "string"}, {"format", "date-time"}};
    case FieldType::kString:
    case FieldType::kLowerCaseString:
    case FieldType::kNameString:
      return {{"type", "string"}};
  }
  return {{"type", "string"}};
}

json::value ZeroValue(FieldType type) {
  switch (type) {
    case FieldType::kString:
    case FieldType::kLowerCaseString:
    case FieldType::kNameString:
      return json::string();
    case FieldType::kInt:
    case FieldType::kDuration:
    case FieldType::kTime:
      return static_cast<int64_t>(0);
    case FieldType::kBool:
      return false;
    case FieldType::kFloat:
      return 0.0;
    case FieldType::kCommaStringSlice:
    case FieldType::kStringSlice:
    case FieldType::kCommaIntSlice:
      return json::array();
    case FieldType::kMap:
    case FieldType::kKVPairs:
    case FieldType::kHeader:
      return json::object();
  }
  return nullptr;
}

}  // namespace arca::logical::framework
