// audit::LogInput: what the core hands the audit broker for one request or response entry.
//
// A plain struct of views and small values so the core can fill it without copying request
// bodies: `request` and `response` point at objects the caller owns, and the non-HMAC key lists
// are spans over the mount's configuration. Everything must stay alive (and unmodified) for the
// duration of the Broker::LogRequest / LogResponse / Hash call; nothing is retained afterwards.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "logical/request.h"
#include "logical/response.h"

namespace arca::audit {

// The token that made the request (the entry's "auth" object). Empty for unauthenticated
// requests. The client token itself is read from request->client_token.
struct AuthInfo {
  std::string accessor;
  std::string display_name;
  std::vector<std::string> policies;
  std::vector<std::string> token_policies;
  std::vector<std::string> identity_policies;
  std::map<std::string, std::string> metadata;
  std::string entity_id;
  std::string token_type;        // "service" | "batch"; empty when unknown
  int64_t token_ttl = 0;         // seconds
  int64_t token_issue_time = 0;  // unix seconds, 0 = unknown
  int64_t remaining_uses = 0;    // 0 = unlimited
};

// What a request's request entry leaves for its response entry: per formatter (by id), the
// serialized "auth" and "request" objects, which the two entries of one request share. Owned by
// the caller for the span of one request.
struct EntryMemo {
  struct Part {
    uint64_t formatter = 0;
    std::string auth, request;
  };
  std::vector<Part> parts;
};

struct LogInput {
  const logical::Request* request = nullptr;    // required
  const logical::Response* response = nullptr;  // required by LogResponse, ignored otherwise
  AuthInfo auth;
  std::string error;  // the error message of a failed request ("" on success)
  // Top-level keys of request / response `data` that are logged in clear (the mount's
  // audit_non_hmac_request_keys / audit_non_hmac_response_keys).
  std::span<const std::string> non_hmac_request_keys;
  std::span<const std::string> non_hmac_response_keys;
  // The entry's timestamp; the epoch (default) means "now".
  std::chrono::system_clock::time_point time{};
  // Optional: set for both entries of a request, the response entry reuses what the request
  // entry formatted instead of formatting (and hashing) the same objects again.
  EntryMemo* memo = nullptr;
};

// An AuthInfo filled from the token fields the core already set on a request (accessor,
// display_name, policies, entity_id). token_type, ttl and uses are left for the caller.
AuthInfo AuthInfoFromRequest(const logical::Request& req);

}  // namespace arca::audit
