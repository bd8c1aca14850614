#include "cli/format.h"

#include <algorithm>
#include <charconv>
#include <cstdio>

namespace arca::cli {
namespace {

std::string Number(const json::value& v) {
  if (v.is_int64()) return std::to_string(v.as_int64());
  if (v.is_uint64()) return std::to_string(v.as_uint64());
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof buf, v.as_double());
  return std::string(buf, res.ptr);
}

std::vector<std::string> SortedKeys(const json::object& o) {
  std::vector<std::string> keys;
  keys.reserve(o.size());
  for (const auto& kv : o) keys.emplace_back(kv.key());
  std::sort(keys.begin(), keys.end());
  return keys;
}

std::string Trim(std::string_view s) {
  size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string_view::npos) return "";
  size_t e = s.find_last_not_of(" \t\r\n");
  return std::string(s.substr(b, e - b + 1));
}

// Display width: count UTF-8 code points (columnize uses utf8.RuneCountInString).
size_t Width(std::string_view s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

void GoJsonString(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  for (size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    switch (c) {
      case '"':
        out += "\\\"";
        continue;
      case '\\':
        out += "\\\\";
        continue;
      case '\n':
        out += "\\n";
        continue;
      case '\r':
        out += "\\r";
        continue;
      case '\t':
        out += "\\t";
        continue;
      default:
        break;
    }
    if (c < 0x20 || c == '<' || c == '>' || c == '&') {
      out += "\\u00";
      out += kHex[c >> 4];
      out += kHex[c & 15];
    } else if (c == 0xE2 && i + 2 < s.size() && static_cast<unsigned char>(s[i + 1]) == 0x80 &&
               (static_cast<unsigned char>(s[i + 2]) == 0xA8 ||
                static_cast<unsigned char>(s[i + 2]) == 0xA9)) {
      out += static_cast<unsigned char>(s[i + 2]) == 0xA8 ? "\\u2028" : "\\u2029";
      i += 2;
    } else {
      out += static_cast<char>(c);
    }
  }
  out += '"';
}

void GoJson(std::string& out, const json::value& v, int depth) {
  std::string indent(2 * (depth + 1), ' ');
  std::string closing(2 * depth, ' ');
  switch (v.kind()) {
    case json::kind::null:
      out += "null";
      return;
    case json::kind::bool_:
      out += v.as_bool() ? "true" : "false";
      return;
    case json::kind::int64:
    case json::kind::uint64:
    case json::kind::double_:
      out += Number(v);
      return;
    case json::kind::string:
      GoJsonString(out, v.as_string());
      return;
    case json::kind::array: {
      const auto& a = v.as_array();
      if (a.empty()) {
        out += "[]";
        return;
      }
      out += "[\n";
      for (size_t i = 0; i < a.size(); ++i) {
        out += indent;
        GoJson(out, a[i], depth + 1);
        out += i + 1 < a.size() ? ",\n" : "\n";
      }
      out += closing + "]";
      return;
    }
    case json::kind::object: {
      const auto& o = v.as_object();
      if (o.empty()) {
        out += "{}";
        return;
      }
      out += "{\n";
      size_t i = 0;
      for (const auto& kv : o) {
        out += indent;
        GoJsonString(out, kv.key());
        out += ": ";
        GoJson(out, kv.value(), depth + 1);
        out += ++i < o.size() ? ",\n" : "\n";
      }
      out += closing + "}";
      return;
    }
  }
}

// ---- YAML

bool IsYamlSpecialWord(std::string_view s) {
  std::string lower(s);
  for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  static const char* kWords[] = {"true", "false", "yes", "no",   "on",    "off",   "y",
                                 "n",    "null",  "~",   ".inf", "-.inf", "+.inf", ".nan"};
  for (const char* w : kWords) {
    if (lower == w) return true;
  }
  return false;
}

bool LooksNumeric(std::string_view s) {
  if (s.empty()) return false;
  size_t i = (s[0] == '-' || s[0] == '+') ? 1 : 0;
  if (i == s.size()) return false;
  if (s.substr(i).starts_with("0x") || s.substr(i).starts_with("0o")) return true;
  bool digit = false;
  for (; i < s.size(); ++i) {
    char c = s[i];
    if (std::isdigit(static_cast<unsigned char>(c))) {
      digit = true;
    } else if (c != '.' && c != 'e' && c != 'E' && c != '-' && c != '+' && c != '_' && c != ':') {
      return false;
    }
  }
  return digit;
}

// The scalar text for a string in YAML.
std::string YamlString(std::string_view s, int indent) {
  if (s.find('\n') != std::string_view::npos) {
    std::string pad(indent, ' ');
    std::string out = s.ends_with('\n') ? "|" : "|-";
    std::string_view rest = s;
    if (rest.ends_with('\n')) rest.remove_suffix(1);
    size_t pos = 0;
    while (true) {
      size_t nl = rest.find('\n', pos);
      std::string_view line = rest.substr(pos, nl == std::string_view::npos ? rest.npos : nl - pos);
      out += "\n" + (line.empty() ? std::string() : pad + std::string(line));
      if (nl == std::string_view::npos) break;
      pos = nl + 1;
    }
    return out;
  }
  if (s.empty() || IsYamlSpecialWord(s) || LooksNumeric(s)) {
    std::string out;
    GoJsonString(out, s);
    return out;
  }
  bool needs_quotes = s.front() == ' ' || s.back() == ' ' ||
                      std::string_view("-?:,[]{}#&*!|>'\"%@`").find(s.front()) != s.npos ||
                      s.find(": ") != s.npos || s.find(" #") != s.npos || s.back() == ':';
  for (unsigned char c : s) {
    if (c < 0x20 && c != '\t') needs_quotes = true;
  }
  if (!needs_quotes) return std::string(s);
  std::string out = "'";
  for (char c : s) {
    out += c;
    if (c == '\'') out += '\'';
  }
  return out + "'";
}

std::string YamlScalar(const json::value& v, int indent) {
  switch (v.kind()) {
    case json::kind::null:
      return "null";
    case json::kind::bool_:
      return v.as_bool() ? "true" : "false";
    case json::kind::string:
      return YamlString(v.as_string(), indent);
    case json::kind::array:
      return "[]";
    case json::kind::object:
      return "{}";
    default:
      return Number(v);
  }
}

bool IsCollection(const json::value& v) {
  return (v.is_object() && !v.as_object().empty()) || (v.is_array() && !v.as_array().empty());
}

void Yaml(std::string& out, const json::value& v, int indent, bool inline_first);

void YamlObject(std::string& out, const json::object& o, int indent, bool inline_first) {
  bool first = true;
  for (const auto& key : SortedKeys(o)) {
    if (!(first && inline_first)) out += std::string(indent, ' ');
    first = false;
    const json::value& child = o.at(key);
    out += YamlString(key, indent) + ":";
    if (child.is_object() && !child.as_object().empty()) {
      out += "\n";
      Yaml(out, child, indent + 2, false);
    } else if (child.is_array() && !child.as_array().empty()) {
      out += "\n";
      Yaml(out, child, indent, false);
    } else {
      out += " " + YamlScalar(child, indent + 2) + "\n";
    }
  }
}

void Yaml(std::string& out, const json::value& v, int indent, bool inline_first) {
  if (v.is_object() && !v.as_object().empty()) {
    YamlObject(out, v.as_object(), indent, inline_first);
    return;
  }
  if (v.is_array() && !v.as_array().empty()) {
    bool first = true;
    for (const auto& item : v.as_array()) {
      if (!(first && inline_first)) out += std::string(indent, ' ');
      first = false;
      out += "-";
      if (IsCollection(item)) {
        out += " ";
        Yaml(out, item, indent + 2, true);
      } else {
        out += " " + YamlScalar(item, indent + 2) + "\n";
      }
    }
    return;
  }
  out += YamlScalar(v, indent) + "\n";
}

}  // namespace

