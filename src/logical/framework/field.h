// Field schemas of the path framework: the typed parameters a framework::Path declares, and the
// conversion of raw JSON input (request body, query parameters, URL captures) into the canonical
// JSON form of each type. Modelled on Vault's sdk/framework field types.
//
// Canonical forms (what ConvertValue returns and FieldData stores):
//   kString, kLowerCaseString, kNameString   string
//   kInt                                     int64
//   kBool                                    bool
//   kDuration                                int64 (whole seconds, >= 0)
//   kFloat                                   double
//   kCommaStringSlice, kStringSlice          array of strings
//   kCommaIntSlice                           array of int64
//   kMap                                     object (any values)
//   kKVPairs                                 object of string -> string
//   kHeader                                  object of canonical header name -> array of strings
//   kTime                                    int64 (seconds since the Unix epoch)
// Converting a canonical value again yields the same value.
//
// Thread-safety: pure functions and value types.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/json.h"
#include "common/status.h"

namespace arca::logical::framework {

enum class FieldType {
  kString,            // strings; numbers and bools are accepted and formatted ("1"/"0" for bools)
  kInt,               // JSON integers, integral floats, numeric strings
  kBool,              // bools, "true"/"false"/"1"/"0"/"t"/"f" (any case), numbers 0/1
  kDuration,          // seconds as a number or numeric string, or "1h30m"-style strings
  kCommaStringSlice,  // array, or a comma-separated string; items trimmed ("" -> [])
  kStringSlice,       // array; one scalar becomes a one-item list (not split, as in Vault)
  kMap,               // object, or a string holding a JSON object
  kKVPairs,           // "k=v" items (an array, or one string), or an object of strings
  kLowerCaseString,   // string, lowercased
  kNameString,        // string matching \w(([\w-.]+)?\w)?
  kFloat,             // numbers or numeric strings
  kCommaIntSlice,     // array of ints, or a comma-separated string of ints
  kHeader,            // object of name -> string or [strings], or a string holding such JSON
                      // (plain or base64, as the CLI sends it); names canonicalized
  kTime,              // RFC 3339 string, or seconds since the epoch (number or numeric string)
};

// A short name of the type for help output ("string", "int", "duration (sec)", ...).
std::string_view FieldTypeName(FieldType type);
// The OpenAPI schema of the type: {"type": ..., ["items": ...], ["format": ...]}.
json::object FieldTypeOpenApiSchema(FieldType type);

struct FieldSchema {
  FieldType type = FieldType::kString;
  std::string description;
  // null = none: an absent field then reads as the zero value of its type. Otherwise converted
  // like input (an unconvertible default makes the backend fail every request on the path).
  json::value default_value;
  bool required = false;                    // absent (and not captured) -> 400
  std::vector<std::string> allowed_values;  // when non-empty, the converted string must be one
  bool deprecated = false;                  // documentation only
};

using FieldMap = std::map<std::string, FieldSchema>;

// Converts raw input to the canonical form of `type`. Errors are InvalidRequest with a message
// that does not name the field (the caller adds `error converting input for field "x": `).
// JSON null converts to the zero value of the type.
Result<json::value> ConvertValue(FieldType type, const json::value& in);

// The zero value of a type in canonical form ("" / 0 / false / [] / {}).
json::value ZeroValue(FieldType type);

// Parses an RFC 3339 timestamp ("2024-05-01T10:00:00Z", "...+02:00", fractional seconds
// allowed and truncated) to seconds since the epoch.
Result<int64_t> ParseRfc3339(std::string_view text);

}  // namespace arca::logical::framework
