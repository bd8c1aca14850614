#include "server/cluster.h"

#include <unistd.h>

#include <chrono>

#include "common/json.h"
#include "common/log.h"
#include "core/barrier/barrier.h"
#include "core/core.h"
#include "http/server.h"
#include "http/translate.h"

namespace arca::server {
namespace {

std::string Hostname() {
  char buf[256] = {};
  if (gethostname(buf, sizeof(buf) - 1) != 0) return "";
  return buf;
}

constexpr auto kTick = std::chrono::seconds(1);
// How long a standby waits for a request's X-Vault-Index to be applied.
constexpr auto kIndexWait = std::chrono::milliseconds(500);
// How long a standby waits, before relaying a forwarded request's answer, for the index it names.
constexpr auto kForwardedIndexWait = std::chrono::milliseconds(500);

bool IEq(std::string_view a, std::string_view b) { return http::EqualsIgnoreCase(a, b); }

// The method as the core sees it: GET with ?list=true is a LIST.
std::string_view EffectiveMethod(const http::RawRequest& req) {
  if (req.method != "GET") return req.method;
  size_t q = req.target.find('?');
  if (q == std::string_view::npos) return req.method;
  std::string_view query = req.target.substr(q + 1);
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view kv = query.substr(0, amp);
    if (kv == "list=true" || kv == "list=1") return "LIST";
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return req.method;
}


http::RawResponse JsonError(int status, std::string_view message) {
  http::RawResponse r;
  r.status = status;
  r.headers.emplace_back("Content-Type", "application/json");
  r.headers.emplace_back("Cache-Control", "no-store");
  json::object o;
  o["errors"] = json::array{json::string(message)};
  r.body = ToJson(o) + "\n";
  return r;
}

}  // namespace

ClusterNode::ClusterNode(core::Core& core, http::Server& server)
    : core_(core),
      server_(server),
      hostname_(Hostname()),
      forwarder_([this] { return Leader(); }, [this] { return Tls(); }) {
  EchoerOptions eo;
  eo.leader = [this] { return Leader(); };
  eo.tls = [this] { return Tls(); };
  eo.body = [this] {
    core::Core::HaStatus st = core_.GetHaStatus();
    json::object o;
    o["node_id"] = st.node_id;
    o["hostname"] = hostname_;
    o["api_address"] = st.api_addr;
    o["cluster_address"] = st.cluster_addr;
    o["version"] = ARCA_VERSION;
    return ToJson(o);
  };
  eo.depose = [this](const std::string& holder) {
    if (auto s = core_.DeposeLeader(holder); !s) {
      spdlog::warn("ha: deposing the gone active node failed: {}", s.error().message());
    } else {
      spdlog::warn("ha: deposed the lock hold of the gone active node");
    }
  };
  echoer_ = std::make_unique<Echoer>(std::move(eo));

  // Standby reads: the active node logs the keys of its writes; a standby follows that log.
  max_staleness_ = core_.config().standby_read_max_staleness;
  core_.SetStorageWriteObserver(
      [this](std::span<const std::string_view> keys) { log_.Record(keys, false); });
  // A snapshot restore replaced everything: followers behind it get a reset (a full reload).
  core_.SetStorageResetObserver([this] { log_.Record({}, true); });
  FollowerOptions fo;
  fo.leader = [this] { return Leader(); };
  fo.tls = [this] { return Tls(); };
  fo.enabled = [this] {
    return !core_.config().disable_standby_reads && !core_.Sealed() && core_.IsStandby() &&
           Tls() != nullptr;
  };
  fo.apply = [this](const std::vector<std::string>& keys) { core_.ApplyInvalidations(keys); };
  fo.purge = [this] { core_.PurgeStandbyState(); };
  fo.ready = [this] { return core_.StandbyReadsReady(); };
  follower_ = std::make_unique<StandbyFollower>(std::move(fo));
}

ClusterNode::~ClusterNode() { Stop(); }

void ClusterNode::Start() {
  {
    std::lock_guard lock(mu_);
    if (thread_.joinable() || stop_) return;
    thread_ = std::thread([this] { Loop(); });
  }
  if (!core_.config().disable_standby_reads) follower_->Start();
}

void ClusterNode::Stop() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  follower_->Stop();
}

