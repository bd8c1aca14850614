#include "server/forwarding.h"

#include <strings.h>

#include "common/json.h"
#include "common/log.h"
#include "common/metrics.h"
#include "http/translate.h"

namespace arca::server {
namespace {

bool IEquals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && strncasecmp(a.data(), b.data(), a.size()) == 0;
}

// Headers that belong to one connection (RFC 9110 §7.6.1), never relayed; Host is the next
// hop's, and kClientAddrHeader is ours to set.
bool HopByHop(std::string_view name) {
  for (std::string_view h : {"connection", "keep-alive", "proxy-connection", "transfer-encoding",
                             "te", "trailer", "upgrade", "content-length", "host", "expect"}) {
    if (IEquals(name, h)) return true;
  }
  return IEquals(name, kClientAddrHeader) || IEquals(name, kNotActiveHeader);
}

std::optional<std::string_view> FindHeader(const http::RawRequest& req, std::string_view name) {
  for (const auto& [k, v] : req.headers) {
    if (IEquals(k, name)) return v;
  }
  return std::nullopt;
}

metrics::Counter& ForwardedCounter() {
  static metrics::Counter& c = metrics::Registry::Global().GetCounter(
      "ha.forwarded_requests", "Requests a standby forwarded to the active node.");
  return c;
}
metrics::Counter& RedirectedCounter() {
  static metrics::Counter& c = metrics::Registry::Global().GetCounter(
      "ha.redirected_requests", "Requests a standby answered 307 to the active node's api_addr.");
  return c;
}

}  // namespace

std::optional<std::string> ApiPath(std::string_view target) {
  if (!target.starts_with("/v1/")) return std::nullopt;
  std::string_view path = target.substr(4);
  if (size_t q = path.find_first_of("?#"); q != std::string_view::npos) path = path.substr(0, q);
  auto decoded = http::PercentDecode(path, false);
  if (!decoded) return std::string(path);
  return *decoded;
}

bool StandbyAnswersItself(std::string_view path, bool unauthenticated_metrics) {
  while (path.ends_with('/')) path.remove_suffix(1);
  // A standby cannot check tokens (it loads no token store): its own metrics only where the
  // listener serves them without a token, as Vault's standbys.
  if (path == "sys/metrics") return unauthenticated_metrics;
  for (std::string_view p : {"sys/init", "sys/seal-status", "sys/unseal", "sys/health",
                             "sys/leader", "sys/seal-backend-status"}) {
    if (path == p) return true;
  }
  return false;
}

bool CapabilitiesAllowSeal(std::string_view capabilities_json) {
  auto parsed = ParseJsonObject(capabilities_json);
  if (!parsed) return false;
  auto check = [](const json::object& o) {
    std::vector<std::string> caps = StringsOf(o, "sys/seal");
    if (caps.empty()) caps = StringsOf(o, "capabilities");
    bool sudo = false, update = false;
    for (const auto& c : caps) {
      if (c == "root") return true;
      sudo = sudo || c == "sudo";
      update = update || c == "update";
    }
    return sudo && update;
  };
  return check(*parsed) || check(ObjectOr(*parsed, "data"));
}

// ---- ClusterClient ----

Result<std::shared_ptr<api::HttpPool>> ClusterClient::PoolFor(const std::string& cluster_addr) {
  std::shared_ptr<const ClusterTls> tls = tls_ ? tls_() : nullptr;
  if (!tls) return Unavailable("the cluster certificate is not known yet");
  std::lock_guard lock(mu_);
  auto it = pools_.find(cluster_addr);
  if (it != pools_.end() && it->second.tls == tls) return it->second.pool;
  api::HttpPoolOptions o;
  o.timeout = timeout_;
  o.ca_pem = tls->cert_pem;
  o.cert_pem = tls->cert_pem;
  // Shares the key without a copy (the ClusterTls outlives the pool's use of it).
  o.key_pem = std::shared_ptr<const SecureBytes>(tls, &tls->key_pem);
  o.server_name = std::string(kClusterServerName);
  o.max_body = 64u << 20;
  o.max_idle = 64;
  ARCA_ASSIGN_OR_RETURN(std::unique_ptr<api::HttpPool> made,
                        api::HttpPool::Create(cluster_addr, std::move(o)));
  if (pools_.size() > 16) pools_.clear();  // leaders come and go: do not keep old ones forever
  Entry& e = pools_[cluster_addr];
  e.tls = tls;
  e.pool = std::shared_ptr<api::HttpPool>(std::move(made));
  return e.pool;
}

Result<api::HttpPoolResponse> ClusterClient::Send(const std::string& cluster_addr,
                                                  std::string_view method,
                                                  std::string_view target, std::string_view body,
                                                  const Headers& headers,
                                                  api::HttpPoolFailure* failure) {
  if (failure) *failure = api::HttpPoolFailure::kOther;
  ARCA_ASSIGN_OR_RETURN(std::shared_ptr<api::HttpPool> pool, PoolFor(cluster_addr));
  return pool->Send(method, target, body, headers, failure);
}

// ---- Forwarder ----

Forwarder::Forwarder(LeaderFn leader, TlsFn tls, std::chrono::milliseconds timeout)
    : leader_(std::move(leader)), client_(std::move(tls), timeout) {}

