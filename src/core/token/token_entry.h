// TokenEntry: what the token store knows about one token (never the token itself for service
// tokens: they are stored under the salted hash of the token). Batch tokens carry the same entry
// sealed inside the token string (see token_batch.h).
//
// Thread-safety: a value type. Entries handed out by the store are immutable (shared_ptr<const>).
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/json.h"
#include "common/status.h"

namespace arca::core {

inline constexpr std::string_view kServiceTokenType = "service";
inline constexpr std::string_view kBatchTokenType = "batch";

struct TokenEntry {
  std::string id_hash;   // salted hash of the token; empty for batch tokens
  std::string accessor;  // empty for batch tokens
  std::string parent;    // id hash of the parent token; empty for orphans
  std::vector<std::string> policies;
  std::string path;  // creation path, e.g. "auth/token/create/<role>"
  std::map<std::string, std::string> meta;
  std::string display_name;
  int64_t num_uses = 0;
  int64_t creation_time = 0;  // unix seconds
  std::chrono::seconds ttl{0};
  std::chrono::seconds explicit_max_ttl{0};
  // Unix seconds when the token stops working; 0 = never. Set at creation (creation + ttl) and
  // moved by renewal.
  int64_t expire_time = 0;
  bool renewable = true;
  // Periodic token: every renewal resets the TTL to the period (no max TTL but
  // explicit_max_ttl).
  std::chrono::seconds period{0};
  bool orphan = false;
  std::string type = std::string(kServiceTokenType);
  std::string entity_id;
  std::string role;                      // token role it was created from, if any
  std::vector<std::string> bound_cidrs;  // source addresses allowed to use it; empty = any

  bool IsRoot() const;
  bool IsBatch() const { return type == kBatchTokenType; }
  // Whether the token has expired at `now` (unix seconds).
  bool Expired(int64_t now) const;
  // Whether a request from `remote_addr` (an IPv4/IPv6 address without port) may use the token:
  // true when bound_cidrs is empty; false for an unparseable address when it is not.
  bool AllowsAddress(std::string_view remote_addr) const;
  json::object ToStorageJson() const;
  // Fields added after the first format (parent, role, bound_cidrs) may be absent.
  static Result<TokenEntry> FromStorageJson(const json::object& o);
};

// Whether `addr` (IPv4 or IPv6 text) lies in `cidr` ("10.0.0.0/8", "::1/128", or a bare address
// meaning a single host). False when either does not parse.
bool AddressInCidr(std::string_view addr, std::string_view cidr);
// Whether `cidr` is a well-formed CIDR block or address (for validating role input).
bool ValidCidr(std::string_view cidr);

int64_t UnixNow();

}  // namespace arca::core