std::string GoValue(const json::value& v) {
  switch (v.kind()) {
    case json::kind::null:
      return "<nil>";
    case json::kind::bool_:
      return v.as_bool() ? "true" : "false";
    case json::kind::string:
      return std::string(v.as_string());
    case json::kind::array: {
      std::string out = "[";
      bool first = true;
      for (const auto& e : v.as_array()) {
        if (!first) out += " ";
        first = false;
        out += GoValue(e);
      }
      return out + "]";
    }
    case json::kind::object: {
      std::string out = "map[";
      bool first = true;
      const auto& o = v.as_object();
      for (const auto& k : SortedKeys(o)) {
        if (!first) out += " ";
        first = false;
        out += k + ":" + GoValue(o.at(k));
      }
      return out + "]";
    }
    default:
      return Number(v);
  }
}

std::string GoQuotedList(const json::value& v) {
  if (!v.is_array()) return v.is_null() ? "[]" : GoValue(v);
  std::string out = "[";
  bool first = true;
  for (const auto& e : v.as_array()) {
    if (!first) out += " ";
    first = false;
    std::string quoted;
    GoJsonString(quoted, e.is_string() ? std::string_view(e.as_string()) : GoValue(e));
    out += quoted;
  }
  return out + "]";
}

bool LooksLikeDuration(std::string_view k) {
  return k == "period" || k.ends_with("_period") || k == "ttl" || k.ends_with("_ttl") ||
         k.ends_with("_timeout");
}

