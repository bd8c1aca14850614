#include "auth/cidr.h"

#include <arpa/inet.h>

#include <array>
#include <charconv>
#include <cstdint>
#include <cstring>
#include <optional>

namespace arca::auth {
namespace {

struct Ip {
  std::array<uint8_t, 16> bytes{};  // IPv4 is stored IPv4-mapped
  bool v4 = false;
};

std::optional<Ip> ParseIp(std::string_view text) {
  if (text.size() > 2 && text.front() == '[' && text.back() == ']') {
    text = text.substr(1, text.size() - 2);
  }
  std::string s(text);
  Ip ip;
  in_addr a4{};
  if (inet_pton(AF_INET, s.c_str(), &a4) == 1) {
    ip.bytes[10] = ip.bytes[11] = 0xff;
    std::memcpy(ip.bytes.data() + 12, &a4, 4);
    ip.v4 = true;
    return ip;
  }
  in6_addr a6{};
  if (inet_pton(AF_INET6, s.c_str(), &a6) != 1) return std::nullopt;
  std::memcpy(ip.bytes.data(), &a6, 16);
  static constexpr uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  ip.v4 = std::memcmp(ip.bytes.data(), kMapped, 12) == 0;
  return ip;
}

struct Net {
  Ip addr;
  int bits = 0;  // over the 16-byte form
};

std::optional<Net> ParseNet(std::string_view text) {
  size_t slash = text.find('/');
  auto ip = ParseIp(text.substr(0, slash));
  if (!ip) return std::nullopt;
  Net n{*ip, 128};
  if (slash != std::string_view::npos) {
    std::string_view p = text.substr(slash + 1);
    int len = -1;
    auto [end, ec] = std::from_chars(p.data(), p.data() + p.size(), len);
    if (p.empty() || ec != std::errc() || end != p.data() + p.size()) return std::nullopt;
    if (len < 0 || len > (ip->v4 ? 32 : 128)) return std::nullopt;
    n.bits = ip->v4 ? len + 96 : len;
  }
  return n;
}

bool Contains(const Net& n, const Ip& ip) {
  int full = n.bits / 8, rest = n.bits % 8;
  if (std::memcmp(n.addr.bytes.data(), ip.bytes.data(), full) != 0) return false;
  if (rest == 0) return true;
  uint8_t mask = static_cast<uint8_t>(0xff << (8 - rest));
  return (n.addr.bytes[full] & mask) == (ip.bytes[full] & mask);
}

}  // namespace

Status ValidateCidrs(const std::vector<std::string>& cidrs) {
  for (const auto& c : cidrs) {
    if (!ParseNet(c)) return InvalidRequest("invalid CIDR block \"" + c + "\"");
  }
  return OkStatus();
}

bool AddressAllowed(std::string_view addr, const std::vector<std::string>& cidrs) {
  if (cidrs.empty()) return true;
  auto ip = ParseIp(addr);
  if (!ip) return false;
  for (const auto& c : cidrs) {
    auto n = ParseNet(c);
    if (n && Contains(*n, *ip)) return true;
  }
  return false;
}

}  // namespace arca::auth
