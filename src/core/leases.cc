// The expiration manager inside the core: leases for secrets returned by backends and for
// tokens with a TTL; revocation and renewal routed back to the backend that issued the secret.
#include <spdlog/spdlog.h>

#include "core/barrier/barrier.h"
#include "core/core.h"
#include "core/token/token_store.h"

namespace arca::core {
namespace {

// The route that issued a lease, if its mount still exists (same accessor).
std::optional<Router::Match> RouteOf(const Router& router, const LeaseEntry& lease) {
  auto match = router.Route(lease.path);
  if (!match || match->route->accessor() != lease.mount_accessor) return std::nullopt;
  return match;
}

logical::Request LeaseRequest(logical::Operation op, const LeaseEntry& lease, Router::Match& m) {
  logical::Request req;
  req.operation = op;
  req.path = m.relative_path;
  req.original_path = lease.path;
  req.mount_point = m.route->router_path();
  req.mount_type = m.route->type();
  req.mount_accessor = m.route->accessor();
  req.storage = &m.route->view();
  req.lease_id = lease.lease_id;
  req.secret_internal = lease.internal_data;
  req.lease_ttl = lease.ttl;
  req.lease_issue_time = lease.issue_time;
  return req;
}

}  // namespace

void Core::SetupLeaseHooks() {
  // Tokens with a TTL get a lease, so that expiry revokes them (with their children and their
  // leases) and sys/leases sees them; renewal moves the lease.
  tokens_->SetLeaseHooks(
      [this](const TokenEntry& e) -> Status {
        auto ttl = std::chrono::seconds(e.expire_time - e.creation_time);
        if (ttl.count() <= 0) return OkStatus();
        auto token_route = router_.Find("auth/token/");
        std::string accessor = token_route ? token_route->accessor() : "";
        ARCA_RETURN_IF_ERROR(
            expiration_->RegisterAuth(e.path.empty() ? "auth/token/create" : e.path, e.id_hash,
                                      ttl, e.renewable, accessor));
        return OkStatus();
      },
      [this](const TokenEntry& e) -> Status {
        int64_t now = expiration_->NowUnix();
        return expiration_->RenewAuth(e.id_hash, std::chrono::seconds(std::max<int64_t>(
                                                     0, e.expire_time - now)));
      });
}

Status Core::RevokeLease(const LeaseEntry& lease) {
  if (lease.is_auth) {
    // A token lease: revoking the token revokes its subtree and, through the revoke hook, the
    // leases of every token in it (this lease included).
    return tokens_->RevokeTree(lease.token_hash);
  }
  auto match = RouteOf(router_, lease);
  if (!match) {
    if (barrier_->Sealed()) return ::arca::Sealed();
    // The mount is gone (its data with it): nothing is left to revoke.
    spdlog::warn("core: lease {}: its mount no longer exists; dropping it", lease.lease_id);
    return OkStatus();
  }
  logical::Backend* backend = match->route->backend();
  if (backend == nullptr) return Internal("mount has no backend");
  logical::Request req = LeaseRequest(logical::Operation::kRevoke, lease, *match);
  ARCA_ASSIGN_OR_RETURN(auto resp, backend->HandleRequest(req));
  (void)resp;
  return OkStatus();
}

Result<logical::Secret> Core::RenewLease(const LeaseEntry& lease, std::chrono::seconds increment) {
  auto match = RouteOf(router_, lease);
  if (!match) return InvalidRequest("lease not found or lease is not renewable");
  logical::Backend* backend = match->route->backend();
  if (backend == nullptr) return Internal("mount has no backend");
  logical::Request req = LeaseRequest(logical::Operation::kRenew, lease, *match);
  req.renew_increment = increment;
  ARCA_ASSIGN_OR_RETURN(auto resp, backend->HandleRequest(req));
  if (!resp.secret) return InvalidRequest("lease is not renewable");
  logical::Secret s = std::move(*resp.secret);
  // The mount's maximum applies to renewals as to the first grant.
  if (s.max_ttl.count() == 0) s.max_ttl = match->route->MaxLeaseTtl();
  return s;
}

Status Core::RegisterLease(const logical::Request& req, const MountRoute& route,
                           const TokenEntry* token, logical::Response& resp) {
  logical::Secret& secret = *resp.secret;
  if (secret.ttl.count() <= 0) secret.ttl = route.DefaultLeaseTtl();
  auto max = route.MaxLeaseTtl();
  if (secret.max_ttl.count() <= 0 || secret.max_ttl > max) secret.max_ttl = max;
  if (secret.ttl > secret.max_ttl) secret.ttl = secret.max_ttl;
  // A batch token has no entry of its own: its secrets live as long as its parent allows.
  std::string token_hash;
  if (token != nullptr) token_hash = token->IsBatch() ? token->parent : token->id_hash;
  auto lease = expiration_->Register(req.original_path, secret, token_hash, route.accessor());
  if (!lease) {
    // A secret nobody can revoke must not be handed out: take it back from the backend.
    LeaseEntry orphan;
    orphan.path = req.original_path;
    orphan.mount_accessor = route.accessor();
    orphan.internal_data = secret.internal_data;
    if (auto s = RevokeLease(orphan); !s) {
      spdlog::error("core: revoking a secret whose lease could not be stored: {}",
                    s.error().message());
    }
    return std::unexpected(lease.error());
  }
  secret.lease_id = lease->lease_id;
  secret.ttl = lease->ttl;
  return OkStatus();
}

}  // namespace arca::core
