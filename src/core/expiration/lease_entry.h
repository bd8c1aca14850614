// LeaseEntry: one lease as the expiration manager persists it, and the storage layout of the
// manager's view (the barrier view "sys/expire/"):
//
//   id/<lease_id>                               JSON LeaseEntry (the only key with a value)
//   due/<bucket>/<expiry>.<escaped lease_id>    ""  schedule index: expiry = 10-digit unix
//                                                   seconds, bucket = its first 6 digits
//   token/<token_hash>/<escaped lease_id>       ""  leases created by a token (revoke-by-token)
//   irrevocable/<escaped lease_id>              ""  leases whose revocation gave up
//
// Index keys carry everything the scheduler needs, so a restore lists keys (no decryption) and
// never reads entries. An index key is valid only while its entry exists and agrees with it (the
// entry's expire_time for due/, token_hash for token/); stale keys (left by a crash between the
// writes of one operation) are ignored and removed when met, and by Tidy. Writes are ordered so
// that a crash never leaves a live entry without its due key: index keys are written before the
// entry, the entry is deleted before its index keys. Format: this comment.
//
// Escaping: '%' -> "%25", '/' -> "%2F" (so a lease id is one path segment).
//
// Thread-safety: value types and pure functions.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/json.h"
#include "common/status.h"

namespace arca::core {

struct LeaseEntry {
  std::string lease_id;        // "<path>/<random id>"
  std::string path;            // the request path that created it ("database/creds/ro")
  std::string mount_accessor;  // the mount owning the secret
  // Hash of the token that created the lease ("" = none). For a token lease (is_auth), the hash
  // of the token the lease belongs to.
  std::string token_hash;
  bool is_auth = false;         // a token lease (RegisterAuth), not a secret's
  json::object internal_data;   // the secret's internal data, given back on renew and revoke
  int64_t issue_time = 0;       // unix seconds
  int64_t expire_time = 0;      // unix seconds
  int64_t last_renewal = 0;     // unix seconds; 0 = never renewed
  int64_t max_expire = 0;       // last possible expiry (issue + max TTL); 0 = no limit
  std::chrono::seconds ttl{0};  // TTL granted at issue or at the last renewal
  bool renewable = false;
  bool irrevocable = false;     // automatic revocation gave up (see revoke_error)
  std::string revoke_error;     // the last revocation error

  json::object ToJson() const;
  // Errors: InvalidRequest when a field is missing or has the wrong type (a corrupt entry).
  static Result<LeaseEntry> FromJson(const json::object& o);
};

// One lease id as a single path segment, and back. Unescape rejects malformed input.
std::string EscapeLeaseId(std::string_view lease_id);
Result<std::string> UnescapeLeaseId(std::string_view escaped);

inline constexpr std::string_view kLeaseIdPrefix = "id/";
inline constexpr std::string_view kDuePrefix = "due/";
inline constexpr std::string_view kTokenIndexPrefix = "token/";
inline constexpr std::string_view kIrrevocablePrefix = "irrevocable/";

std::string LeaseEntryKey(std::string_view lease_id);
// Expiries are clamped to [0, 9999999999].
std::string DueKey(int64_t expire, std::string_view lease_id);
std::string TokenIndexKey(std::string_view token_hash, std::string_view lease_id);
std::string IrrevocableKey(std::string_view lease_id);

// A parsed due/ leaf ("<10-digit expiry>.<escaped id>", as listed under its bucket).
struct DueIndexItem {
  int64_t expire = 0;
  std::string lease_id;
};
// Errors: InvalidRequest for a name that is not a due/ leaf.
Result<DueIndexItem> ParseDueLeaf(std::string_view leaf);

// Unix seconds as RFC 3339 in UTC ("2024-05-01T10:00:00Z").
std::string UnixToRfc3339Utc(int64_t unix_seconds);

}  // namespace arca::core
