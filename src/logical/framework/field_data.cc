#include "logical/framework/field_data.h"

#include <optional>

namespace arca::logical::framework {
namespace {

const json::value& NullValue() {
  static const json::value kNull;
  return kNull;
}

std::string JoinForMessage(const std::vector<std::string>& items) {
  std::string out = "[";
  for (size_t i = 0; i < items.size(); ++i) {
    if (i) out += ' ';
    out += items[i];
  }
  return out + "]";
}

bool IsAllowed(const json::value& v, const std::vector<std::string>& allowed,
               std::string* offending) {
  auto check_one = [&](const json::value& item) {
    std::string s = item.is_string() ? std::string(item.as_string()) : json::serialize(item);
    for (const auto& a : allowed) {
      if (a == s) return true;
    }
    *offending = s;
    return false;
  };
  if (v.is_array()) {
    for (const auto& item : v.as_array()) {
      if (!check_one(item)) return false;
    }
    return true;
  }
  return check_one(v);
}

// Converts and checks one given parameter of a declared field.
Result<json::value> ConvertGiven(const std::string& name, const FieldSchema& field,
                                 const json::value& given) {
  auto converted = ConvertValue(field.type, given);
  if (!converted) {
    return InvalidRequest("error converting input for field \"" + name +
                          "\": " + converted.error().message());
  }
  std::string offending;
  if (!field.allowed_values.empty() && !IsAllowed(*converted, field.allowed_values, &offending)) {
    return InvalidRequest("invalid value for field \"" + name + "\": \"" + offending +
                          "\" is not one of " + JoinForMessage(field.allowed_values));
  }
  return converted;
}

}  // namespace

Result<json::object> FieldData::SchemaDefaults(const FieldMap& schema) {
  json::object out;
  for (const auto& [name, field] : schema) {
    if (field.default_value.is_null()) {
      out[name] = ZeroValue(field.type);
      continue;
    }
    auto def = ConvertValue(field.type, field.default_value);
    if (!def) {
      return Internal("invalid default for field \"" + name + "\": " + def.error().message());
    }
    out[name] = std::move(*def);
  }
  return out;
}

Result<FieldData> FieldData::Create(const FieldMap& schema, json::object raw) {
  ARCA_ASSIGN_OR_RETURN(json::object defaults, SchemaDefaults(schema));
  return Create(schema, std::move(raw), std::make_shared<const json::object>(std::move(defaults)));
}

Result<FieldData> FieldData::Create(const FieldMap& schema, json::object raw,
                                    std::shared_ptr<const json::object> defaults) {
  FieldData fd;
  fd.raw_ = std::move(raw);
  fd.defaults_ = std::move(defaults);
  for (const auto& [name, field] : schema) {
    auto it = fd.raw_.find(name);
    if (it != fd.raw_.end()) {
      ARCA_ASSIGN_OR_RETURN(json::value v, ConvertGiven(name, field, it->value()));
      fd.values_[name] = std::move(v);
      continue;
    }
    if (field.required) return InvalidRequest("missing required field \"" + name + "\"");
  }
  return fd;
}

FieldData FieldData::Unchecked(json::object raw) {
  FieldData fd;
  fd.raw_ = std::move(raw);
  return fd;
}

bool FieldData::Has(std::string_view name) const { return raw_.contains(name); }

const json::value& FieldData::Get(std::string_view name) const {
  if (auto it = values_.find(name); it != values_.end()) return it->value();
  if (defaults_) {
    if (auto it = defaults_->find(name); it != defaults_->end()) return it->value();
  }
  return GetRaw(name);
}

const json::value& FieldData::GetRaw(std::string_view name) const {
  if (auto it = raw_.find(name); it != raw_.end()) return it->value();
  return NullValue();
}

std::optional<json::value> FieldData::Typed(std::string_view name, FieldType type) const {
  const json::value& v = Get(name);
  if (v.is_null()) return std::nullopt;
  auto converted = ConvertValue(type, v);
  if (!converted) return std::nullopt;
  return std::move(*converted);
}

std::string FieldData::GetString(std::string_view name) const {
  auto v = Typed(name, FieldType::kString);
  return v ? std::string(v->as_string()) : std::string();
}

int64_t FieldData::GetInt(std::string_view name) const {
  auto v = Typed(name, FieldType::kInt);
  return v ? v->as_int64() : 0;
}

bool FieldData::GetBool(std::string_view name) const {
  auto v = Typed(name, FieldType::kBool);
  return v ? v->as_bool() : false;
}

std::chrono::seconds FieldData::GetDuration(std::string_view name) const {
  auto v = Typed(name, FieldType::kDuration);
  return std::chrono::seconds(v ? v->as_int64() : 0);
}

double FieldData::GetFloat(std::string_view name) const {
  auto v = Typed(name, FieldType::kFloat);
  return v ? v->as_double() : 0.0;
}

std::vector<std::string> FieldData::GetStringSlice(std::string_view name) const {
  std::vector<std::string> out;
  // A comma-separated field keeps its split items; an undeclared string is split on commas.
  if (auto v = Typed(name, FieldType::kCommaStringSlice)) {
    for (const auto& s : v->as_array()) out.emplace_back(s.as_string());
  }
  return out;
}

std::vector<int64_t> FieldData::GetIntSlice(std::string_view name) const {
  std::vector<int64_t> out;
  if (auto v = Typed(name, FieldType::kCommaIntSlice)) {
    for (const auto& n : v->as_array()) out.push_back(n.as_int64());
  }
  return out;
}

json::object FieldData::GetMap(std::string_view name) const {
  auto v = Typed(name, FieldType::kMap);
  return v ? std::move(v->as_object()) : json::object();
}

std::map<std::string, std::string> FieldData::GetKvPairs(std::string_view name) const {
  std::map<std::string, std::string> out;
  if (auto v = Typed(name, FieldType::kKVPairs)) {
    for (const auto& kv : v->as_object()) out[kv.key()] = kv.value().as_string();
  }
  return out;
}

std::map<std::string, std::vector<std::string>> FieldData::GetHeader(std::string_view name) const {
  std::map<std::string, std::vector<std::string>> out;
  if (auto v = Typed(name, FieldType::kHeader)) {
    for (const auto& kv : v->as_object()) {
      auto& dst = out[kv.key()];
      for (const auto& s : kv.value().as_array()) dst.emplace_back(s.as_string());
    }
  }
  return out;
}

std::chrono::sys_seconds FieldData::GetTime(std::string_view name) const {
  auto v = Typed(name, FieldType::kTime);
  return std::chrono::sys_seconds(std::chrono::seconds(v ? v->as_int64() : 0));
}

}  // namespace arca::logical::framework
