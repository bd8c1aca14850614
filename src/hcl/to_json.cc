#include "hcl/to_json.h"

namespace arca::hcl {
namespace {

// Adds `v` under `key` of `obj`, merging objects into an existing object value.
void MergeInto(json::object& obj, std::string_view key, json::value v) {
  auto it = obj.find(key);
  if (it == obj.end()) {
    obj.emplace(key, std::move(v));
    return;
  }
  if (it->value().is_object() && v.is_object()) {
    json::object& dst = it->value().as_object();
    for (auto& kv : v.as_object()) MergeInto(dst, kv.key(), std::move(kv.value()));
    return;
  }
  it->value() = std::move(v);
}

}  // namespace

json::value ToJson(const Node& node) {
  switch (node.kind) {
    case Kind::kNull:
      return nullptr;
    case Kind::kBool:
      return node.bool_value;
    case Kind::kNumber:
      if (node.is_integer) return node.int_value;
      return node.number_value;
    case Kind::kString:
      return json::string(node.string_value);
    case Kind::kList: {
      json::array arr;
      arr.reserve(node.list.size());
      for (const NodePtr& item : node.list) arr.push_back(ToJson(*item));
      return arr;
    }
    case Kind::kObject: {
      json::object obj;
      for (const Entry& e : node.entries) MergeInto(obj, e.key, ToJson(*e.value));
      return obj;
    }
  }
  return nullptr;
}

}  // namespace arca::hcl
