// A node's part in an HA cluster (storage with ha_enabled), on top of Core: the cluster
// certificate (made by the first active node, read by all from the barrier), the cluster
// listener's TLS, forwarding of a standby's requests (forwarding.h), the standby's echoes and
// fast-failover detection, and what the cluster listener answers on the active node.
//
// Thread-safety: TakesRaw/HandleRaw are called concurrently by the HTTP server; the background
// thread (Start/Stop) owns the TLS loading and the echoes.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "core/core.h"
#include "http/handler.h"
#include "server/cluster_tls.h"
#include "server/forwarding.h"
#include "server/replication.h"

namespace arca::core {
class Core;
}
namespace arca::http {
class Server;
}

namespace arca::server {

// What a standby's echo says (POST /cluster/echo on the active node's cluster listener, JSON).
struct EchoBody {
  std::string node_id, hostname, api_address, cluster_address, version;
};
// InvalidRequest for a body that is not a JSON object or has no node_id.
Result<EchoBody> ParseEcho(std::string_view body);

class ClusterNode {
 public:
  ClusterNode(core::Core& core, http::Server& server);
  ~ClusterNode();
  ClusterNode(const ClusterNode&) = delete;
  ClusterNode& operator=(const ClusterNode&) = delete;

  // The background thread: once a second (or when woken) it makes sure the cluster TLS is
  // loaded (creating it when this node is active and there is none) and, on a standby, echoes.
  void Start();
  void Stop();
  // Core's active-change hook: look again now.
  void Wake();
  // Core's active-change hook: a new log epoch when this node became active; the follower
  // starts over either way.
  void OnActiveChange(bool active);

  // Standby reads (replication.h): this node is an unsealed standby whose read-serving state is
  // ready, with standby reads enabled, that heard from the active node within the bound.
  bool StandbyReadsUsable() const;
  // The X-Vault-Index value for a response of this node: the active node's log position, or the
  // position a read-serving standby has applied; nullopt otherwise.
  std::optional<std::string> IndexHeader() const;
  // For Core::SetPerfStandbyProbe (sys/health, sys/leader).
  core::Core::PerfStandbyStatus PerfStandby() const;

  // The http::Handler raw hook (see CoreHandler in server.cc).
  bool TakesRaw(const http::RawRequest& req) const;
  http::RawResponse HandleRaw(const http::RawRequest& req);

 private:
  void Loop();
  void EnsureTls();
  std::shared_ptr<const ClusterTls> Tls() const;
  std::optional<LeaderInfo> Leader();
  http::RawResponse StandbySeal(const http::RawRequest& req);
  http::RawResponse Echo(const http::RawRequest& req);
  http::RawResponse Invalidations(const http::RawRequest& req);
  // A request a read-serving standby may answer itself (ignoring index headers).
  bool StandbyCandidate(const http::RawRequest& req, std::string_view path) const;
  // The request's X-Vault-Index values are applied here (wait: how long to wait for them).
  // nullopt: a header that is not an index.
  std::optional<bool> IndexesApplied(const http::RawRequest& req,
                                     std::chrono::milliseconds wait) const;

  core::Core& core_;
  http::Server& server_;
  std::string hostname_;
  mutable std::mutex tls_mu_;
  std::shared_ptr<const ClusterTls> tls_;  // guarded by tls_mu_
  Forwarder forwarder_;
  std::unique_ptr<Echoer> echoer_;
  InvalidationLog log_;
  std::unique_ptr<StandbyFollower> follower_;
  std::chrono::milliseconds max_staleness_;
  std::mutex mu_;  // guards stop_, wake_
  std::condition_variable cv_;
  bool stop_ = false, wake_ = false;
  std::thread thread_;
};

}  // namespace arca::server
