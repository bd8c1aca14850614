#include "audit/hasher.h"

#include "common/encoding.h"

namespace arca::audit {

Hasher::Hasher(std::string_view salt)
    : mac_(std::span(reinterpret_cast<const uint8_t*>(salt.data()), salt.size())) {}

std::string Hasher::Hash(std::string_view in) const {
  const std::string hex = HexEncode(mac_.Sum(in));
  std::string out;
  out.reserve(kHashPrefix.size() + hex.size());
  out += kHashPrefix;
  out += hex;
  return out;
}

void Hasher::HashStrings(json::value& v) const {
  switch (v.kind()) {
    case json::kind::string:
      v = Hash(v.get_string());
      break;
    case json::kind::object:
      for (auto& kv : v.get_object()) HashStrings(kv.value());
      break;
    case json::kind::array:
      for (auto& item : v.get_array()) HashStrings(item);
      break;
    default:
      break;
  }
}

}  // namespace arca::audit
