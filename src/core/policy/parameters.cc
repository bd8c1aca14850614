#include "core/policy/parameters.h"

#include <fmt/format.h>

#include <cctype>
#include <map>

namespace arca::core::policy {
namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool GlobMatch(std::string_view pattern, std::string_view value) {
  if (pattern == "*") return true;
  bool leading = pattern.starts_with('*');
  bool trailing = pattern.size() > 1 && pattern.ends_with('*');
  if (leading) pattern.remove_prefix(1);
  if (trailing) pattern.remove_suffix(1);
  if (leading && trailing) return value.find(pattern) != std::string_view::npos;
  if (leading) return value.ends_with(pattern);
  if (trailing) return value.starts_with(pattern);
  return value == pattern;
}

bool IsNumber(const json::value& v) { return v.is_int64() || v.is_uint64() || v.is_double(); }

bool ScalarMatches(const json::value& value, const json::value& item) {
  if (value.is_string() && item.is_string()) {
    return GlobMatch(item.get_string(), value.get_string());
  }
  if (IsNumber(value) && IsNumber(item))
    return value.to_number<double>() == item.to_number<double>();
  return value == item;
}

bool OneInList(const json::value& value, const std::vector<json::value>& list) {
  for (const json::value& item : list) {
    if (ScalarMatches(value, item)) return true;
  }
  return false;
}

}  // namespace

bool ValueInList(const json::value& value, const std::vector<json::value>& allowed) {
  if (allowed.empty()) return true;
  if (value.is_array()) {
    for (const json::value& v : value.get_array()) {
      if (!OneInList(v, allowed)) return false;
    }
    return true;
  }
  return OneInList(value, allowed);
}

std::string CheckParameters(const PathRules& rules, const json::object& data) {
  std::map<std::string, const json::value*> lowered;
  for (const auto& [key, value] : data) lowered[Lower(key)] = &value;

  for (const std::string& required : rules.required_parameters) {
    if (!lowered.contains(Lower(required))) {
      return fmt::format("missing required parameter \"{}\"", required);
    }
  }
  if (lowered.empty()) return {};

  if (!rules.denied_parameters.empty()) {
    if (rules.denied_parameters.contains("*")) return "all parameters are denied";
    for (const auto& [key, value] : lowered) {
      auto it = rules.denied_parameters.find(key);
      if (it != rules.denied_parameters.end() && ValueInList(*value, it->second)) {
        return fmt::format("parameter \"{}\" is denied", key);
      }
    }
  }

  const auto& allowed = rules.allowed_parameters;
  if (allowed.empty()) return {};
  bool allowed_all = allowed.contains("*");
  if (allowed_all && allowed.size() == 1) return {};
  for (const auto& [key, value] : lowered) {
    auto it = allowed.find(key);
    if (it == allowed.end()) {
      if (!allowed_all) return fmt::format("parameter \"{}\" is not allowed", key);
      continue;
    }
    if (!ValueInList(*value, it->second)) {
      return fmt::format("value of parameter \"{}\" is not allowed", key);
    }
  }
  return {};
}

}  // namespace arca::core::policy
