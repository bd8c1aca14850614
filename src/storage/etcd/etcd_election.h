// Election primitives on etcd for the HA steps of issue 19 (not wired into the server yet):
// a lease kept alive with a local deadline (EtcdSession) and a lock in Vault's layout
// (EtcdElection): each candidate puts <prefix><lease id in hex> under its lease; the key with the
// lowest create revision holds the lock. The holder's create revision is its fencing token: a
// write made inside a txn comparing it (Fence()) is refused atomically by etcd once the key is
// gone (lease expired or revoked, resigned), so a deposed leader cannot write.
//
// Candidates poll (every `poll`) instead of watching: the takeover delay is the lease TTL (a
// crashed holder) or one poll (a resigned one) plus a poll.
//
// Thread-safety: EtcdSession is safe to query from any thread; an EtcdElection may be used from
// several threads. Failure behaviour: etcd errors are returned as the client's (see
// etcd_client.h).
#pragma once

#include <atomic>
#include <chrono>
#include <climits>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "storage/etcd/etcd_client.h"

namespace arca::storage::etcd {

class EtcdSession {
 public:
  // Grants a lease of `ttl` (at least 2 s) and keeps it alive every ttl/3 from a thread.
  static Result<std::unique_ptr<EtcdSession>> Start(EtcdClient& client, std::chrono::seconds ttl);
  // Stops the keepalives and revokes the lease (best effort: an unreachable etcd lets it expire).
  ~EtcdSession();
  // The same, now: lost() is true afterwards. Idempotent; safe while other threads query lost().
  void Revoke();
  EtcdSession(const EtcdSession&) = delete;
  EtcdSession& operator=(const EtcdSession&) = delete;

  int64_t lease() const { return lease_; }
  std::chrono::seconds ttl() const { return ttl_; }
  // True once etcd said the lease is gone, or no keepalive succeeded before the local deadline
  // last_success + ttl - ttl/3 (the node steps down before etcd can expire the lease unnoticed).
  // Never becomes false again: start a new session.
  bool lost() const {
    return lost_.load() ||
           std::chrono::steady_clock::now().time_since_epoch().count() >= deadline_.load();
  }
  // Waits until lost() or `timeout`; returns lost().
  bool WaitLost(std::chrono::milliseconds timeout);

 private:
  EtcdSession(EtcdClient& client, int64_t lease, std::chrono::seconds ttl);
  void Run();

  EtcdClient& client_;
  const int64_t lease_;
  const std::chrono::seconds ttl_;
  std::atomic<bool> lost_{false};
  // The local deadline (steady_clock ticks): last successful keepalive + ttl - ttl/3. Checked by
  // lost() itself, so a node resumed after a pause (SIGSTOP) sees it before its keepalive
  // thread has run again.
  std::atomic<int64_t> deadline_{INT64_MAX};
  std::mutex mu_;  // guards stop_; cv_ wakes the keepalive thread and WaitLost callers
  std::condition_variable cv_;
  bool stop_ = false;
  std::once_flag revoked_;
  std::thread thread_;
};

struct Leadership {
  int64_t lease = 0;
  std::string key;       // <prefix><lease id hex>
  int64_t revision = 0;  // the key's create revision: the fencing token
};

class EtcdElection {
 public:
  // `prefix` ends in '/', e.g. "/vault/core/lock/". Nothing but campaign keys may live under it
  // (any other key older than the candidates' would hold the lock forever).
  EtcdElection(EtcdClient& client, std::string prefix);

  // Puts this session's key with `value` (once), then waits until it is the oldest key under
  // the prefix. nullopt when `stop` was set or the session was lost first (the key is then
  // deleted, best effort).
  Result<std::optional<Leadership>> Campaign(
      EtcdSession& session, std::string_view value, const std::atomic<bool>& stop,
      std::chrono::milliseconds poll = std::chrono::milliseconds(200));
  // The value of the current holder (the oldest key), nullopt when nobody campaigns.
  Result<std::optional<std::string>> Leader();
  // The holder's key (value, lease, create revision), nullopt when nobody campaigns.
  Result<std::optional<KeyValue>> LeaderKey() { return Oldest(); }
  // Deletes the holder's key if it is still this leadership's (a txn on the fencing token).
  Status Resign(const Leadership& leadership);
  // The comparison that makes a txn apply only while `leadership` is current.
  static Compare Fence(const Leadership& leadership);

 private:
  Result<std::optional<KeyValue>> Oldest();

  EtcdClient& client_;
  std::string prefix_;
};

}  // namespace arca::storage::etcd
