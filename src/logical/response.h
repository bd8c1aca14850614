// logical::Response: what a backend answers. The HTTP layer turns it into Vault's envelope
// ({request_id, lease_id, renewable, lease_duration, data, wrap_info, warnings, auth,
// mount_type}); a Raw response bypasses the envelope (CRLs, metrics, CA certificates).
//
// Errors are not responses: a handler returns Result<Response> and an Error maps to
// {"errors":[...]} with the status of its kind.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/json.h"

namespace arca::logical {

// A leased secret (dynamic credentials). lease_id is assigned by the core.
struct Secret {
  std::string lease_id;
  std::chrono::seconds ttl{0};
  std::chrono::seconds max_ttl{0};
  bool renewable = true;
  json::object internal_data;  // kept by the lease, given back on renew/revoke; never returned
  // false for secrets that only carry a refresh interval (KV): no lease is registered and
  // lease_id stays empty, but lease_duration is reported.
  bool register_lease = true;
};

// Authentication result: a token was (or is to be) created.
struct Auth {
  std::string client_token;
  std::string accessor;
  std::vector<std::string> policies;
  std::vector<std::string> token_policies;
  std::vector<std::string> identity_policies;
  std::map<std::string, std::string> metadata;
  std::chrono::seconds lease_duration{0};
  bool renewable = false;
  std::string entity_id;
  std::string token_type = "service";
  bool orphan = false;
  int num_uses = 0;
  std::string display_name;
  // Set by auth methods on login (the core creates the token from them): the token's limits.
  // lease_duration is the TTL asked for (0 = the mount's default).
  std::chrono::seconds max_ttl{0};           // 0 = the mount's maximum
  std::chrono::seconds explicit_max_ttl{0};  // hard cap, 0 = none
  std::chrono::seconds period{0};            // periodic token when > 0
  std::vector<std::string> bound_cidrs;      // token_bound_cidrs
  bool no_default_policy = false;
  // Set by auth methods on login: the login's name on this mount (Vault's logical.Alias). The
  // core maps it to an identity entity (created at the first login) and sets entity_id and
  // identity_policies.
  struct Alias {
    std::string name;
    std::map<std::string, std::string> metadata;
  };
  std::optional<Alias> alias;
  // Set by auth methods on login: the names of the login's groups in the method (LDAP groups,
  // a JWT groups claim). The core makes the login's entity a member of exactly the external
  // groups whose group alias on this mount has one of these names (Vault's GroupAliases).
  std::vector<std::string> group_aliases;
};

struct WrapInfo {
  std::string token;
  std::string accessor;
  std::chrono::seconds ttl{0};
  std::string creation_time;  // RFC 3339 with nanoseconds
  std::string creation_path;
  std::string wrapped_accessor;
};

struct RawBody {
  int status = 200;
  std::string content_type;
  std::string body;
};

// A body produced over time (sys/monitor's log stream). The HTTP layer answers 200 with
// Transfer-Encoding: chunked and sends what Read hands it, from its I/O thread, until Read
// reports the end, the client goes away or the server stops; then it destroys the source.
//
// Thread-safety: Read and the destructor are called on one thread (the connection's); the
// waker given to SetWaker may be called from any thread until the source is destroyed.
class StreamSource {
 public:
  virtual ~StreamSource() = default;
  virtual std::string content_type() const = 0;
  // Appends what is ready to `out` without blocking. false: the stream has ended (after what
  // was appended).
  virtual bool Read(std::string& out) = 0;
  // `wake` (thread-safe, cheap, never blocks) is to be called when Read has something new
  // after returning nothing. Called once, before the first Read.
  virtual void SetWaker(std::function<void()> wake) = 0;
};

struct Response {
  json::object data;
  std::optional<Secret> secret;
  std::optional<Auth> auth;
  std::optional<WrapInfo> wrap_info;
  std::vector<std::string> warnings;
  std::optional<RawBody> raw;                  // bypass the envelope
  std::shared_ptr<StreamSource> stream;        // a streamed body (bypasses the envelope)
  std::map<std::string, std::string> headers;  // extra response headers
  // HTTP status override (0 = default: 200 with content, 204 without). Used by sys/health.
  int status_code = 0;
  // Copy the keys of `data` to the top level of the JSON object too (Vault's quirk for
  // sys/mounts, sys/auth, sys/policy, ...).
  bool data_at_top_level = false;
  // A LIST response with no keys: answered 404 {"errors":[]} as Vault does.
  bool empty_list = false;
  // `data` is sent even when it is empty: 200 with "data": {} instead of 204 (Vault's handler
  // returned an empty, non-nil map, e.g. sys/audit with no device enabled).
  bool data_even_if_empty = false;

  bool HasContent() const {
    return !data.empty() || data_even_if_empty || secret || auth || wrap_info ||
           !warnings.empty() || raw || stream;
  }

  static Response WithData(json::object d) {
    Response r;
    r.data = std::move(d);
    return r;
  }
  // {"keys": [...]}; an empty list sets empty_list.
  static Response ListResponse(const std::vector<std::string>& keys);
};

}  // namespace arca::logical
