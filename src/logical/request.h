// logical::Request: one API request as the core and backends see it, independent of HTTP.
//
// The HTTP layer fills the transport fields; the core fills the token fields after token lookup
// and the routing fields (mount_point, path relative to the mount, storage) before handing the
// request to a backend.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/json.h"

namespace arca::logical {

class Storage;

enum class Operation {
  kRead,    // GET
  kCreate,  // POST/PUT when the existence check says the entry does not exist
  kUpdate,  // POST/PUT
  kPatch,   // PATCH (merge patch)
  kDelete,  // DELETE
  kList,    // LIST or GET ?list=true
  kScan,    // SCAN or GET ?scan=true (recursive list)
  kHelp,    // ?help=1
  kRevoke,  // lease revocation callback
  kRenew,   // lease renewal callback
};

std::string_view OperationName(Operation op);  // "read", "create", ...

struct Request {
  // --- transport (set by the HTTP layer or a test) ---
  std::string id;             // request UUID
  Operation operation = Operation::kRead;
  std::string path;           // full API path without "/v1/", e.g. "secret/foo"; after routing,
                              // relative to the mount ("foo")
  json::object data;          // body (JSON or form) merged with query parameters for GET/DELETE
  std::string client_token;   // X-Vault-Token or Authorization: Bearer
  std::string remote_addr;    // client IP (no port)
  std::map<std::string, std::vector<std::string>> headers;  // lower-cased names
  std::string content_type;
  // The body as received when its media type is binary (application/ocsp-request,
  // application/pkcs10, application/pkix-cert, application/octet-stream); `data` is then empty.
  std::string raw_body;
  // A body the HTTP layer stored in an (unlinked) temporary file instead of memory: snapshot
  // restores, whose size max_request_size does not bound. Owned by the HTTP layer, open for the
  // request's duration; -1: none (the body is in `data` / `raw_body`).
  int body_fd = -1;
  std::chrono::seconds wrap_ttl{0};   // X-Vault-Wrap-TTL, 0 = not wrapped
  // The certificate chain the TLS client presented (DER, the client's own certificate first),
  // shared by the requests of one connection. Null on plain HTTP, on the cluster listener and
  // when the client presented none. The listener verifies it only when
  // tls_require_and_verify_client_cert is set: auth methods (cert) do their own verification.
  std::shared_ptr<const std::vector<std::string>> peer_certificates;
  bool unauthenticated_ok = false;    // not used by HTTP; set by core for special paths
  // The listener allows sys/metrics without a token (its telemetry stanza says so).
  bool unauthenticated_metrics_access = false;

  // --- set by the core ---
  std::string mount_point;    // e.g. "secret/" or "auth/token/"
  std::string mount_type;     // e.g. "kv"
  std::string mount_accessor;
  std::string original_path;  // the full path as received
  Storage* storage = nullptr; // the mount's storage view
  std::string client_token_accessor;
  std::vector<std::string> policies;
  std::string display_name;
  std::string entity_id;
  // The identity policies of the token's entity (entity and groups, transitively), resolved at
  // each request; `policies` = the token's policies followed by these.
  std::vector<std::string> identity_policies;
  std::vector<std::string> token_policies;  // the token's own policies
  bool is_root_token = false;

  // --- kRenew / kRevoke of a lease (set by the expiration manager's callbacks) ---
  std::string lease_id;
  json::object secret_internal;         // the internal data the backend attached to the secret
  std::chrono::seconds renew_increment{0};  // kRenew: the increment asked for (0 = default)
  std::chrono::seconds lease_ttl{0};        // kRenew: the TTL the lease had
  int64_t lease_issue_time = 0;             // unix seconds

  // --- backend scratch ---
  // What a backend worked out in HandleExistenceCheck (the routed path, the validated
  // parameters) for the HandleRequest call that follows on the same request; the core changes
  // neither path nor data between the two.
  std::shared_ptr<void> backend_scratch;
};

}  // namespace arca::logical
