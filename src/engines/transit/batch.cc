// Batch input parsing and batch responses shared by the transit path handlers.
#include "common/encoding.h"
#include "engines/transit/internal.h"

namespace arca::engines::transit {

Result<std::optional<std::vector<json::object>>> BatchInput(const FieldData& d) {
  const json::value& raw = d.GetRaw("batch_input");
  if (raw.is_null()) return std::optional<std::vector<json::object>>{};
  json::value parsed;
  const json::value* arr = &raw;
  if (raw.is_string()) {
    auto p = ParseJson(std::string_view(raw.as_string()));
    if (!p) return InvalidRequest("failed to parse batch input: " + p.error().message());
    parsed = std::move(*p);
    arr = &parsed;
  }
  if (!arr->is_array()) return InvalidRequest("failed to parse batch input: not a list");
  std::vector<json::object> items;
  items.reserve(arr->as_array().size());
  size_t i = 0;
  for (const json::value& v : arr->as_array()) {
    if (!v.is_object()) {
      return InvalidRequest("failed to parse batch input: item " + std::to_string(i) +
                            " is not an object");
    }
    items.push_back(v.as_object());
    ++i;
  }
  if (items.empty()) return InvalidRequest("missing batch input to process");
  return std::optional<std::vector<json::object>>(std::move(items));
}

Result<std::string_view> StringValue(const json::value* v, std::string_view field) {
  if (v == nullptr || v->is_null()) return std::string_view();
  if (!v->is_string()) return InvalidRequest("'" + std::string(field) + "' must be a string");
  return std::string_view(v->as_string());
}

Result<int64_t> IntValue(const json::value* v, std::string_view field) {
  if (v == nullptr || v->is_null()) return int64_t{0};
  if (v->is_int64()) return v->as_int64();
  if (v->is_uint64() && v->as_uint64() <= INT64_MAX) return static_cast<int64_t>(v->as_uint64());
  if (v->is_string()) {
    try {
      size_t pos = 0;
      std::string s(v->as_string());
      int64_t n = std::stoll(s, &pos);
      if (pos == s.size()) return n;
    } catch (const std::exception&) {
    }
  }
  return InvalidRequest("'" + std::string(field) + "' must be an integer");
}

Result<std::string> ItemString(const json::object& item, std::string_view field) {
  ARCA_ASSIGN_OR_RETURN(std::string_view s, StringValue(item.if_contains(field), field));
  return std::string(s);
}

Result<std::string> DecodeBase64Field(std::string_view text, std::string_view what) {
  auto raw = Base64Decode(text);
  if (!raw) return InvalidRequest("failed to base64-decode " + std::string(what));
  return raw;
}

logical::Response BatchResponse(json::array results, size_t errors, int64_t partial_failure_code) {
  logical::Response resp;
  const size_t total = results.size();
  resp.data["batch_results"] = std::move(results);
  if (errors == 0) return resp;
  if (errors == total || partial_failure_code <= 0 || partial_failure_code > 599) {
    resp.status_code = 400;
  } else {
    resp.status_code = static_cast<int>(partial_failure_code);
  }
  return resp;
}

logical::Response KeyResponse(const Policy& p) { return logical::Response::WithData(p.Describe()); }

Result<PolicyPtr> State::RequireKey(logical::Request& req, const std::string& name) {
  ARCA_ASSIGN_OR_RETURN(logical::Storage * s, StorageFor(req));
  ARCA_ASSIGN_OR_RETURN(PolicyPtr p, keys.Get(*s, name));
  if (!p) return InvalidRequest("encryption key not found");
  return p;
}

}  // namespace arca::engines::transit