std::string HumanDuration(int64_t seconds) {
  if (seconds == 0) return "0s";
  std::string out;
  uint64_t s = static_cast<uint64_t>(seconds < 0 ? -seconds : seconds);
  if (seconds < 0) out = "-";
  uint64_t h = s / 3600, m = (s % 3600) / 60, sec = s % 60;
  if (h) out += std::to_string(h) + "h";
  if (m) out += std::to_string(m) + "m";
  if (sec) out += std::to_string(sec) + "s";
  return out;
}

json::value HumanDurationValue(const json::value& v) {
  if (v.is_int64()) return json::string(HumanDuration(v.as_int64()));
  if (v.is_uint64()) return json::string(HumanDuration(static_cast<int64_t>(v.as_uint64())));
  return v;
}

std::string Columnize(const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> widths;
  std::vector<std::vector<std::string>> cells;
  for (const auto& row : rows) {
    std::vector<std::string> r;
    for (size_t i = 0; i < row.size(); ++i) {
      std::string c = Trim(row[i]);
      if (c.empty()) c = "n/a";
      if (widths.size() <= i) widths.push_back(0);
      widths[i] = std::max(widths[i], Width(c));
      r.push_back(std::move(c));
    }
    cells.push_back(std::move(r));
  }
  std::string out;
  for (const auto& r : cells) {
    std::string line;
    for (size_t i = 0; i < r.size(); ++i) {
      line += r[i];
      if (i + 1 < r.size()) line += std::string(widths[i] - Width(r[i]) + 4, ' ');
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + "\n";
  }
  return out;
}

std::string TableOutput(std::vector<std::vector<std::string>> rows) {
  if (rows.empty()) return "";
  std::vector<std::string> underline;
  for (const auto& h : rows[0]) underline.push_back(std::string(Width(Trim(h)), '-'));
  rows.insert(rows.begin() + 1, underline);
  return Columnize(rows);
}

std::string GoJsonIndent(const json::value& v) {
  std::string out;
  GoJson(out, v, 0);
  return out + "\n";
}

json::value SortKeysDeep(const json::value& v) {
  if (v.is_array()) {
    json::array a;
    for (const auto& e : v.as_array()) a.push_back(SortKeysDeep(e));
    return a;
  }
  if (!v.is_object()) return v;
  json::object o;
  for (const auto& k : SortedKeys(v.as_object())) o[k] = SortKeysDeep(v.as_object().at(k));
  return o;
}

std::string ToYaml(const json::value& v) {
  std::string out;
  Yaml(out, v, 0, false);
  return out;
}

std::string WrapAtLength(std::string_view text, size_t pad) {
  constexpr size_t kWidth = 80;
  size_t limit = kWidth > pad ? kWidth - pad : 1;
  std::string out;
  std::string padding(pad, ' ');
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t nl = text.find('\n', pos);
    std::string_view para = text.substr(pos, nl == text.npos ? text.npos : nl - pos);
    std::string line;
    size_t wpos = 0;
    bool any = false;
    while (wpos < para.size()) {
      size_t sp = para.find(' ', wpos);
      std::string_view word = para.substr(wpos, sp == para.npos ? para.npos : sp - wpos);
      wpos = sp == para.npos ? para.size() : sp + 1;
      if (word.empty()) continue;
      if (any && Width(line) + 1 + Width(word) > limit) {
        out += padding + line + "\n";
        line.clear();
        any = false;
      }
      if (any) line += " ";
      line += word;
      any = true;
    }
    out += (line.empty() ? std::string() : padding + line);
    if (nl == text.npos) break;
    out += "\n";
    pos = nl + 1;
  }
  return out;
}

}  // namespace arca::cli
