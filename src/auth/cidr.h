// CIDR blocks for auth methods: validation of token_bound_cidrs / secret_id_bound_cidrs /
// cidr_list and matching of the client address (req.remote_addr) against them.
//
// Entries are "10.0.0.0/8", "2001:db8::/32" or a bare address (a /32 or /128). IPv4-mapped IPv6
// client addresses (::ffff:1.2.3.4) match IPv4 blocks.
//
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace arca::auth {

// OK when every entry is a valid block; InvalidRequest naming the first bad one otherwise.
Status ValidateCidrs(const std::vector<std::string>& cidrs);

// True when `addr` lies in one of `cidrs`. An empty list allows everything; an address that
// does not parse (or an empty one) matches nothing; invalid entries match nothing.
bool AddressAllowed(std::string_view addr, const std::vector<std::string>& cidrs);

}  // namespace arca::auth