void ClusterNode::OnActiveChange(bool active) {
  if (active) log_.Activate();
  follower_->Reset();
  Wake();
  follower_->Wake();
}

bool ClusterNode::StandbyReadsUsable() const {
  if (core_.config().disable_standby_reads || !core_.IsStandby() || core_.Sealed()) return false;
  return core_.StandbyReadsReady() && follower_->CaughtUp() && follower_->Fresh(max_staleness_);
}

std::optional<std::string> ClusterNode::IndexHeader() const {
  if (core_.Sealed()) return std::nullopt;
  if (!core_.IsStandby()) return EncodeIndexHeader(log_.Position());
  if (!StandbyReadsUsable()) return std::nullopt;
  StandbyFollower::State st = follower_->GetState();
  return EncodeIndexHeader(st.applied);
}

core::Core::PerfStandbyStatus ClusterNode::PerfStandby() const {
  core::Core::PerfStandbyStatus st;
  st.serving = StandbyReadsUsable();
  if (st.serving) st.applied_index = follower_->GetState().applied.index;
  return st;
}

bool ClusterNode::StandbyCandidate(const http::RawRequest& req, std::string_view path) const {
  return StandbyReadsUsable() && core_.StandbyMayServe(EffectiveMethod(req), path);
}

std::optional<bool> ClusterNode::IndexesApplied(const http::RawRequest& req,
                                                std::chrono::milliseconds wait) const {
  bool all = true;
  for (const auto& [k, v] : req.headers) {
    if (!IEq(k, kIndexHeader)) continue;
    std::optional<ReplicationPosition> want = DecodeIndexHeader(v);
    if (!want) return std::nullopt;
    if (!follower_->WaitFor(*want, wait)) all = false;
  }
  return all;
}

void ClusterNode::Wake() {
  {
    std::lock_guard lock(mu_);
    wake_ = true;
  }
  cv_.notify_all();
}

std::shared_ptr<const ClusterTls> ClusterNode::Tls() const {
  std::lock_guard lock(tls_mu_);
  return tls_;
}

std::optional<LeaderInfo> ClusterNode::Leader() {
  core::Core::HaStatus st = core_.GetHaStatus();
  if (!st.leader) return std::nullopt;
  return LeaderInfo{st.leader->api_addr, st.leader->cluster_addr, st.leader->holder_id};
}

void ClusterNode::Loop() {
  for (;;) {
    {
      std::unique_lock lock(mu_);
      // After a refused echo, probe again as soon as a second refusal would count.
      const auto wait = echoer_->RefusalPending() ? std::chrono::milliseconds(250)
                                                  : std::chrono::milliseconds(kTick);
      cv_.wait_for(lock, wait, [this] { return stop_ || wake_; });
      if (stop_) return;
      wake_ = false;
    }
    if (core_.Sealed()) continue;
    EnsureTls();
    if (core_.IsStandby() && Tls()) (void)echoer_->Tick();
  }
}

void ClusterNode::EnsureTls() {
  if (Tls()) return;
  auto stored = core_.barrier().Get(kClusterTlsKey);
  if (!stored) {
    spdlog::debug("ha: reading {}: {}", kClusterTlsKey, stored.error().message());
    return;
  }
  std::optional<ClusterTls> tls;
  if (*stored) {
    auto decoded = DecodeClusterTls(**stored);
    SecureWipe(**stored);
    if (!decoded) {
      spdlog::error("ha: {}", decoded.error().message());
      return;
    }
    tls = std::move(*decoded);
  } else {
    // Only the active node writes (a standby's writes are refused by the storage anyway).
    if (core_.IsStandby()) return;
    auto made = GenerateClusterTls();
    if (!made) {
      spdlog::error("ha: generating the cluster certificate: {}", made.error().message());
      return;
    }
    SecureBytes encoded = EncodeClusterTls(*made);
    if (auto s = core_.barrier().Put(kClusterTlsKey, encoded.view()); !s) {
      spdlog::warn("ha: storing the cluster certificate: {}", s.error().message());
      return;
    }
    spdlog::info("ha: generated the cluster certificate");
    tls = std::move(*made);
  }
  if (auto s = server_.SetClusterTls(tls->cert_pem, tls->key_pem.view()); !s) {
    spdlog::error("ha: cluster listener TLS: {}", s.error().message());
    return;
  }
  spdlog::info("ha: cluster listener serving with the cluster certificate");
  std::lock_guard lock(tls_mu_);
  tls_ = std::make_shared<const ClusterTls>(std::move(*tls));
}

