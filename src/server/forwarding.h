// HA request forwarding from a standby to the active node, and the standby's echoes
// (docs/ha.md "Forwarding and the cluster port").
//
// A standby sends what it does not answer itself, as received, to the active node's cluster
// listener (cluster_addr) over HTTP/1.1 with mutual TLS (the cluster certificate, cluster_tls.h)
// and relays the answer as received. The client's address travels in kClientAddrHeader, which
// only the cluster listener trusts. It answers 307 to the active node's api_addr instead when
// the client sent X-Vault-No-Request-Forwarding or forwarding fails, and 503 when no active node
// is known.
//
// These classes know nothing of Core: the leader and the TLS material come from functions, so
// that they can be tested without one.
//
// Thread-safety: Forwarder::Forward and ClusterClient::Send may be called from any number of
// threads at once; Echoer::Tick from one thread at a time.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "api/http_pool.h"
#include "common/status.h"
#include "http/handler.h"
#include "server/cluster_tls.h"

namespace arca::server {

// Set by the forwarding standby; trusted on the cluster listener only.
inline constexpr std::string_view kClientAddrHeader = "X-Arca-Cluster-Client-Addr";
// On a 503 from a cluster listener: "this node is not the active node" (the standby then
// answers its client 307).
inline constexpr std::string_view kNotActiveHeader = "X-Arca-Cluster-Not-Active";
inline constexpr std::string_view kEchoTarget = "/cluster/echo";
inline constexpr std::string_view kNoActiveNodeError =
    "local node not active but active cluster node not found";

// The path of an API target ("/v1/sys/health?x=1" -> "sys/health"); nullopt when the target
// is not under /v1/.
std::optional<std::string> ApiPath(std::string_view target);
// The paths a standby answers itself (lifecycle, its own logs and metrics); everything else
// under /v1/ is forwarded. sys/seal is special (StandbySealAllowed).
bool StandbyAnswersItself(std::string_view path, bool unauthenticated_metrics = false);
// Whether a sys/capabilities-self answer for ["sys/seal"] allows sealing: "root", or both
// "sudo" and "update".
bool CapabilitiesAllowSeal(std::string_view capabilities_json);

struct LeaderInfo {
  std::string api_addr;      // "https://10.0.0.1:8200"
  std::string cluster_addr;  // "https://10.0.0.1:8201"
  std::string holder_id;     // the lock hold (Core::DeposeLeader)
};

using LeaderFn = std::function<std::optional<LeaderInfo>()>;
using TlsFn = std::function<std::shared_ptr<const ClusterTls>()>;
using Headers = std::vector<std::pair<std::string, std::string>>;

// Keep-alive connection pools to cluster addresses, with the cluster certificate as client
// certificate and as the only accepted server certificate (name arca-cluster).
class ClusterClient {
 public:
  ClusterClient(TlsFn tls, std::chrono::milliseconds timeout)
      : tls_(std::move(tls)), timeout_(timeout) {}
  // Unavailable when there is no TLS material yet or on a transport failure (`failure` tells a
  // refused connection apart).
  Result<api::HttpPoolResponse> Send(const std::string& cluster_addr, std::string_view method,
                                     std::string_view target, std::string_view body,
                                     const Headers& headers,
                                     api::HttpPoolFailure* failure = nullptr);

 private:
  Result<std::shared_ptr<api::HttpPool>> PoolFor(const std::string& cluster_addr);

  TlsFn tls_;
  std::chrono::milliseconds timeout_;
  std::mutex mu_;  // guards pools_
  struct Entry {
    std::shared_ptr<const ClusterTls> tls;  // the material the pool was made with
    std::shared_ptr<api::HttpPool> pool;
  };
  std::map<std::string, Entry> pools_;
};

class Forwarder {
 public:
  // `timeout`: for a forwarded request as a whole (connect, send, the active node's work).
  Forwarder(LeaderFn leader, TlsFn tls,
            std::chrono::milliseconds timeout = std::chrono::seconds(90));

  // The answer to `req` on a standby: the active node's (relayed), a 307 or a 503.
  http::RawResponse Forward(const http::RawRequest& req);

  // Sends a request of this node's own to the active node (e.g. sys/capabilities-self).
  // nullopt leader: Unavailable with kNoActiveNodeError.
  Result<api::HttpPoolResponse> SendToLeader(std::string_view method, std::string_view target,
                                             std::string_view body, const Headers& headers);

  // 307 to `leader_api_addr` + target (the path and query as the client sent them).
  static http::RawResponse Redirect(std::string_view leader_api_addr, std::string_view target);
  // 503 {"errors":[kNoActiveNodeError]}.
  static http::RawResponse NoActiveNode();

 private:
  LeaderFn leader_;
  ClusterClient client_;
  std::atomic<int64_t> last_warned_ms_{0};  // forwarding failures are logged once a second
};

// A standby's echo to the active node, once a second (Tick), and fast-failover detection: when
// the leader's cluster address refuses connections twice in a row, at least min_refused_gap
// apart, with the same lock holder, the leader's process is gone and `depose(holder_id)` is
// called. Timeouts and other failures never depose (a partition is not a death).
struct EchoerOptions {
  LeaderFn leader;
  TlsFn tls;
  std::function<std::string()> body;  // the echo's JSON
  std::function<void(const std::string& holder_id)> depose;
  std::chrono::milliseconds timeout{std::chrono::seconds(2)};
  std::chrono::milliseconds min_refused_gap{200};
  // The clock (tests); empty = steady_clock::now.
  std::function<std::chrono::steady_clock::time_point()> now;
};

class Echoer {
 public:
  explicit Echoer(EchoerOptions opts);
  // One echo. Returns the outcome (for logs and tests): OK when the active node took it.
  Status Tick();
  // After a first refusal: the next Tick should come soon (min_refused_gap), not a second later.
  bool RefusalPending() const { return !refused_holder_.empty(); }

 private:
  EchoerOptions opts_;
  ClusterClient client_;
  std::string refused_holder_;  // the holder whose cluster address refused last, or empty
  std::chrono::steady_clock::time_point refused_at_;
};

}  // namespace arca::server
