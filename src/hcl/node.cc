#include "hcl/node.h"

#include <charconv>
#include <cmath>
#include <optional>

namespace arca::hcl {
namespace {

const std::string kNoFile;

std::unexpected<Error> TypeError(const Node& node, std::string_view what, std::string_view want) {
  std::string msg = Where(node) + ": ";
  if (!what.empty()) msg += std::string(what) + ": ";
  msg += "expected " + std::string(want) + ", got " + std::string(KindName(node.kind));
  if (node.kind == Kind::kString) msg += " \"" + node.string_value + "\"";
  return InvalidRequest(std::move(msg));
}

std::optional<int64_t> ParseDecimal(std::string_view s) {
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  if (s.empty()) return std::nullopt;
  int64_t v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size()) return std::nullopt;
  return v;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

std::string_view KindName(Kind kind) {
  switch (kind) {
    case Kind::kNull:
      return "null";
    case Kind::kBool:
      return "bool";
    case Kind::kNumber:
      return "number";
    case Kind::kString:
      return "string";
    case Kind::kList:
      return "list";
    case Kind::kObject:
      return "object";
  }
  return "unknown";
}

const std::string& Node::filename() const { return file ? *file : kNoFile; }

const Entry* Node::Find(std::string_view key) const {
  for (auto it = entries.rbegin(); it != entries.rend(); ++it) {
    if (it->key == key) return &*it;
  }
  return nullptr;
}

std::vector<const Entry*> Node::FindAll(std::string_view key) const {
  std::vector<const Entry*> out;
  for (const Entry& e : entries) {
    if (e.key == key) out.push_back(&e);
  }
  return out;
}

std::string Where(const Node& node, Position pos) {
  std::string out;
  if (!node.filename().empty()) out = node.filename() + ":";
  out += std::to_string(pos.line) + ":" + std::to_string(pos.column);
  return out;
}

std::string Where(const Node& node) { return Where(node, node.pos); }

std::string WhereLine(const Node& node, Position pos) {
  std::string out;
  if (!node.filename().empty()) out = node.filename() + ":";
  return out + std::to_string(pos.line);
}

Result<std::string> AsString(const Node& node, std::string_view what) {
  if (node.kind != Kind::kString) return TypeError(node, what, "a string");
  return node.string_value;
}

Result<std::string> AsScalarString(const Node& node, std::string_view what) {
  switch (node.kind) {
    case Kind::kString:
    case Kind::kNumber:
      return node.string_value;
    case Kind::kBool:
      return std::string(node.bool_value ? "true" : "false");
    default:
      return TypeError(node, what, "a string, number or bool");
  }
}

Result<bool> AsBool(const Node& node, std::string_view what) {
  if (node.kind == Kind::kBool) return node.bool_value;
  if (node.kind == Kind::kNumber && node.is_integer &&
      (node.int_value == 0 || node.int_value == 1)) {
    return node.int_value == 1;
  }
  if (node.kind == Kind::kString) {
    const std::string& s = node.string_value;
    if (s == "1" || s == "t" || s == "T" || s == "true" || s == "TRUE" || s == "True") return true;
    if (s == "0" || s == "f" || s == "F" || s == "false" || s == "FALSE" || s == "False") {
      return false;
    }
  }
  return TypeError(node, what, "a bool");
}

Result<int64_t> AsInt(const Node& node, std::string_view what) {
  if (node.kind == Kind::kNumber) {
    if (node.is_integer) return node.int_value;
    double d = node.number_value;
    if (std::isfinite(d) && d == std::trunc(d) && std::fabs(d) < 9.2e18) {
      return static_cast<int64_t>(d);
    }
    return TypeError(node, what, "an integer");
  }
  if (node.kind == Kind::kString) {
    if (auto v = ParseDecimal(Trim(node.string_value))) return *v;
  }
  return TypeError(node, what, "an integer");
}

Result<double> AsDouble(const Node& node, std::string_view what) {
  if (node.kind == Kind::kNumber) return node.number_value;
  if (node.kind == Kind::kString) {
    std::string_view s = Trim(node.string_value);
    double d = 0;
    auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), d);
    if (!s.empty() && ec == std::errc() && ptr == s.data() + s.size()) return d;
  }
  return TypeError(node, what, "a number");
}

Result<std::vector<std::string>> AsStringList(const Node& node, std::string_view what) {
  std::vector<std::string> out;
  if (node.kind == Kind::kString) {
    std::string_view rest = node.string_value;
    while (!rest.empty()) {
      size_t comma = rest.find(',');
      std::string_view item = Trim(rest.substr(0, comma));
      if (!item.empty()) out.emplace_back(item);
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
    return out;
  }
  if (node.kind != Kind::kList) return TypeError(node, what, "a list of strings");
  for (const NodePtr& item : node.list) {
    if (item->kind != Kind::kString) return TypeError(*item, what, "a string in the list");
    out.push_back(item->string_value);
  }
  return out;
}

}  // namespace arca::hcl