bool ClusterNode::TakesRaw(const http::RawRequest& req) const {
  if (req.cluster) {
    // Echoes, the invalidation log; and everything while this node cannot serve (the standby
    // then answers 307).
    if (req.target == kEchoTarget || req.target.starts_with(kInvalidationsTarget)) return true;
    return core_.IsStandby() || core_.Sealed();
  }
  if (!core_.IsStandby()) return false;
  if (req.forward) return true;
  std::optional<std::string> path = ApiPath(req.target);
  if (!path) return false;
  if (StandbyAnswersItself(*path, req.unauthenticated_metrics)) return false;
  if (!StandbyCandidate(req, *path)) return true;  // forwarded
  // Served here, unless it asks for an index not applied yet (HandleRaw waits for it).
  bool has_index = false;
  for (const auto& [k, v] : req.headers) {
    if (IEq(k, kIndexHeader)) has_index = true;
  }
  if (!has_index) return false;
  std::optional<bool> applied = IndexesApplied(req, std::chrono::milliseconds(0));
  return !applied || !*applied;
}

http::RawResponse ClusterNode::HandleRaw(const http::RawRequest& req) {
  if (req.cluster) {
    const bool ours = req.target == kEchoTarget || req.target.starts_with(kInvalidationsTarget);
    if (!ours && !core_.IsStandby() && !core_.Sealed()) {
      return http::RawResponse{0, {}, {}};  // became active meanwhile: serve it
    }
    if (core_.IsStandby() || core_.Sealed()) {
      http::RawResponse r = JsonError(503, kNoActiveNodeError);
      r.headers.emplace_back(std::string(kNotActiveHeader), "1");
      return r;
    }
    if (req.target == kEchoTarget) return Echo(req);
    if (req.target.starts_with(kInvalidationsTarget)) return Invalidations(req);
    return JsonError(404, "unknown cluster path");
  }
  std::optional<std::string> path = ApiPath(req.target);
  if (path && (*path == "sys/seal" || *path == "sys/seal/") &&
      (req.method == "POST" || req.method == "PUT")) {
    return StandbySeal(req);
  }
  // This node may have become active since TakesRaw: then it serves the request itself, also
  // after a forwarding failure (the old active node is gone and this one took over).
  if (!core_.IsStandby()) return http::RawResponse{0, {}, {}};
  if (path && (path->starts_with("sys/storage/raft/snapshot") ||
               path->starts_with("sys/storage/snapshot"))) {
    // As Vault: a standby redirects the snapshot endpoints, whose bodies are a whole storage
    // (and a restore's body is not in memory to forward).
    core::Core::HaStatus st = core_.GetHaStatus();
    if (!st.leader || st.leader->api_addr.empty()) return Forwarder::NoActiveNode();
    return Forwarder::Redirect(st.leader->api_addr, req.target);
  }
  if (!req.forward && path && StandbyCandidate(req, *path)) {
    // A read this standby could serve, asking for an index it has not applied yet: wait a
    // little, then serve it, fail it (X-Vault-Inconsistent: fail) or forward it.
    std::string_view inconsistent;
    for (const auto& [k, v] : req.headers) {
      if (IEq(k, kInconsistentHeader)) inconsistent = v;
    }
    if (!inconsistent.empty() && inconsistent != "fail" && inconsistent != "forward-active-node") {
      return JsonError(400, "invalid X-Vault-Inconsistent header: want fail or forward-active-node");
    }
    std::optional<bool> applied = IndexesApplied(req, kIndexWait);
    if (applied && *applied) return http::RawResponse{0, {}, {}};  // the normal path serves it
    if (inconsistent == "fail") return JsonError(412, kIndexNotPresentError);
  }
  http::RawResponse out = forwarder_.Forward(req);
  if (out.status / 100 == 2 && StandbyReadsUsable()) {
    // Best-effort read-your-writes through this standby: before relaying the active node's
    // answer, apply its log up to the index the answer carries (the request's own writes).
    for (const auto& [k, v] : out.headers) {
      if (!IEq(k, kIndexHeader)) continue;
      if (std::optional<ReplicationPosition> pos = DecodeIndexHeader(v)) {
        (void)follower_->WaitFor(*pos, kForwardedIndexWait);
      }
    }
  }
  if (out.status == 307) {
    if (!core_.IsStandby() && !core_.Sealed()) return http::RawResponse{0, {}, {}};
    Wake();  // forwarding may have failed: let the echo probe the active node now
  }
  return out;
}

