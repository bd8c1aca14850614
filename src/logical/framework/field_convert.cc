// Conversion of raw JSON input to the canonical form of each FieldType (see field.h).
// Type names, schemas, zero values and RFC 3339 parsing are in field_types.cc.
#include <cctype>
#include <charconv>
#include <chrono>
#include <cmath>
#include <limits>
#include <optional>

#include "common/duration.h"
#include "common/encoding.h"
#include "logical/framework/field.h"
#include "logical/framework/path.h"

namespace arca::logical::framework {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string Describe(const json::value& v) {
  std::string s = json::serialize(v);
  if (s.size() > 64) s = s.substr(0, 61) + "...";
  return s;
}

std::string FormatDouble(double d) {
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof(buf), d);
  return std::string(buf, res.ptr);
}

// Weak conversion of a scalar to a string (Vault's mapstructure.WeakDecode into a string).
std::optional<std::string> WeakString(const json::value& v) {
  switch (v.kind()) {
    case json::kind::string:
      return std::string(v.as_string());
    case json::kind::int64:
      return std::to_string(v.as_int64());
    case json::kind::uint64:
      return std::to_string(v.as_uint64());
    case json::kind::double_:
      return FormatDouble(v.as_double());
    case json::kind::bool_:
      return std::string(v.as_bool() ? "1" : "0");
    default:
      return std::nullopt;
  }
}

std::optional<int64_t> ParseIntText(std::string_view s) {
  s = Trim(s);
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  int64_t n = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
  if (s.empty() || ec != std::errc() || ptr != s.data() + s.size()) return std::nullopt;
  return n;
}

std::optional<double> ParseFloatText(std::string_view s) {
  s = Trim(s);
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  double d = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), d);
  if (s.empty() || ec != std::errc() || ptr != s.data() + s.size() || !std::isfinite(d)) {
    return std::nullopt;
  }
  return d;
}

Result<int64_t> ToInt(const json::value& v) {
  if (v.is_int64()) return v.as_int64();
  if (v.is_uint64()) {
    if (v.as_uint64() <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
      return static_cast<int64_t>(v.as_uint64());
    }
    return InvalidRequest("integer " + Describe(v) + " out of range");
  }
  if (v.is_double()) {
    double d = v.as_double();
    if (std::isfinite(d) && std::trunc(d) == d && std::fabs(d) < 9.2e18) {
      return static_cast<int64_t>(d);
    }
    return InvalidRequest("cannot parse " + Describe(v) + " as an integer");
  }
  if (v.is_string()) {
    if (auto n = ParseIntText(v.as_string())) return *n;
  }
  return InvalidRequest("cannot parse " + Describe(v) + " as an integer");
}

Result<bool> ToBool(const json::value& v) {
  if (v.is_bool()) return v.as_bool();
  if (v.is_int64() || v.is_uint64()) {
    auto n = ToInt(v);
    if (n && (*n == 0 || *n == 1)) return *n == 1;
  }
  if (v.is_string()) {
    std::string s = Lower(Trim(v.as_string()));
    if (s == "true" || s == "t" || s == "1") return true;
    if (s == "false" || s == "f" || s == "0") return false;
  }
  return InvalidRequest("cannot parse " + Describe(v) + " as a boolean");
}

Result<int64_t> ToDuration(const json::value& v) {
  if (v.is_int64() || v.is_uint64() || v.is_double()) {
    // Range-checked before any cast: {"ttl": 1e300} must not wrap into a huge or zero TTL.
    ARCA_ASSIGN_OR_RETURN(Seconds s, DurationFromNumber(v));
    return static_cast<int64_t>(s.count());
  }
  if (v.is_string()) {
    ARCA_ASSIGN_OR_RETURN(Seconds s, ParseDuration(v.as_string()));
    return static_cast<int64_t>(s.count());
  }
  return InvalidRequest("cannot parse " + Describe(v) + " as a duration");
}

