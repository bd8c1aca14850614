// audit::Formatter: turns a LogInput into one line of Vault's JSON audit format.
//
//   request entry:  {"time", "type":"request", "auth":{...}, "request":{...}, "error"}
//   response entry: the same plus "response":{mount_point, mount_type, mount_accessor, auth,
//                   secret{lease_id}, data, warnings, wrap_info{...}}
//
// Unless log_raw: client tokens, accessors (when hmac_accessor), wrap_info tokens, the
// auth.client_token of login responses, audited headers with hmac=true and every string leaf of
// request/response data (except the mount's non-HMAC keys) are replaced by Hasher::Hash.
// Each line ends in '\n' and starts with `prefix`.
//
// Thread-safety: immutable after construction; Format* may be called concurrently.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "audit/hasher.h"
#include "audit/log_input.h"
#include "common/json.h"

namespace arca::audit {

struct FormatOptions {
  bool hmac_accessor = true;
  bool log_raw = false;
  bool elide_list_responses = false;  // list responses: keys/key_info replaced by their counts
  std::string prefix;
};

// Audited request headers: lower-case name -> whether the values are HMAC'd.
using HeaderConfig = std::map<std::string, bool, std::less<>>;

class Formatter {
 public:
  // `hasher` must not be null.
  Formatter(FormatOptions options, std::shared_ptr<const Hasher> hasher);

  // input.request must be set. The line includes the trailing newline. The entry's time is
  // input.time if set, else `now` if set, else the current time (the broker passes one `now`
  // so that every device logs the same time).
  std::string FormatRequest(const LogInput& input, const HeaderConfig& headers,
                            std::chrono::system_clock::time_point now = {}) const;
  // input.request and input.response must be set.
  std::string FormatResponse(const LogInput& input, const HeaderConfig& headers,
                             std::chrono::system_clock::time_point now = {}) const;

  const FormatOptions& options() const { return options_; }
  const Hasher& hasher() const { return *hasher_; }

 private:
  std::string HashIf(std::string_view s, bool hash) const;
  // The request's token and accessor as they appear in an entry (hashed unless log_raw);
  // computed once per entry, for both the auth and the request object.
  struct TokenFields {
    std::string client_token, accessor;
  };
  TokenFields HashedTokenFields(const LogInput& in) const;
  json::object AuthObject(const LogInput& in, const TokenFields& t) const;
  json::object RequestObject(const LogInput& in, const HeaderConfig& headers,
                             const TokenFields& t) const;
  json::object ResponseObject(const LogInput& in) const;
  // The serialized auth and request objects of `in`'s entries.
  EntryMemo::Part SharedParts(const LogInput& in, const HeaderConfig& headers) const;
  // One line: {"time","type","auth","request"[,"response"],"error"}, each object serialized.
  std::string Line(std::chrono::system_clock::time_point t, std::string_view type,
                   const EntryMemo::Part& shared, const std::string* response,
                   const std::string& error) const;

  const uint64_t id_;  // unique per formatter, for EntryMemo
  FormatOptions options_;
  std::shared_ptr<const Hasher> hasher_;
};

// RFC 3339 UTC with nanoseconds ("2024-05-01T10:00:00.123456789Z"), as Vault writes "time".
std::string FormatTime(std::chrono::system_clock::time_point t);

}  // namespace arca::audit
