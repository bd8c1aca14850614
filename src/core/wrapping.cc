// Response wrapping: a response is stored in the cubbyhole of a new single-use token
// (policy "response-wrapping", TTL = the requested wrap TTL) and the client gets only the token
// (wrap_info). sys/wrapping/unwrap hands the stored response back once; lookup shows where it
// came from; rewrap moves it to a fresh token.
//
// Cubbyhole of a wrapping token (the cubbyhole mount's view, under the token's accessor):
//   <accessor>/response   the JSON envelope of the wrapped response
//   <accessor>/wrapinfo   {"creation_path", "creation_time", "creation_ttl"}
#include <spdlog/spdlog.h>

#include <ctime>

#include "core/core.h"
#include "core/policy/policy.h"
#include "core/token/token_store.h"
#include "logical/envelope.h"

namespace arca::core {
namespace {

constexpr std::string_view kInvalidWrappingToken = "wrapping token is not valid or does not exist";

// RFC 3339 with nanoseconds, UTC ("2026-01-02T03:04:05.123456789Z").
std::string NowRfc3339Nano() {
  auto now = std::chrono::system_clock::now();
  auto secs = std::chrono::time_point_cast<std::chrono::seconds>(now);
  auto nanos = std::chrono::duration_cast<std::chrono::nanoseconds>(now - secs).count();
  std::time_t t = std::chrono::system_clock::to_time_t(secs);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  size_t n = std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
  std::snprintf(buf + n, sizeof(buf) - n, ".%09lldZ", static_cast<long long>(nanos));
  return buf;
}

}  // namespace

Status Core::CheckWrapTtl(const logical::Request& req, const WrapBounds& bounds) {
  const auto ttl = req.wrap_ttl;
  if (ttl.count() == 0) {
    if (bounds.min.count() > 0 || bounds.max.count() > 0) {
      return InvalidRequest("request requires response wrapping (the policy sets a wrapping TTL)");
    }
    return OkStatus();
  }
  if (bounds.min.count() > 0 && ttl < bounds.min) {
    return InvalidRequest("wrapping TTL is lower than permitted minimum");
  }
  if (bounds.max.count() > 0 && ttl > bounds.max) {
    return InvalidRequest("wrapping TTL exceeds allowed maximum");
  }
  return OkStatus();
}

namespace {

// Creates the wrapping token and stores `envelope` and its wrap info in its cubbyhole.
Result<logical::WrapInfo> StoreWrapped(TokenStore& tokens, Router& router,
                                              const std::string& envelope,
                                              std::string_view creation_path,
                                              std::chrono::seconds ttl) {
  auto cubby = router.Find("cubbyhole/");
  if (!cubby) return Internal("response wrapping needs the cubbyhole mount");
  TokenEntry e;
  e.policies = {std::string(policy::kResponseWrappingPolicyName)};
  e.path = "sys/wrapping/wrap";
  e.display_name = "";
  e.ttl = ttl;
  e.renewable = false;
  e.num_uses = 0;  // single use is enforced by Unwrap itself (it must read before revoking)
  ARCA_ASSIGN_OR_RETURN(std::string token, tokens.CreateToken(std::move(e)));
  ARCA_ASSIGN_OR_RETURN(auto entry, tokens.Lookup(token));
  if (!entry) return Internal("wrapping token vanished");
  logical::WrapInfo info;
  info.token = token;
  info.accessor = entry->accessor;
  info.ttl = ttl;
  info.creation_time = NowRfc3339Nano();
  info.creation_path = std::string(creation_path);
  json::object meta{{"creation_path", info.creation_path},
                    {"creation_time", info.creation_time},
                    {"creation_ttl", ttl.count()}};
  Status s = cubby->view().Put(entry->accessor + "/response", envelope);
  if (s) s = logical::PutJson(cubby->view(), entry->accessor + "/wrapinfo", meta);
  if (!s) {
    (void)tokens.Revoke(token);
    return std::unexpected(s.error());
  }
  return info;
}

}  // namespace

Status Core::WrapResponse(const logical::Request& req, logical::Response& resp) {
  std::string envelope = logical::SerializeEnvelope(req, resp);
  ARCA_ASSIGN_OR_RETURN(logical::WrapInfo info,
                        StoreWrapped(*tokens_, router_, envelope, req.original_path, req.wrap_ttl));
  if (resp.auth) info.wrapped_accessor = resp.auth->accessor;
  logical::Response wrapped;
  wrapped.wrap_info = std::move(info);
  wrapped.warnings = std::move(resp.warnings);
  resp = std::move(wrapped);
  return OkStatus();
}

Result<std::string> Core::Unwrap(std::string_view wrapping_token) {
  std::lock_guard lock(unwrap_mu_);
  ARCA_ASSIGN_OR_RETURN(auto entry, tokens_->Lookup(wrapping_token));
  if (!entry || entry->policies.size() != 1 ||
      entry->policies[0] != policy::kResponseWrappingPolicyName) {
    return InvalidRequest(std::string(kInvalidWrappingToken));
  }
  auto cubby = router_.Find("cubbyhole/");
  if (!cubby) return Internal("response wrapping needs the cubbyhole mount");
  ARCA_ASSIGN_OR_RETURN(auto stored, cubby->view().Get(entry->accessor + "/response"));
  if (!stored) return InvalidRequest(std::string(kInvalidWrappingToken));
  // Single use: the token (and with it the cubbyhole) goes before the response is returned.
  ARCA_RETURN_IF_ERROR(tokens_->Revoke(wrapping_token));
  return std::move(*stored);
}

Result<json::object> Core::WrapLookup(std::string_view wrapping_token) {
  ARCA_ASSIGN_OR_RETURN(auto entry, tokens_->Lookup(wrapping_token));
  if (!entry || entry->policies.size() != 1 ||
      entry->policies[0] != policy::kResponseWrappingPolicyName) {
    return InvalidRequest(std::string(kInvalidWrappingToken));
  }
  auto cubby = router_.Find("cubbyhole/");
  if (!cubby) return Internal("response wrapping needs the cubbyhole mount");
  ARCA_ASSIGN_OR_RETURN(auto meta, logical::GetJson(cubby->view(), entry->accessor + "/wrapinfo"));
  if (!meta || !meta->is_object()) return InvalidRequest(std::string(kInvalidWrappingToken));
  return meta->as_object();
}

Result<logical::WrapInfo> Core::Rewrap(std::string_view wrapping_token) {
  ARCA_ASSIGN_OR_RETURN(json::object meta, WrapLookup(wrapping_token));
  ARCA_ASSIGN_OR_RETURN(std::string envelope, Unwrap(wrapping_token));
  std::chrono::seconds ttl{meta["creation_ttl"].is_int64() ? meta["creation_ttl"].as_int64() : 0};
  std::string path =
      meta["creation_path"].is_string() ? std::string(meta["creation_path"].as_string()) : "";
  return StoreWrapped(*tokens_, router_, envelope, path, ttl);
}

}  // namespace arca::core