Result<EchoBody> ParseEcho(std::string_view body) {
  auto parsed = ParseJsonObject(body);
  if (!parsed) return std::unexpected(parsed.error());
  EchoBody echo;
  echo.node_id = StringOr(*parsed, "node_id");
  echo.hostname = StringOr(*parsed, "hostname");
  echo.api_address = StringOr(*parsed, "api_address");
  echo.cluster_address = StringOr(*parsed, "cluster_address");
  echo.version = StringOr(*parsed, "version");
  if (echo.node_id.empty()) return InvalidRequest("echo without node_id");
  return echo;
}

http::RawResponse ClusterNode::Echo(const http::RawRequest& req) {
  if (req.method != "POST") return JsonError(405, "echo needs POST");
  auto echo = ParseEcho(req.body);
  if (!echo) return JsonError(400, echo.error().message());
  core::Core::HaNode node;
  node.node_id = std::move(echo->node_id);
  node.hostname = std::move(echo->hostname);
  node.api_address = std::move(echo->api_address);
  node.cluster_address = std::move(echo->cluster_address);
  node.version = std::move(echo->version);
  node.active = false;
  node.last_echo = std::chrono::system_clock::now();
  core_.RecordEcho(std::move(node));
  return http::RawResponse{204, {}, {}};
}

// GET /cluster/invalidations?epoch=E&from=N on the active node (replication.h).
http::RawResponse ClusterNode::Invalidations(const http::RawRequest& req) {
  if (req.method != "GET") return JsonError(405, "invalidations need GET");
  Result<ReplicationPosition> want = ParseInvalidationsTarget(req.target);
  if (!want) return JsonError(400, want.error().message());
  http::RawResponse r;
  r.status = 200;
  r.headers.emplace_back("Content-Type", "application/x-ndjson");
  r.headers.emplace_back("Cache-Control", "no-store");
  r.body = log_.LinesAfter(want->epoch, want->index);
  return r;
}

// A standby seals itself, after the active node confirmed that the caller's token may: Vault's
// rule for sys/seal (sudo and update on sys/seal, or root).
http::RawResponse ClusterNode::StandbySeal(const http::RawRequest& req) {
  std::string token;
  for (const auto& [k, v] : req.headers) {
    if (http::EqualsIgnoreCase(k, "X-Vault-Token")) {
      token = std::string(v);
      break;
    }
    if (http::EqualsIgnoreCase(k, "Authorization") && v.size() > 7 && http::EqualsIgnoreCase(v.substr(0, 7), "Bearer ")) {
      token = std::string(v.substr(7));
    }
  }
  if (token.empty()) return JsonError(403, "permission denied");
  if (!Leader()) return Forwarder::NoActiveNode();
  auto res = forwarder_.SendToLeader("POST", "/v1/sys/capabilities-self",
                                     R"({"paths":["sys/seal"]})",
                                     {{"X-Vault-Token", token},
                                      {"Content-Type", "application/json"},
                                      {std::string(kClientAddrHeader), std::string(req.remote_addr)}});
  SecureWipe(token);
  if (!res) {
    return JsonError(503, "cannot check the token with the active node: " +
                              res.error().message());
  }
  if (res->status == 403 || res->status == 400) return JsonError(403, "permission denied");
  if (res->status != 200) {
    return JsonError(503, "cannot check the token with the active node: status " +
                              std::to_string(res->status));
  }
  if (!CapabilitiesAllowSeal(res->body)) return JsonError(403, "permission denied");
  spdlog::info("ha: sealing this standby (sys/seal)");
  if (auto s = core_.Seal(); !s) return JsonError(s.error().http_status(), s.error().message());
  return http::RawResponse{204, {}, {}};
}

}  // namespace arca::server