http::RawResponse Forwarder::Redirect(std::string_view leader_api_addr, std::string_view target) {
  RedirectedCounter().Add();
  std::string base(leader_api_addr);
  while (!base.empty() && base.back() == '/') base.pop_back();
  http::RawResponse r;
  r.status = 307;
  r.headers.emplace_back("Location", base + std::string(target));
  r.headers.emplace_back("Cache-Control", "no-store");
  return r;
}

http::RawResponse Forwarder::NoActiveNode() {
  http::RawResponse r;
  r.status = 503;
  r.headers.emplace_back("Content-Type", "application/json");
  r.headers.emplace_back("Cache-Control", "no-store");
  json::object o;
  o["errors"] = json::array{json::string(kNoActiveNodeError)};
  r.body = ToJson(o) + "\n";
  return r;
}

http::RawResponse Forwarder::Forward(const http::RawRequest& req) {
  std::optional<LeaderInfo> leader = leader_ ? leader_() : std::nullopt;
  if (!leader || leader->api_addr.empty()) return NoActiveNode();
  if (FindHeader(req, "X-Vault-No-Request-Forwarding")) {
    return Redirect(leader->api_addr, req.target);
  }
  if (leader->cluster_addr.empty()) return Redirect(leader->api_addr, req.target);
  Headers headers;
  headers.reserve(req.headers.size() + 1);
  for (const auto& [k, v] : req.headers) {
    if (!HopByHop(k)) headers.emplace_back(std::string(k), std::string(v));
  }
  headers.emplace_back(std::string(kClientAddrHeader), std::string(req.remote_addr));
  auto res = client_.Send(leader->cluster_addr, req.method, req.target, req.body, headers);
  // Copies of the request's headers may hold a token: overwritten before they are freed.
  for (auto& [k, v] : headers) SecureWipe(v);
  if (!res) {
    const int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                               std::chrono::steady_clock::now().time_since_epoch())
                               .count();
    int64_t last = last_warned_ms_.load();
    if (now_ms - last >= 1000 && last_warned_ms_.compare_exchange_strong(last, now_ms)) {
      spdlog::warn("ha: forwarding {} to the active node at {} failed, answering 307: {}",
                   req.method, leader->cluster_addr, res.error().message());
    }
    return Redirect(leader->api_addr, req.target);
  }
  if (res->status == 503) {
    for (const auto& [k, v] : res->headers) {
      if (IEquals(k, kNotActiveHeader)) {
        spdlog::info("ha: {} is no longer the active node, answering 307",
                     leader->cluster_addr);
        return Redirect(leader->api_addr, req.target);
      }
    }
  }
  ForwardedCounter().Add();
  http::RawResponse out;
  out.status = res->status;
  for (auto& [k, v] : res->headers) {
    if (!HopByHop(k)) out.headers.emplace_back(std::move(k), std::move(v));
  }
  out.body = std::move(res->body);
  return out;
}

Result<api::HttpPoolResponse> Forwarder::SendToLeader(std::string_view method,
                                                      std::string_view target,
                                                      std::string_view body,
                                                      const Headers& headers) {
  std::optional<LeaderInfo> leader = leader_ ? leader_() : std::nullopt;
  if (!leader || leader->cluster_addr.empty()) return Unavailable(std::string(kNoActiveNodeError));
  return client_.Send(leader->cluster_addr, method, target, body, headers);
}

// ---- Echoer ----

Echoer::Echoer(EchoerOptions opts) : opts_(std::move(opts)), client_(opts_.tls, opts_.timeout) {}

Status Echoer::Tick() {
  std::optional<LeaderInfo> leader = opts_.leader ? opts_.leader() : std::nullopt;
  if (!leader || leader->cluster_addr.empty()) {
    refused_holder_.clear();
    return Unavailable(std::string(kNoActiveNodeError));
  }
  api::HttpPoolFailure failure = api::HttpPoolFailure::kNone;
  auto res = client_.Send(leader->cluster_addr, "POST", kEchoTarget, opts_.body ? opts_.body() : "{}",
                          {{"Content-Type", "application/json"}}, &failure);
  if (res && res->status / 100 == 2) {
    refused_holder_.clear();
    return OkStatus();
  }
  if (!res && failure == api::HttpPoolFailure::kRefused && !leader->holder_id.empty()) {
    const auto now = opts_.now ? opts_.now() : std::chrono::steady_clock::now();
    if (refused_holder_ == leader->holder_id) {
      if (now - refused_at_ >= opts_.min_refused_gap) {
        spdlog::warn(
            "ha: the active node's cluster address {} refused connections twice in a row: its "
            "process is gone; deposing its lock hold",
            leader->cluster_addr);
        refused_holder_.clear();
        if (opts_.depose) opts_.depose(leader->holder_id);
      }
      // Too soon after the first refusal: wait for a later one.
    } else {
      refused_holder_ = leader->holder_id;
      refused_at_ = now;
    }
    return std::unexpected(res.error());
  }
  refused_holder_.clear();
  if (!res) return std::unexpected(res.error());
  return Unavailable("echo answered " + std::to_string(res->status));
}

}  // namespace arca::server
