// An HA cluster for tests: N `arca server` nodes (ServerProcess) with ha_enabled on one shared
// store, initialised through node 0 and unsealed on every node with the same keys. The store is
// either three real etcd members (tests/services/etcd.h; storage "etcd", the default) or the
// process's shared PostgreSQL server (tests/services/services.h; storage "postgresql") with a
// database of the cluster's own, created empty for it and dropped with it, so clusters sharing
// the server never see each other's data or lock.
//
// Node i's state is read the way a client reads it: GET sys/health (200 active, 429 standby)
// and GET sys/leader (is_self, leader_address). A node counts as active when both say so.
// Nodes are addressed by index; a node killed or stopped keeps its index (and its log) until
// Restart(i) starts it again with the same configuration. Not thread-safe, except Req()/Port()
// which only read.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "integration/harness.h"
#include "services/etcd.h"
#include "services/services.h"

namespace arca::testing {

// The store the nodes share.
enum class HaStorage { kEtcd, kPostgres };

struct HaClusterOptions {
  int nodes = 3;
  // The HA lock's TTL (a short one keeps failover tests fast): storage "etcd" lock_timeout (the
  // lease TTL), or storage "postgresql" lock_timeout.
  std::string lock_timeout = "5s";
  int key_shares = 1;
  int key_threshold = 1;
  // Extra lines inside the storage stanza and at the top level of every node's configuration.
  std::string extra_storage;
  std::string extra_top;
  // Extra lines inside every node's listener stanza (e.g. a telemetry block).
  std::string extra_listener;
  std::map<std::string, std::string> env;  // extra environment of every node
  HaStorage storage = HaStorage::kEtcd;
};

// What one node says about itself (0 status = no answer).
struct HaNodeView {
  bool running = false;
  int health = 0;        // sys/health status code (no query parameters)
  int leader_status = 0;  // sys/leader status code
  bool ha_enabled = false;
  bool is_self = false;
  bool sealed = true;
  std::string leader_address;
  std::string leader_cluster_address;
  std::string health_body;
  std::string leader_body;
};

class HaCluster {
 public:
  explicit HaCluster(HaClusterOptions options = {});
  ~HaCluster();
  HaCluster(const HaCluster&) = delete;
  HaCluster& operator=(const HaCluster&) = delete;

  // Everything started, initialised and unsealed, exactly one node active, and every standby
  // forwarding to it.
  bool ok() const { return ok_; }
  const std::string& error() const { return error_; }

  HaStorage storage() const { return options_.storage; }
  // The store: the etcd members (storage kEtcd only) or the PostgreSQL server (kPostgres only).
  EtcdCluster& etcd() { return *etcd_; }
  DatabaseServer& postgres() { return *pg_; }
  // kPostgres: the cluster's database, the nodes' connection_url, and SQL run in that database
  // as the server's admin (psql; its exit code, the output in *out).
  const std::string& database() const { return database_; }
  std::string ConnectionUrl() const;
  int Sql(const std::string& sql, std::string* out = nullptr) const;
  int size() const { return static_cast<int>(nodes_.size()); }
  bool Running(int i) const;
  // Running and not SIGSTOPped (views and waits skip a stopped node: it would not answer).
  bool Serving(int i) const { return Running(i) && !stopped_[static_cast<size_t>(i)]; }
  int Port(int i) const;
  std::string Url(int i) const;  // "http://127.0.0.1:<port>"
  ServerProcess& node(int i) { return *nodes_[static_cast<size_t>(i)]; }
  const std::string& root_token() const { return root_token_; }
  const std::vector<std::string>& keys() const { return keys_; }
  const std::string& config_path(int i) const { return configs_[static_cast<size_t>(i)]; }

  // A request to node i with the root token (plus `headers`).
  HttpResult Req(int i, const std::string& method, const std::string& path,
                 const std::string& body = "",
                 std::map<std::string, std::string> headers = {}) const;
  // `arca <args>` with VAULT_ADDR = node i and VAULT_TOKEN = the root token.
  CliResult Cli(int i, const std::vector<std::string>& args) const;

  HaNodeView View(int i) const;
  // The index of the one running node that reports active (health 200 and is_self) while
  // every other running node reports it is not; -1 when there is none or more than one.
  int Active() const;
  // Polls Active() until it is a node other than `not_this` (-1: any) or the deadline; returns
  // the index or -1.
  int WaitActive(std::chrono::milliseconds deadline, int not_this = -1) const;
  // Polls until there is one active node and every other running node is an unsealed standby
  // (health 429, is_self false) naming the active node's URL as leader_address; returns the
  // active index or -1.
  int WaitSettled(std::chrono::milliseconds deadline) const;
  // Polls until a request that a standby forwards (auth/token/lookup-self) gets 200 through
  // node i: the standby knows the active node and can reach it over the cluster port (right
  // after a node becomes active, its standbys answer 307 until they have read its cluster
  // certificate).
  bool WaitForwarding(int i, std::chrono::milliseconds deadline) const;
  // Polls until node i is an unsealed standby (health 429, is_self false).
  bool WaitStandby(int i, std::chrono::milliseconds deadline) const;

  // SIGKILL and reap node i.
  void Kill(int i);
  // Sends `sig` and waits for the exit; returns the wait status.
  int Stop(int i, int sig);
  // Sends `sig` without waiting (SIGSTOP / SIGCONT / a SIGTERM reaped by Wait(i)).
  bool Signal(int i, int sig);
  // Waits for node i's exit; the wait status.
  int Wait(int i);
  // Starts node i again (a new process, same configuration, a new port) and unseals it;
  // false (error() says why) when it does not start or does not unseal.
  bool Restart(int i);
  bool Unseal(int i);

  // For failure messages: every node's view and the tails of the nodes' logs.
  std::string Describe() const;

 private:
  bool Start(int i);
  bool Init();
  bool StartStore();
  std::string StorageStanza() const;

  HaClusterOptions options_;
  std::unique_ptr<EtcdCluster> etcd_;
  DatabaseServer* pg_ = nullptr;  // SharedPostgres(), outlives the cluster
  std::string database_;
  TempDir dir_;
  std::vector<std::string> configs_;
  std::vector<std::unique_ptr<ServerProcess>> nodes_;
  std::vector<bool> stopped_;         // SIGSTOPped and not continued
  std::vector<std::string> old_logs_;  // tails of the logs of earlier processes of node i
  std::vector<std::string> keys_;
  std::string root_token_;
  bool ok_ = false;
  std::string error_;
};

// KV v2 on the mount "secret" (EnableKv mounts it through node i, the active one): KvPut writes
// {"v": value} at `key`; KvGet reads it back: the value when the answer is 200 with one,
// nullopt otherwise (*status gets the status code).
bool EnableKv(const HaCluster& c, int i, std::string* error);
HttpResult KvPut(const HaCluster& c, int i, const std::string& key, const std::string& value,
                 std::map<std::string, std::string> headers = {});
std::optional<std::string> KvGet(const HaCluster& c, int i, const std::string& key,
                                 int* status = nullptr);

}  // namespace arca::testing
