// The one JSON type of the code base is boost::json. Small helpers for reading typed fields.
#pragma once

#include <optional>
#include <string>
#include <string_view>

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

}  // namespace arca
