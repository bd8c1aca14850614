// CidrSet: a set of IPv4/IPv6 networks for matching client addresses (trusted proxies for
// X-Forwarded-For). No sockets involved; addresses are parsed with inet_pton.
//
// Thread-safety: immutable after Parse; safe to share between threads.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace arca::http {

// An IP address in 16-byte form; IPv4 is stored IPv4-mapped (::ffff:a.b.c.d).
struct IpAddress {
  std::array<uint8_t, 16> bytes{};
  bool is_v4 = false;

  // Accepts "1.2.3.4", "::1", "::ffff:1.2.3.4" (treated as IPv4) and "[::1]". nullopt if invalid.
  static std::optional<IpAddress> Parse(std::string_view text);
};

class CidrSet {
 public:
  CidrSet() = default;  // empty: contains nothing

  // Parses entries like "10.0.0.0/8", "2001:db8::/32" or a bare address (a /32 or /128).
  // A malformed entry or prefix length is an InvalidRequest error naming it.
  static Result<CidrSet> Parse(const std::vector<std::string>& cidrs);

  bool empty() const { return nets_.empty(); }
  bool Contains(const IpAddress& ip) const;
  // False for text that is not an IP address.
  bool Contains(std::string_view ip) const;

 private:
  struct Net {
    IpAddress addr;       // masked network address
    int prefix_bits = 0;  // over the 16-byte form (IPv4 prefixes are offset by 96)
  };
  std::vector<Net> nets_;
};

}  // namespace arca::http
