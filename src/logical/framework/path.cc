#include "logical/framework/path.h"

namespace arca::logical::framework {

std::string GenericNameRegex(std::string_view name) {
  return "(?<" + std::string(name) + ">\\w(([\\w.-]+)?\\w)?)";
}

namespace {
bool IsWordChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}
}  // namespace

bool IsGenericName(std::string_view s) {
  if (s.empty() || !IsWordChar(s.front()) || !IsWordChar(s.back())) return false;
  for (char c : s) {
    if (!IsWordChar(c) && c != '-' && c != '.') return false;
  }
  return true;
}

std::string OptionalParamRegex(std::string_view name) {
  return "(/(?<" + std::string(name) + ">.+))?";
}

std::string MatchAllRegex(std::string_view name) { return "(?<" + std::string(name) + ">.*)"; }

std::vector<std::string> CaptureNames(std::string_view pattern) {
  std::vector<std::string> names;
  bool in_class = false;  // inside [...], where '(' is literal
  for (size_t i = 0; i < pattern.size(); ++i) {
    char c = pattern[i];
    if (c == '\\') {
      ++i;  // skip the escaped character
      continue;
    }
    if (in_class) {
      if (c == ']') in_class = false;
      continue;
    }
    if (c == '[') {
      in_class = true;
      if (i + 1 < pattern.size() && pattern[i + 1] == ']') ++i;  // "[]...]"
      continue;
    }
    if (c != '(' || pattern.substr(i + 1, 1) != "?") continue;
    std::string_view rest = pattern.substr(i + 2);
    char close;
    if (rest.starts_with("P<")) {
      rest.remove_prefix(2);
      close = '>';
    } else if (rest.starts_with("<") && !rest.starts_with("<=") && !rest.starts_with("<!")) {
      rest.remove_prefix(1);
      close = '>';
    } else if (rest.starts_with("'")) {
      rest.remove_prefix(1);
      close = '\'';
    } else {
      continue;
    }
    size_t end = rest.find(close);
    if (end == std::string_view::npos || end == 0) continue;
    names.emplace_back(rest.substr(0, end));
  }
  return names;
}

std::string NormalizePattern(std::string_view pattern) {
  std::string out;
  out.reserve(pattern.size());
  bool in_class = false;
  for (size_t i = 0; i < pattern.size(); ++i) {
    char c = pattern[i];
    if (c == '\\' && i + 1 < pattern.size()) {
      char e = pattern[i + 1];
      out += c;
      out += e;
      ++i;
      // Go/RE2 read "[\w-.]" as \w, '-' and '.'; Boost rejects the range: escape the '-'.
      bool class_escape = e == 'w' || e == 'W' || e == 'd' || e == 'D' || e == 's' || e == 'S';
      if (in_class && class_escape && i + 1 < pattern.size() && pattern[i + 1] == '-' &&
          i + 2 < pattern.size() && pattern[i + 2] != ']') {
        out += "\\-";
        ++i;
      }
      continue;
    }
    if (in_class) {
      if (c == ']') in_class = false;
      out += c;
      continue;
    }
    if (c == '[') {
      in_class = true;
      out += c;
      if (i + 1 < pattern.size() && pattern[i + 1] == '^') out += pattern[++i];
      if (i + 1 < pattern.size() && pattern[i + 1] == ']') out += pattern[++i];
      continue;
    }
    if (c == '(' && pattern.substr(i, 4) == "(?P<") {  // Go's named group syntax
      out += "(?<";
      i += 3;
      continue;
    }
    out += c;
  }
  return out;
}

std::string LiteralPrefix(std::string_view pattern) {
  // A top-level '|' lets a match start anywhere in the alternatives.
  int depth = 0;
  bool in_class = false;
  for (size_t i = 0; i < pattern.size(); ++i) {
    char c = pattern[i];
    if (c == '\\') {
      ++i;
    } else if (in_class) {
      if (c == ']') in_class = false;
    } else if (c == '[') {
      in_class = true;
    } else if (c == '(') {
      ++depth;
    } else if (c == ')') {
      --depth;
    } else if (c == '|' && depth == 0) {
      return "";
    }
  }
  std::string prefix;
  for (size_t i = 0; i < pattern.size(); ++i) {
    char c = pattern[i];
    if (c == '^' && i == 0) continue;
    if (c == '?' || c == '*' || c == '+' || c == '{') {
      if (!prefix.empty()) prefix.pop_back();  // the quantified character is optional
      break;
    }
    if (c == '.' || c == '[' || c == '(' || c == ')' || c == '\\' || c == '|' || c == '$') break;
    prefix.push_back(c);
  }
  return prefix;
}

}  // namespace arca::logical::framework
