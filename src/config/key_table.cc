#include "config/key_table.h"

#include <algorithm>

namespace arca::config {
namespace {

size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t subst = prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, subst});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

bool Matches(std::string_view pattern, std::string_view key) {
  if (pattern.ends_with('*')) return key.starts_with(pattern.substr(0, pattern.size() - 1));
  return pattern == key;
}

}  // namespace

std::string KeyWhere(const hcl::Entry& entry) { return hcl::Where(*entry.value, entry.key_pos); }

KeyTable& KeyTable::On(std::string_view key, Handler handler) {
  rules_.push_back(Rule{std::string(key), Rule::kHandle, std::move(handler), ""});
  return *this;
}

KeyTable& KeyTable::Ignore(std::initializer_list<std::string_view> keys) {
  for (std::string_view k : keys) rules_.push_back(Rule{std::string(k), Rule::kIgnore, {}, ""});
  return *this;
}

KeyTable& KeyTable::Refuse(std::initializer_list<std::string_view> keys, std::string_view why) {
  for (std::string_view k : keys) {
    rules_.push_back(Rule{std::string(k), Rule::kRefuse, {}, std::string(why)});
  }
  return *this;
}

const KeyTable::Rule* KeyTable::Lookup(std::string_view key) const {
  for (const Rule& r : rules_) {
    if (Matches(r.name, key)) return &r;
  }
  return nullptr;
}

std::string KeyTable::Suggest(std::string_view key) const {
  const Rule* best = nullptr;
  size_t best_d = 3;  // suggest only close names
  for (const Rule& r : rules_) {
    if (r.name.ends_with('*')) continue;
    size_t d = EditDistance(key, r.name);
    if (d < best_d) {
      best_d = d;
      best = &r;
    }
  }
  return best ? " (did you mean \"" + best->name + "\"?)" : "";
}

Status KeyTable::Run(const hcl::Node& object) const {
  if (object.kind != hcl::Kind::kObject) {
    return InvalidRequest(hcl::Where(object) + ": " + context_ +
                          ": expected a block or object, got " +
                          std::string(hcl::KindName(object.kind)));
  }
  for (const hcl::Entry& e : object.entries) {
    const Rule* rule = Lookup(e.key);
    if (rule == nullptr) {
      return InvalidRequest(KeyWhere(e) + ": unknown key \"" + e.key + "\" in " + context_ +
                            Suggest(e.key));
    }
    switch (rule->action) {
      case Rule::kHandle:
        ARCA_RETURN_IF_ERROR(rule->handler(e));
        break;
      case Rule::kIgnore:
        if (warnings_) {
          warnings_->push_back(hcl::WhereLine(*e.value, e.key_pos) + ": \"" + e.key + "\" in " +
                               context_ + " is not supported by Arca and was ignored");
        }
        break;
      case Rule::kRefuse:
        return InvalidRequest(
            KeyWhere(e) + ": \"" + e.key + "\" in " + context_ +
            " is not supported by Arca, and ignoring it would be unsafe: " + rule->why);
    }
  }
  return OkStatus();
}

Result<Seconds> AsDuration(const hcl::Node& node, std::string_view what) {
  if (node.kind == hcl::Kind::kNumber) {
    if (!node.is_integer || node.int_value < 0) {
      return InvalidRequest(hcl::Where(node) + ": " + std::string(what) +
                            ": expected a duration or a non-negative number of seconds, got " +
                            node.string_value);
    }
    return Seconds(node.int_value);
  }
  if (node.kind != hcl::Kind::kString) {
    return InvalidRequest(hcl::Where(node) + ": " + std::string(what) +
                          ": expected a duration such as \"90s\", got " +
                          std::string(hcl::KindName(node.kind)));
  }
  auto d = ParseDuration(node.string_value);
  if (!d)
    return InvalidRequest(hcl::Where(node) + ": " + std::string(what) + ": " + d.error().message());
  return *d;
}

Result<std::map<std::string, std::string>> FlattenOptions(const hcl::Node& body,
                                                          std::string_view context) {
  std::map<std::string, std::string> out;
  for (const hcl::Entry& e : body.entries) {
    auto v = hcl::AsScalarString(*e.value, std::string(context) + " option \"" + e.key + "\"");
    if (!v) return std::unexpected(v.error());
    out[e.key] = std::move(*v);
  }
  return out;
}

}  // namespace arca::config
