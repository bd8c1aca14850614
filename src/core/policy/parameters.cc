#include "core/policy/parameters.h"

#include <fmt/format.h>

#include <cctype>

namespace arca::core::policy {
namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

// The elements a comma-separated string stands for in a list field (as the framework's
// comma-string-slice conversion splits and trims it).
std::vector<std::string_view> CommaElements(std::string_view s) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (true) {
    size_t comma = s.find(',', start);
    out.push_back(Trim(s.substr(start, comma == std::string_view::npos ? s.npos : comma - start)));
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
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

bool StringInList(std::string_view value, const std::vector<json::value>& list) {
  for (const json::value& item : list) {
    if (item.is_string() && GlobMatch(item.get_string(), value)) return true;
  }
  return false;
}

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

// A string the policy lists verbatim (no glob), e.g. a description that contains commas.
bool ListedVerbatim(std::string_view value, const std::vector<json::value>& list) {
  for (const json::value& item : list) {
    if (item.is_string() && item.get_string() == value) return true;
  }
  return false;
}

}  // namespace

bool ValueAllowed(const json::value& value, const std::vector<json::value>& allowed) {
  if (allowed.empty()) return true;
  if (value.is_array()) {
    for (const json::value& v : value.get_array()) {
      if (!ValueAllowed(v, allowed)) return false;
    }
    return true;
  }
  if (value.is_string()) {
    std::string_view s = value.get_string();
    if (s.find(',') == std::string_view::npos) return StringInList(s, allowed);
    if (ListedVerbatim(s, allowed)) return true;
    // A list field reads "dev,admin" as two values: a glob matching the whole string ("dev*")
    // is not enough, every element must be allowed too.
    if (!StringInList(s, allowed)) return false;
    for (std::string_view e : CommaElements(s)) {
      if (!StringInList(e, allowed)) return false;
    }
    return true;
  }
  return OneInList(value, allowed);
}

bool ValueDenied(const json::value& value, const std::vector<json::value>& denied) {
  if (denied.empty()) return true;
  if (value.is_array()) {
    for (const json::value& v : value.get_array()) {
      if (ValueDenied(v, denied)) return true;
    }
    return false;
  }
  if (value.is_string()) {
    std::string_view s = value.get_string();
    if (StringInList(s, denied)) return true;
    if (s.find(',') == std::string_view::npos) return false;
    for (std::string_view e : CommaElements(s)) {
      if (StringInList(e, denied)) return true;
    }
    return false;
  }
  return OneInList(value, denied);
}

std::string CheckParameters(const PathRules& rules, const json::object& data) {
  // Backends read parameters by their exact name, and policy names are lower case: a required
  // parameter must be given under its lower-case name (Vault does the same).
  for (const std::string& required : rules.required_parameters) {
    if (!data.contains(Lower(required))) {
      return fmt::format("missing required parameter \"{}\"", required);
    }
  }
  if (data.empty()) return {};

  // Every key is checked on its own, even when two keys differ only in case ("ttl" and "TTL"):
  // which of them a backend reads is not the ACL's business.
  if (!rules.denied_parameters.empty()) {
    if (rules.denied_parameters.contains("*")) return "all parameters are denied";
    for (const auto& kv : data) {
      auto it = rules.denied_parameters.find(Lower(kv.key()));
      if (it != rules.denied_parameters.end() && ValueDenied(kv.value(), it->second)) {
        return fmt::format("parameter \"{}\" is denied", std::string_view(kv.key()));
      }
    }
  }

  const auto& allowed = rules.allowed_parameters;
  if (allowed.empty()) return {};
  bool allowed_all = allowed.contains("*");
  if (allowed_all && allowed.size() == 1) return {};
  for (const auto& kv : data) {
    auto it = allowed.find(Lower(kv.key()));
    if (it == allowed.end()) {
      if (!allowed_all) {
        return fmt::format("parameter \"{}\" is not allowed", std::string_view(kv.key()));
      }
      continue;
    }
    if (!ValueAllowed(kv.value(), it->second)) {
      return fmt::format("value of parameter \"{}\" is not allowed", std::string_view(kv.key()));
    }
  }
  return {};
}

}  // namespace arca::core::policy
