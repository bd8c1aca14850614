#include "common/json.h"

namespace arca {

Result<json::value> ParseJson(std::string_view text) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec) return InvalidRequest("failed to parse JSON input: " + ec.message());
  return v;
}

Result<json::object> ParseJsonObject(std::string_view text) {
  ARCA_ASSIGN_OR_RETURN(json::value v, ParseJson(text));
  if (!v.is_object()) return InvalidRequest("failed to parse JSON input: expected an object");
  return std::move(v.as_object());
}

std::string ToJson(const json::value& v) { return json::serialize(v); }

Result<std::optional<std::string>> GetStringField(const json::object& o, std::string_view key) {
  auto it = o.find(key);
  if (it == o.end() || it->value().is_null()) return std::optional<std::string>();
  if (!it->value().is_string()) {
    return InvalidRequest("field \"" + std::string(key) + "\" must be a string");
  }
  return std::optional<std::string>(std::string(it->value().as_string()));
}

Result<std::optional<int64_t>> GetIntField(const json::object& o, std::string_view key) {
  auto it = o.find(key);
  if (it == o.end() || it->value().is_null()) return std::optional<int64_t>();
  const auto& v = it->value();
  if (v.is_int64()) return std::optional<int64_t>(v.as_int64());
  if (v.is_uint64() && v.as_uint64() <= static_cast<uint64_t>(INT64_MAX)) {
    return std::optional<int64_t>(static_cast<int64_t>(v.as_uint64()));
  }
  if (v.is_string()) {
    const auto& s = v.as_string();
    if (!s.empty()) {
      size_t pos = 0;
      try {
        int64_t n = std::stoll(std::string(s), &pos);
        if (pos == s.size()) return std::optional<int64_t>(n);
      } catch (...) {
      }
    }
  }
  return InvalidRequest("field \"" + std::string(key) + "\" must be an integer");
}

Result<std::optional<bool>> GetBoolField(const json::object& o, std::string_view key) {
  auto it = o.find(key);
  if (it == o.end() || it->value().is_null()) return std::optional<bool>();
  const auto& v = it->value();
  if (v.is_bool()) return std::optional<bool>(v.as_bool());
  if (v.is_string()) {
    std::string_view s = v.as_string();
    if (s == "true" || s == "1" || s == "t" || s == "True" || s == "TRUE") return std::optional<bool>(true);
    if (s == "false" || s == "0" || s == "f" || s == "False" || s == "FALSE") return std::optional<bool>(false);
  }
  return InvalidRequest("field \"" + std::string(key) + "\" must be a boolean");
}

std::string StringOr(const json::object& o, std::string_view key, std::string_view def) {
  const json::value* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->as_string()) : std::string(def);
}

int64_t IntOr(const json::object& o, std::string_view key, int64_t def) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr) return def;
  if (v->is_int64()) return v->as_int64();
  if (v->is_uint64()) return static_cast<int64_t>(v->as_uint64());
  return def;
}

bool BoolOr(const json::object& o, std::string_view key, bool def) {
  const json::value* v = o.if_contains(key);
  return v != nullptr && v->is_bool() ? v->as_bool() : def;
}

json::object ObjectOr(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v != nullptr && v->is_object() ? v->as_object() : json::object{};
}

std::vector<std::string> StringsOf(const json::object& o, std::string_view key) {
  std::vector<std::string> out;
  const json::value* v = o.if_contains(key);
  if (v == nullptr || !v->is_array()) return out;
  for (const auto& item : v->as_array()) {
    if (item.is_string()) out.emplace_back(item.as_string());
  }
  return out;
}

json::array ToJsonArray(const std::vector<std::string>& items) {
  json::array a;
  a.reserve(items.size());
  for (const auto& s : items) a.emplace_back(s);
  return a;
}

}  // namespace arca