Result<double> ToFloat(const json::value& v) {
  if (v.is_double()) return v.as_double();
  if (v.is_int64()) return static_cast<double>(v.as_int64());
  if (v.is_uint64()) return static_cast<double>(v.as_uint64());
  if (v.is_string()) {
    if (auto d = ParseFloatText(v.as_string())) return *d;
  }
  return InvalidRequest("cannot parse " + Describe(v) + " as a float");
}

Result<std::string> ToString(const json::value& v) {
  if (auto s = WeakString(v)) return *s;
  return InvalidRequest("expected a string, got " + Describe(v));
}

// Items of a list input: an array, a comma-separated string (when `split`), or one scalar.
Result<std::vector<json::value>> ListItems(const json::value& v, bool split) {
  std::vector<json::value> items;
  if (v.is_array()) {
    for (const auto& e : v.as_array()) items.push_back(e);
    return items;
  }
  if (v.is_string()) {
    std::string_view s = v.as_string();
    if (s.empty()) return items;
    if (!split) {
      items.emplace_back(s);
      return items;
    }
    size_t start = 0;
    while (true) {
      size_t comma = s.find(',', start);
      items.emplace_back(s.substr(start, comma == std::string_view::npos ? s.npos : comma - start));
      if (comma == std::string_view::npos) break;
      start = comma + 1;
    }
    return items;
  }
  if (v.is_number() || v.is_bool()) {
    items.push_back(v);
    return items;
  }
  return InvalidRequest("expected a list, got " + Describe(v));
}

Result<json::value> ToStringSlice(const json::value& v, bool split) {
  ARCA_ASSIGN_OR_RETURN(auto items, ListItems(v, split));
  json::array out;
  for (const auto& item : items) {
    auto s = WeakString(item);
    if (!s) return InvalidRequest("list item " + Describe(item) + " is not a string");
    out.emplace_back(Trim(*s));
  }
  return out;
}

Result<json::value> ToIntSlice(const json::value& v) {
  ARCA_ASSIGN_OR_RETURN(auto items, ListItems(v, /*split=*/true));
  json::array out;
  for (const auto& item : items) {
    ARCA_ASSIGN_OR_RETURN(int64_t n, ToInt(item));
    out.emplace_back(n);
  }
  return out;
}

Result<json::object> ObjectFromJsonString(std::string_view s) {
  if (Trim(s).empty()) return json::object();
  auto parsed = ParseJson(s);
  if (!parsed || !parsed->is_object()) {
    return InvalidRequest("expected a map (a JSON object or a string holding one)");
  }
  return std::move(parsed->as_object());
}

Result<json::value> ToMap(const json::value& v) {
  if (v.is_object()) return v;
  if (v.is_string()) {
    ARCA_ASSIGN_OR_RETURN(json::object o, ObjectFromJsonString(v.as_string()));
    return o;
  }
  return InvalidRequest("expected a map, got " + Describe(v));
}

Result<json::value> ToKvPairs(const json::value& v) {
  json::object out;
  if (v.is_object()) {
    for (const auto& kv : v.as_object()) {
      auto s = WeakString(kv.value());
      if (!s)
        return InvalidRequest("value of key \"" + std::string(kv.key()) + "\" is not a string");
      out[kv.key()] = *s;
    }
    return out;
  }
  ARCA_ASSIGN_OR_RETURN(auto items, ListItems(v, /*split=*/false));
  for (const auto& item : items) {
    auto s = WeakString(item);
    size_t eq = s ? s->find('=') : std::string::npos;
    if (!s || eq == std::string::npos || eq == 0) {
      return InvalidRequest("invalid key pair " + Describe(item));
    }
    out[s->substr(0, eq)] = s->substr(eq + 1);
  }
  return out;
}

