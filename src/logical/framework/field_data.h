// framework::FieldData: the parameters of one request as a handler sees them: the URL captures
// of the matched path merged over the request body, validated and converted once against the
// path's FieldMap. After a successful Create the typed getters never fail.
//
// Getter rules (all getters):
//   - a declared field: its converted input, else its converted default, else the zero value;
//   - an undeclared name: the raw input converted to the getter's type when possible, else the
//     zero value of the getter's type (paths without fields use this to read req.data leniently);
//   - a getter of another type than the field's (GetInt on a string field) converts the value
//     when possible, else returns the zero value.
//
// Thread-safety: a value type; const methods may be called concurrently.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/json.h"
#include "common/status.h"
#include "logical/framework/field.h"

namespace arca::logical::framework {

class FieldData {
 public:
  FieldData() = default;

  // Validates `raw` against `schema`. Errors (InvalidRequest, 400):
  //   `error converting input for field "ttl": <why>`   a value of the wrong type
  //   `missing required field "name"`                  a required field was not given
  //   `invalid value for field "mode": "x" is not one of [a b]`   allowed_values violated
  // An unconvertible default is an Internal error (a bug in the backend). Parameters that the
  // schema does not declare are kept in Raw() and otherwise ignored.
  static Result<FieldData> Create(const FieldMap& schema, json::object raw);
  // The same, with `defaults` = SchemaDefaults(schema) computed once by the caller (a backend
  // does it per path): only the given parameters are converted, and the defaults are shared.
  static Result<FieldData> Create(const FieldMap& schema, json::object raw,
                                  std::shared_ptr<const json::object> defaults);
  // Every declared field -> its converted default, or its type's zero value. Internal error for
  // a default that does not convert.
  static Result<json::object> SchemaDefaults(const FieldMap& schema);

  // No schema: every name is undeclared (see the getter rules). Never fails.
  static FieldData Unchecked(json::object raw);

  // Whether the caller gave `name` (URL capture or body/query parameter); defaults don't count.
  bool Has(std::string_view name) const;

  std::string GetString(std::string_view name) const;
  int64_t GetInt(std::string_view name) const;
  bool GetBool(std::string_view name) const;
  std::chrono::seconds GetDuration(std::string_view name) const;
  double GetFloat(std::string_view name) const;
  std::vector<std::string> GetStringSlice(std::string_view name) const;
  std::vector<int64_t> GetIntSlice(std::string_view name) const;
  json::object GetMap(std::string_view name) const;
  std::map<std::string, std::string> GetKvPairs(std::string_view name) const;
  std::map<std::string, std::vector<std::string>> GetHeader(std::string_view name) const;
  std::chrono::sys_seconds GetTime(std::string_view name) const;

  // The canonical value of a declared field (given, default or zero value; see field.h), or the
  // raw input of an undeclared one; null when neither exists.
  const json::value& Get(std::string_view name) const;
  // The raw input (capture or body) before conversion; null when not given.
  const json::value& GetRaw(std::string_view name) const;
  // All raw input: the body merged with the URL captures (captures win).
  const json::object& Raw() const { return raw_; }

 private:
  // Converted value of `name` for `type`, or nullopt (absent or not convertible).
  std::optional<json::value> Typed(std::string_view name, FieldType type) const;

  json::object raw_;
  json::object values_;  // declared fields -> canonical value (all of them unless defaults_)
  std::shared_ptr<const json::object> defaults_;  // the rest, when shared
};

}  // namespace arca::logical::framework
