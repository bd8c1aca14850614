// The request pipeline: lifecycle paths, sealed check, routing, authentication, authorization,
// existence check, audit, backend, leases, wrapping.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <mutex>

#include "audit/broker.h"
#include "common/metrics.h"
#include "core/barrier/barrier.h"
#include "core/core.h"
#include "core/activity.h"
#include "core/identity/identity_store.h"
#include "core/in_flight.h"

#include "common/metrics.h"
#include "core/policy_store.h"
#include "core/quotas/quota_manager.h"
#include "core/token/token_store.h"

namespace arca::core {
namespace {

// Vault's answer when a request reaches a node that is not active and knows no active node.
constexpr std::string_view kNoActiveNode = "local node not active but active cluster node not found";

// The paths whose POST restores a snapshot (Arca's own name for it too).
bool IsSnapshotRestorePath(std::string_view path) {
  return path == "sys/storage/raft/snapshot" || path == "sys/storage/raft/snapshot-force" ||
         path == "sys/storage/snapshot" || path == "sys/storage/snapshot-force";
}

// sys/ paths answered whether sealed or not, without a token.
bool IsLifecyclePath(std::string_view path) {
  return path == "sys/init" || path == "sys/seal-status" || path == "sys/unseal" ||
         path == "sys/health" || path == "sys/leader" || path == "sys/seal-backend-status";
}

}  // namespace

bool Core::RunsInline(const logical::Request& req) const {
  if (req.operation != logical::Operation::kRead && req.operation != logical::Operation::kList) {
    return false;
  }
  // A network storage backend would block the I/O thread.
  if (!local_storage_ || req.wrap_ttl.count() != 0 || audit_->HasQueuedDevices()) return false;
  // sys/seal-backend-status asks the seal's key service (maybe over the network).
  if (IsLifecyclePath(req.path)) return req.path != "sys/seal-backend-status";
  // A token with a use limit is counted down in storage (and revoked at its last use).
  if (tokens_->UseMayWrite(req.client_token)) return false;
  auto match = router_.Route(req.path);
  if (!match) return true;  // answered 403 or 404 after a token lookup
  const std::string& type = match->route->type();
  return type == "kv" || type == "cubbyhole" || type == "transit";
}

Result<logical::Response> Core::HandleRequest(logical::Request& req) {
  const auto start = std::chrono::steady_clock::now();
  const InFlightRequests::Scope in_flight = in_flight_->Track(req);  // sys/in-flight-req
  auto result = HandleRequestUnmetered(req);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  int status = 200;
  if (!result) {
    status = result.error().http_status();
  } else if (result->raw) {
    status = result->raw->status;
  } else if (result->status_code != 0) {
    status = result->status_code;
  }
  metrics::Registry::Global().ObserveRequest(logical::OperationName(req.operation),
                                             req.mount_point, seconds, status);
  return result;
}

void Core::AddRateLimitHeaders(const QuotaManager::Decision& d, logical::Response& resp) {
  resp.headers["X-Ratelimit-Limit"] = fmt::format("{}", d.limit);
  resp.headers["X-Ratelimit-Remaining"] = std::to_string(d.remaining);
  resp.headers["X-Ratelimit-Reset"] = std::to_string(d.reset_seconds);
}

logical::Response Core::RateLimited(logical::Request& req, Router::Match& match,
                                    const QuotaManager::Decision& d) {
  metrics::Registry::Global()
      .GetCounter("quota.rate_limit.violation", "Requests refused by a rate limit quota.",
                  {{"name", d.quota}})
      .Add();
  const std::string message =
      "request path \"" + req.original_path + "\": rate limit quota exceeded";
  if (d.audit_rejections && audit_->HasDevices()) {
    AuditCall call;
    call.mount = match.route->entry();
    if (Status s = LogAuditRequest(req, call, message); !s) {
      spdlog::error("core: audit of a rate-limited request: {}", s.error().message());
    }
  }
  logical::Response resp;
  resp.raw = logical::RawBody{429, "application/json",
                              json::serialize(json::object{{"errors", json::array{message}}})};
  resp.headers["Retry-After"] = std::to_string(d.retry_after);
  if (d.response_headers) AddRateLimitHeaders(d, resp);
  return resp;
}

Result<logical::Response> Core::HandleRequestUnmetered(logical::Request& req) {
  if (req.original_path.empty()) req.original_path = req.path;

  // Lifecycle paths, and on an HA standby its own metrics where the listener serves them without
  // a token (a standby has no token store to check one), go straight to the system backend.
  const bool standby_metrics = standby_.load() && req.path == "sys/metrics" &&
                               req.unauthenticated_metrics_access &&
                               req.operation == logical::Operation::kRead;
  if (IsLifecyclePath(req.path) || standby_metrics) {
    req.mount_point = "sys/";
    req.mount_type = "system";
    req.path = req.path.substr(4);
    req.storage = sys_view_.get();
    return system_backend_->HandleRequest(req);
  }
  if (req.path == "sys/seal" || req.path == "sys/step-down" ||
      (req.operation == logical::Operation::kUpdate && IsSnapshotRestorePath(req.path))) {
    return HandleSealRequest(req);
  }

  std::shared_lock state(state_mu_);
  if (sealed_) return ::arca::Sealed();
  // The server forwards a standby's requests to the active node (src/server); what reaches the
  // core here had nowhere to go, unless this standby serves reads (standby_reads.cc): then
  // anything it cannot complete without writing is handed back to be forwarded, before the
  // audit request entry where it can be known then.
  const bool standby_reads = standby_.load();
  if (standby_reads) {
    if (!standby_reads_ready_.load(std::memory_order_acquire)) {
      return Unavailable(std::string(kNoActiveNode));
    }
    if (!StandbyMayServeOp(req.operation, req.path)) {
      return ForwardToActive("this standby does not serve this request");
    }
    if (req.wrap_ttl.count() != 0) {
      return ForwardToActive("response wrapping creates a token: only the active node does");
    }
  }

  auto match = router_.Route(req.path);
  if (!match) {
    if (standby_reads) return ForwardToActive("no such mount on this standby");
    // As Vault: the token and its ACL are checked before the missing route is reported, so
    // that a caller without a valid token learns nothing about which mounts exist (403).
    ARCA_RETURN_IF_ERROR(AuthorizeUnrouted(req));
    return NotFound("no handler for route \"" + req.original_path +
                    "\". route entry not found.");
  }
  const QuotaManager::Decision quota =
      quotas_->Check(req.path, match->route->router_path(), req.remote_addr);
  if (!quota.allowed) return RateLimited(req, *match, quota);
  if (quota.response_headers) {
    auto result = HandleRouted(req, *match);
    if (result) AddRateLimitHeaders(quota, *result);
    return result;
  }
  return HandleRouted(req, *match);
}

Result<logical::Response> Core::HandleRouted(logical::Request& req, Router::Match& match_ref) {
  Router::Match* match = &match_ref;
  if (!audit_->HasDevices()) return Dispatch(req, *match, nullptr);

  // Audited: the request entry is written before the backend runs (Dispatch), the response
  // entry after; either failing on every device refuses the request (500).
  AuditCall call;
  call.mount = match->route->entry();
  auto result = Dispatch(req, *match, &call);
  if (!call.request_logged) {
    // Refused before the backend (authentication, authorization, bad input): still recorded.
    (void)LogAuditRequest(req, call, result ? std::string() : result.error().message());
  }
  audit::LogInput in = AuditInput(req, call);
  logical::Response none;
  in.response = result ? &*result : &none;
  if (!result) in.error = result.error().message();
  if (Status logged = audit_->LogResponse(in); !logged) {
    spdlog::error("core: audit: {}", logged.error().message());
    return std::unexpected(logged.error());
  }
  return result;
}

audit::LogInput Core::AuditInput(const logical::Request& req, const AuditCall& call) const {
  audit::LogInput in;
  in.request = &req;
  in.auth = audit::AuthInfoFromRequest(req);
  if (call.token) {
    const TokenEntry& t = *call.token;
    in.auth.token_type = t.type;
    in.auth.token_issue_time = t.creation_time;
    in.auth.token_ttl = t.ttl.count();
    in.auth.remaining_uses = t.num_uses;
    in.auth.metadata = t.meta;
  }
  in.non_hmac_request_keys = call.mount.config.audit_non_hmac_request_keys;
  in.non_hmac_response_keys = call.mount.config.audit_non_hmac_response_keys;
  in.memo = &call.memo;
  return in;
}

Status Core::LogAuditRequest(const logical::Request& req, AuditCall& call, std::string error) {
  audit::LogInput in = AuditInput(req, call);
  in.error = std::move(error);
  call.request_logged = true;
  Status s = audit_->LogRequest(in);
  if (!s) spdlog::error("core: audit: {}", s.error().message());
  return s;
}

Result<logical::Response> Core::Dispatch(logical::Request& req, Router::Match& match,
                                         AuditCall* audit) {
  MountRoute& route = *match.route;
  logical::Backend* backend = route.backend();
  if (!backend) return Internal("mount has no backend");

  bool root_protected = false;
  std::shared_ptr<const TokenEntry> token_entry;
  ARCA_RETURN_IF_ERROR(
      Authenticate(req, *backend, match.relative_path, &root_protected, &token_entry));
  if (audit) audit->token = token_entry;
  // A read-serving standby cannot count down a limited-use token (a storage write).
  const bool standby = standby_.load();
  if (standby && token_entry && token_entry->num_uses > 0) {
    return ForwardToActive("the token has a use limit: only the active node counts its uses");
  }
  activity_->Record(token_entry);  // sys/internal/counters/activity

  req.mount_point = route.router_path();
  req.mount_type = route.type();
  req.mount_accessor = route.accessor();
  req.path = std::move(match.relative_path);
  req.storage = &route.view();

  if (req.operation == logical::Operation::kUpdate) {
    ARCA_ASSIGN_OR_RETURN(logical::ExistenceCheck check, backend->HandleExistenceCheck(req));
    if (check.supported && !check.exists) req.operation = logical::Operation::kCreate;
  }
  WrapBounds wrap_bounds;
  if (!req.unauthenticated_ok) {
    ARCA_RETURN_IF_ERROR(Authorize(req, root_protected, &wrap_bounds));
    ARCA_RETURN_IF_ERROR(CheckWrapTtl(req, wrap_bounds));
  }
  // No log, no answer: nothing happens unless a device recorded the request.
  if (audit) ARCA_RETURN_IF_ERROR(LogAuditRequest(req, *audit, ""));
  if (token_entry && token_entry->num_uses > 0 && !req.unauthenticated_ok) {
    // Count a use of a limited-use token (the last use revokes it).
    ARCA_RETURN_IF_ERROR(tokens_->UseToken(req.client_token, *token_entry));
  }
  if (req.operation == logical::Operation::kList || req.operation == logical::Operation::kScan) {
    return HandleListing(req, *backend, route);
  }
  ARCA_ASSIGN_OR_RETURN(logical::Response resp, backend->HandleRequest(req));
  if (standby && (resp.auth || (resp.secret && resp.secret->register_lease) || resp.wrap_info)) {
    // A token or a lease would be created: the active node answers instead (the backend only
    // read, its answer is dropped).
    return ForwardToActive("the response creates a lease or a token: only the active node does");
  }
  if (resp.auth && resp.auth->client_token.empty() && route.type() != "token" &&
      backend->Kind() == logical::BackendKind::kCredential) {
    ARCA_RETURN_IF_ERROR(CreateLoginToken(req, route, *resp.auth));
  }
  if (resp.secret && resp.secret->register_lease) {
    ARCA_RETURN_IF_ERROR(RegisterLease(req, route, token_entry.get(), resp));
  }
  if (req.wrap_ttl.count() > 0 && resp.HasContent() && !resp.raw && !resp.wrap_info) {
    ARCA_RETURN_IF_ERROR(WrapResponse(req, resp));
  }
  return resp;
}

Status Core::Authenticate(logical::Request& req, const logical::Backend& backend,
                          std::string_view relative_path, bool* root_protected,
                          std::shared_ptr<const TokenEntry>* token_entry) {
  const logical::SpecialPaths& special = backend.GetSpecialPaths();
  *root_protected = logical::PathMatchesAny(relative_path, special.root);
  // A listener with telemetry { unauthenticated_metrics_access = true } opens sys/metrics.
  const bool open_metrics = req.unauthenticated_metrics_access && relative_path == "metrics" &&
                            backend.Type() == "system";
  if (open_metrics || logical::PathMatchesAny(relative_path, special.unauthenticated)) {
    req.unauthenticated_ok = true;
    // A token, when given, is still resolved so that handlers may use it.
    if (req.client_token.empty()) return OkStatus();
  }
  if (req.client_token.empty()) return PermissionDenied();
  ARCA_ASSIGN_OR_RETURN(auto entry, tokens_->Lookup(req.client_token));
  if (!entry) {
    if (req.unauthenticated_ok) return OkStatus();
    return PermissionDenied();
  }
  // token_bound_cidrs: a bound token works only from its networks.
  if (!entry->AllowsAddress(req.remote_addr)) {
    if (req.unauthenticated_ok) return OkStatus();
    return PermissionDenied();
  }
  // A disabled entity's tokens are refused (Vault: permission denied); its identity policies
  // (entity and groups) are resolved now, so that a change reaches existing tokens at once.
  if (!entry->entity_id.empty()) {
    if (identity_->EntityDisabled(entry->entity_id)) {
      if (req.unauthenticated_ok) return OkStatus();
      return PermissionDenied();
    }
    req.identity_policies = identity_->IdentityPolicies(entry->entity_id);
  }
  req.client_token_accessor = entry->accessor;
  req.token_policies = entry->policies;
  req.policies = entry->policies;
  for (const auto& p : req.identity_policies) {
    if (std::find(req.policies.begin(), req.policies.end(), p) == req.policies.end()) {
      req.policies.push_back(p);
    }
  }
  req.display_name = entry->display_name;
  req.entity_id = entry->entity_id;
  req.is_root_token = entry->IsRoot();
  *token_entry = entry;
  return OkStatus();
}

Status Core::Authorize(const logical::Request& req, bool root_protected,
                       WrapBounds* wrap_bounds) {
  if (req.is_root_token) return OkStatus();
  ARCA_ASSIGN_OR_RETURN(auto acl, policies_->AclFor(req.policies, req.entity_id));
  policy::AclResult result = acl->Allowed(req.original_path, req.operation, req.data);
  if (!result.allowed) return PermissionDenied();
  if (wrap_bounds) *wrap_bounds = {result.min_wrapping_ttl, result.max_wrapping_ttl};
  if (root_protected && !result.root_privs) return PermissionDenied();
  return OkStatus();
}

Status Core::AuthorizeUnrouted(const logical::Request& req) {
  if (req.client_token.empty()) return PermissionDenied();
  ARCA_ASSIGN_OR_RETURN(auto entry, tokens_->Lookup(req.client_token));
  if (!entry || !entry->AllowsAddress(req.remote_addr)) return PermissionDenied();
  if (entry->IsRoot()) return OkStatus();
  std::vector<std::string> policies = entry->policies;
  if (!entry->entity_id.empty()) {
    if (identity_->EntityDisabled(entry->entity_id)) return PermissionDenied();
    for (auto& p : identity_->IdentityPolicies(entry->entity_id)) policies.push_back(std::move(p));
  }
  ARCA_ASSIGN_OR_RETURN(auto acl, policies_->AclFor(policies, entry->entity_id));
  if (!acl->Allowed(req.original_path, req.operation, req.data).allowed) {
    return PermissionDenied();
  }
  return OkStatus();
}

// sys/seal and sys/step-down: authenticated, authorized (update and sudo on the path, as in
// Vault) and audited like any routed request, but answered here: sealing tears down the router
// and the audit devices, so the request entry is written before and no response entry after.
// Step-down is a no-op (one node, always active) that is still checked and audited.
// A snapshot restore (POST sys/storage/raft/snapshot[-force]) goes the same way (update on the
// path, no sudo, as in Vault), because it replaces everything under the state lock (snapshot.cc).
Result<logical::Response> Core::HandleSealRequest(logical::Request& req) {
  if (req.operation != logical::Operation::kUpdate) return Unsupported();
  const bool seal = req.path == "sys/seal";
  const bool restore = IsSnapshotRestorePath(req.path);
  const bool force = restore && req.path.ends_with("-force");
  {
    std::shared_lock state(state_mu_);
    if (sealed_) return ::arca::Sealed();
    if (standby_.load()) return Unavailable(std::string(kNoActiveNode));
    auto match = router_.Route(req.path);
    if (!match || match->route->backend() == nullptr) return Internal("no system mount");
    MountRoute& route = *match->route;
    AuditCall call;
    call.mount = route.entry();
    bool root_protected = false;
    std::shared_ptr<const TokenEntry> token_entry;
    Status allowed =
        Authenticate(req, *route.backend(), match->relative_path, &root_protected, &token_entry);
    call.token = token_entry;
    req.mount_point = route.router_path();
    req.mount_type = route.type();
    req.mount_accessor = route.accessor();
    req.path = std::move(match->relative_path);
    if (allowed) allowed = Authorize(req, /*root_protected=*/!restore, nullptr);
    if (audit_->HasDevices()) {
      // No log, no answer: an allowed request goes no further unless it was recorded.
      Status logged =
          LogAuditRequest(req, call, allowed ? std::string() : allowed.error().message());
      if (allowed && !logged) return std::unexpected(logged.error());
      if (!allowed || !seal) {
        audit::LogInput in = AuditInput(req, call);
        logical::Response none;
        in.response = &none;
        if (!allowed) in.error = allowed.error().message();
        if (Status r = audit_->LogResponse(in); !r) {
          spdlog::error("core: audit: {}", r.error().message());
          if (allowed) return std::unexpected(r.error());
        }
      }
    }
    if (!allowed) return std::unexpected(allowed.error());
    if (token_entry && token_entry->num_uses > 0) {
      ARCA_RETURN_IF_ERROR(tokens_->UseToken(req.client_token, *token_entry));
    }
    if (!seal && !restore) {
      // sys/step-down: without HA there is nothing to step down from (Vault answers 204).
      if (ha_) ARCA_RETURN_IF_ERROR(StepDown());
      return logical::Response{};
    }
  }
  if (restore) return RestoreSnapshotRequest(req, force);
  ARCA_RETURN_IF_ERROR(Seal());
  return logical::Response{};
}

}  // namespace arca::core