// Go's textproto.CanonicalMIMEHeaderKey for plain token names: "x-vault-token" -> "X-Vault-Token".
std::string CanonicalHeaderName(std::string_view name) {
  std::string out(name);
  bool upper = true;
  for (char& c : out) {
    if (c == ' ') return std::string(name);  // not a token: leave as is
    c = static_cast<char>(upper ? std::toupper(static_cast<unsigned char>(c))
                                : std::tolower(static_cast<unsigned char>(c)));
    upper = c == '-';
  }
  return out;
}

Result<json::value> ToHeader(const json::value& v) {
  json::object in;
  if (v.is_object()) {
    in = v.as_object();
  } else if (v.is_string()) {
    std::string_view s = v.as_string();
    auto direct = ObjectFromJsonString(s);
    if (direct) {
      in = std::move(*direct);
    } else {  // the CLI sends base64-encoded JSON
      auto decoded = Base64Decode(Trim(s));
      if (!decoded) return InvalidRequest("expected a header map (JSON object, maybe base64)");
      ARCA_ASSIGN_OR_RETURN(in, ObjectFromJsonString(*decoded));
    }
  } else {
    return InvalidRequest("expected a header map, got " + Describe(v));
  }
  json::object out;
  for (const auto& kv : in) {
    ARCA_ASSIGN_OR_RETURN(json::value values, ToStringSlice(kv.value(), /*split=*/false));
    json::array& dst = out[CanonicalHeaderName(kv.key())].emplace_array();
    for (auto& s : values.as_array()) dst.push_back(std::move(s));
  }
  return out;
}

Result<json::value> ToTime(const json::value& v) {
  if (v.is_number()) {
    ARCA_ASSIGN_OR_RETURN(int64_t n, ToInt(v));
    return n;
  }
  if (v.is_string()) {
    if (auto n = ParseIntText(v.as_string())) return *n;
    ARCA_ASSIGN_OR_RETURN(int64_t n, ParseRfc3339(Trim(v.as_string())));
    return n;
  }
  return InvalidRequest("cannot parse " + Describe(v) + " as a time");
}

}  // namespace

Result<json::value> ConvertValue(FieldType type, const json::value& in) {
  if (in.is_null()) return ZeroValue(type);
  switch (type) {
    case FieldType::kString: {
      ARCA_ASSIGN_OR_RETURN(std::string s, ToString(in));
      return json::value(s);
    }
    case FieldType::kLowerCaseString: {
      ARCA_ASSIGN_OR_RETURN(std::string s, ToString(in));
      return json::value(Lower(s));
    }
    case FieldType::kNameString: {
      ARCA_ASSIGN_OR_RETURN(std::string s, ToString(in));
      if (!IsGenericName(s)) return InvalidRequest("field does not match the formatting rules");
      return json::value(s);
    }
    case FieldType::kInt: {
      ARCA_ASSIGN_OR_RETURN(int64_t n, ToInt(in));
      return json::value(n);
    }
    case FieldType::kBool: {
      ARCA_ASSIGN_OR_RETURN(bool b, ToBool(in));
      return json::value(b);
    }
    case FieldType::kDuration: {
      ARCA_ASSIGN_OR_RETURN(int64_t n, ToDuration(in));
      return json::value(n);
    }
    case FieldType::kFloat: {
      ARCA_ASSIGN_OR_RETURN(double d, ToFloat(in));
      return json::value(d);
    }
    case FieldType::kCommaStringSlice:
      return ToStringSlice(in, /*split=*/true);
    case FieldType::kStringSlice:
      return ToStringSlice(in, /*split=*/false);
    case FieldType::kCommaIntSlice:
      return ToIntSlice(in);
    case FieldType::kMap:
      return ToMap(in);
    case FieldType::kKVPairs:
      return ToKvPairs(in);
    case FieldType::kHeader:
      return ToHeader(in);
    case FieldType::kTime:
      return ToTime(in);
  }
  return Internal("unknown field type");
}

}  // namespace arca::logical::framework
