#include "http/cidr.h"

#include <arpa/inet.h>

#include <charconv>
#include <cstring>

namespace arca::http {
namespace {

bool PrefixMatches(const std::array<uint8_t, 16>& a, const std::array<uint8_t, 16>& b, int bits) {
  int full = bits / 8;
  if (std::memcmp(a.data(), b.data(), full) != 0) return false;
  int rest = bits % 8;
  if (rest == 0) return true;
  uint8_t mask = static_cast<uint8_t>(0xff << (8 - rest));
  return (a[full] & mask) == (b[full] & mask);
}

void MaskTo(std::array<uint8_t, 16>& a, int bits) {
  for (int i = 0; i < 16; ++i) {
    int keep = bits - i * 8;
    if (keep >= 8) continue;
    a[i] = keep <= 0 ? 0 : static_cast<uint8_t>(a[i] & (0xff << (8 - keep)));
  }
}

}  // namespace

std::optional<IpAddress> IpAddress::Parse(std::string_view text) {
  if (text.size() >= 2 && text.front() == '[' && text.back() == ']') {
    text = text.substr(1, text.size() - 2);
  }
  if (text.empty() || text.size() > 64) return std::nullopt;
  char buf[65];
  std::memcpy(buf, text.data(), text.size());
  buf[text.size()] = '\0';
  IpAddress ip;
  in_addr v4;
  if (inet_pton(AF_INET, buf, &v4) == 1) {
    ip.bytes[10] = ip.bytes[11] = 0xff;
    std::memcpy(ip.bytes.data() + 12, &v4, 4);
    ip.is_v4 = true;
    return ip;
  }
  in6_addr v6;
  if (inet_pton(AF_INET6, buf, &v6) != 1) return std::nullopt;
  std::memcpy(ip.bytes.data(), &v6, 16);
  static constexpr uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  ip.is_v4 = std::memcmp(ip.bytes.data(), kMapped, 12) == 0;
  return ip;
}

Result<CidrSet> CidrSet::Parse(const std::vector<std::string>& cidrs) {
  CidrSet set;
  for (const std::string& entry : cidrs) {
    std::string_view text = entry;
    while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
    while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
    std::string_view addr = text;
    std::optional<int> prefix;
    if (auto slash = text.find('/'); slash != std::string_view::npos) {
      addr = text.substr(0, slash);
      std::string_view bits = text.substr(slash + 1);
      int n = -1;
      auto [ptr, ec] = std::from_chars(bits.data(), bits.data() + bits.size(), n);
      if (bits.empty() || ec != std::errc() || ptr != bits.data() + bits.size()) {
        return InvalidRequest("invalid CIDR \"" + entry + "\"");
      }
      prefix = n;
    }
    auto ip = IpAddress::Parse(addr);
    if (!ip) return InvalidRequest("invalid CIDR \"" + entry + "\"");
    int max_bits = ip->is_v4 ? 32 : 128;
    int bits = prefix.value_or(max_bits);
    if (bits < 0 || bits > max_bits) return InvalidRequest("invalid CIDR \"" + entry + "\"");
    Net net{*ip, ip->is_v4 ? bits + 96 : bits};
    MaskTo(net.addr.bytes, net.prefix_bits);
    set.nets_.push_back(net);
  }
  return set;
}

bool CidrSet::Contains(const IpAddress& ip) const {
  for (const Net& net : nets_) {
    if (PrefixMatches(net.addr.bytes, ip.bytes, net.prefix_bits)) return true;
  }
  return false;
}

bool CidrSet::Contains(std::string_view ip) const {
  if (nets_.empty()) return false;
  auto parsed = IpAddress::Parse(ip);
  return parsed && Contains(*parsed);
}

}  // namespace arca::http
