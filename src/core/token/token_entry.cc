#include "core/token/token_entry.h"

#include <arpa/inet.h>

#include <array>
#include <charconv>
#include <cstring>

namespace arca::core {
namespace {

json::array ToArray(const std::vector<std::string>& v) {
  json::array a;
  for (const auto& s : v) a.emplace_back(s);
  return a;
}

// Parses an IPv4 or IPv6 address into 16 bytes (IPv4 as ::ffff:a.b.c.d); returns the number of
// significant bits (32 or 128), 0 on failure. IPv4 prefixes are offset by 96 by the caller.
int ParseAddress(std::string_view text, std::array<unsigned char, 16>* out) {
  std::string s(text);
  out->fill(0);
  in_addr v4{};
  if (inet_pton(AF_INET, s.c_str(), &v4) == 1) {
    (*out)[10] = 0xff;
    (*out)[11] = 0xff;
    std::memcpy(out->data() + 12, &v4, 4);
    return 32;
  }
  in6_addr v6{};
  if (inet_pton(AF_INET6, s.c_str(), &v6) == 1) {
    std::memcpy(out->data(), &v6, 16);
    return 128;
  }
  return 0;
}

// Parses "addr[/prefix]" into the address and a prefix length over the 128-bit form.
bool ParseCidr(std::string_view cidr, std::array<unsigned char, 16>* net, int* prefix128) {
  auto slash = cidr.find('/');
  int bits = ParseAddress(cidr.substr(0, slash), net);
  if (bits == 0) return false;
  int prefix = bits;
  if (slash != std::string_view::npos) {
    std::string_view p = cidr.substr(slash + 1);
    auto [ptr, ec] = std::from_chars(p.data(), p.data() + p.size(), prefix);
    if (p.empty() || ec != std::errc() || ptr != p.data() + p.size() || prefix < 0 ||
        prefix > bits) {
      return false;
    }
  }
  *prefix128 = prefix + (128 - bits);
  return true;
}

}  // namespace

int64_t UnixNow() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

bool ValidCidr(std::string_view cidr) {
  std::array<unsigned char, 16> net;
  int prefix = 0;
  return ParseCidr(cidr, &net, &prefix);
}

bool AddressInCidr(std::string_view addr, std::string_view cidr) {
  std::array<unsigned char, 16> net, ip;
  int prefix = 0;
  if (!ParseCidr(cidr, &net, &prefix) || ParseAddress(addr, &ip) == 0) return false;
  for (int i = 0; i < prefix; ++i) {
    unsigned char mask = static_cast<unsigned char>(0x80 >> (i % 8));
    if ((net[i / 8] & mask) != (ip[i / 8] & mask)) return false;
  }
  return true;
}

bool TokenEntry::IsRoot() const {
  for (const auto& p : policies) {
    if (p == "root") return true;
  }
  return false;
}

bool TokenEntry::Expired(int64_t now) const { return expire_time > 0 && expire_time <= now; }

bool TokenEntry::AllowsAddress(std::string_view remote_addr) const {
  if (bound_cidrs.empty()) return true;
  for (const auto& c : bound_cidrs) {
    if (AddressInCidr(remote_addr, c)) return true;
  }
  return false;
}

json::object TokenEntry::ToStorageJson() const {
  json::object o;
  o["id_hash"] = id_hash;
  o["accessor"] = accessor;
  o["parent"] = parent;
  o["policies"] = ToArray(policies);
  o["path"] = path;
  json::object m;
  for (const auto& [k, v] : meta) m[k] = v;
  o["meta"] = std::move(m);
  o["display_name"] = display_name;
  o["num_uses"] = num_uses;
  o["creation_time"] = creation_time;
  o["ttl"] = ttl.count();
  o["expire_time"] = expire_time;
  o["renewable"] = renewable;
  o["explicit_max_ttl"] = explicit_max_ttl.count();
  o["period"] = period.count();
  o["orphan"] = orphan;
  o["type"] = type;
  o["entity_id"] = entity_id;
  o["role"] = role;
  o["bound_cidrs"] = ToArray(bound_cidrs);
  return o;
}

Result<TokenEntry> TokenEntry::FromStorageJson(const json::object& o) {
  TokenEntry e;
  try {
    e.id_hash = std::string(o.at("id_hash").as_string());
    e.accessor = std::string(o.at("accessor").as_string());
    for (const auto& p : o.at("policies").as_array()) e.policies.emplace_back(p.as_string());
    e.path = std::string(o.at("path").as_string());
    for (const auto& kv : o.at("meta").as_object()) {
      e.meta[std::string(kv.key())] = std::string(kv.value().as_string());
    }
    e.display_name = std::string(o.at("display_name").as_string());
    e.num_uses = o.at("num_uses").to_number<int64_t>();
    e.creation_time = o.at("creation_time").to_number<int64_t>();
    e.ttl = std::chrono::seconds(o.at("ttl").to_number<int64_t>());
    e.expire_time = o.at("expire_time").to_number<int64_t>();
    e.renewable = o.at("renewable").as_bool();
    e.explicit_max_ttl = std::chrono::seconds(o.at("explicit_max_ttl").to_number<int64_t>());
    e.period = std::chrono::seconds(o.at("period").to_number<int64_t>());
    e.orphan = o.at("orphan").as_bool();
    e.type = std::string(o.at("type").as_string());
    e.entity_id = std::string(o.at("entity_id").as_string());
    if (auto* p = o.if_contains("parent")) e.parent = std::string(p->as_string());
    if (auto* r = o.if_contains("role")) e.role = std::string(r->as_string());
    if (auto* b = o.if_contains("bound_cidrs")) {
      for (const auto& c : b->as_array()) e.bound_cidrs.emplace_back(c.as_string());
    }
  } catch (const std::exception& ex) {
    return Internal(std::string("token entry is corrupt: ") + ex.what());
  }
  return e;
}

}  // namespace arca::core
