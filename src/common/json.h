// The one JSON type of the code base is boost::json. Small helpers for reading typed fields.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json.hpp>

#include "common/status.h"

namespace arca {

namespace json = boost::json;

// Parses text into a JSON value; malformed JSON is an InvalidRequest error naming the problem.
Result<json::value> ParseJson(std::string_view text);
// Parses text that must be a JSON object.
Result<json::object> ParseJsonObject(std::string_view text);

std::string ToJson(const json::value& v);

// Field readers: absent -> nullopt; present with the wrong type -> InvalidRequest.
Result<std::optional<std::string>> GetStringField(const json::object& o, std::string_view key);
Result<std::optional<int64_t>> GetIntField(const json::object& o, std::string_view key);
Result<std::optional<bool>> GetBoolField(const json::object& o, std::string_view key);

// Lenient readers for JSON that Arca itself stored: the member when it has the expected type,
// otherwise `def` (absent, null or another type).
std::string StringOr(const json::object& o, std::string_view key, std::string_view def = "");
int64_t IntOr(const json::object& o, std::string_view key, int64_t def = 0);
bool BoolOr(const json::object& o, std::string_view key, bool def = false);
json::object ObjectOr(const json::object& o, std::string_view key);
// The string items of an array member (other items skipped; not an array: empty).
std::vector<std::string> StringsOf(const json::object& o, std::string_view key);
json::array ToJsonArray(const std::vector<std::string>& items);

}  // namespace arca
