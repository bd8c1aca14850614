#include "storage/etcd/etcd_election.h"

#include <cstdio>

namespace arca::storage::etcd {

using Clock = std::chrono::steady_clock;

Result<std::unique_ptr<EtcdSession>> EtcdSession::Start(EtcdClient& client,
                                                        std::chrono::seconds ttl) {
  if (ttl < std::chrono::seconds(2)) {
    return InvalidRequest("etcd session: the lease TTL must be at least 2s");
  }
  ARCA_ASSIGN_OR_RETURN(LeaseGrantResponse granted, client.LeaseGrant(ttl));
  auto session = std::unique_ptr<EtcdSession>(
      new EtcdSession(client, granted.id, std::chrono::seconds(granted.ttl)));
  session->thread_ = std::thread([s = session.get()] { s->Run(); });
  return session;
}

EtcdSession::EtcdSession(EtcdClient& client, int64_t lease, std::chrono::seconds ttl)
    : client_(client), lease_(lease), ttl_(ttl) {}

EtcdSession::~EtcdSession() { Revoke(); }

void EtcdSession::Revoke() {
  std::call_once(revoked_, [this] {
    {
      std::lock_guard lock(mu_);
      stop_ = true;
    }
    lost_ = true;
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
    (void)client_.LeaseRevoke(lease_);
  });
}

bool EtcdSession::WaitLost(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  cv_.wait_for(lock, timeout, [this] { return lost_.load() || stop_; });
  return lost_.load();
}

void EtcdSession::Run() {
  const auto interval = std::chrono::duration_cast<std::chrono::milliseconds>(ttl_) / 3;
  // The local deadline: a third of the TTL before etcd would expire the lease.
  const auto grace = std::chrono::duration_cast<std::chrono::milliseconds>(ttl_) - interval;
  auto last_ok = Clock::now();
  auto next = last_ok + interval;
  deadline_ = (last_ok + grace).time_since_epoch().count();
  std::unique_lock lock(mu_);
  while (!stop_) {
    const auto deadline = last_ok + grace;
    cv_.wait_until(lock, std::min(next, deadline), [this] { return stop_; });
    if (stop_) break;
    if (Clock::now() >= deadline) {
      lost_ = true;
      break;
    }
    if (Clock::now() < next) continue;
    lock.unlock();
    const auto sent = Clock::now();
    auto kept = client_.LeaseKeepAlive(lease_);
    lock.lock();
    if (kept) {
      last_ok = sent;  // the lease was renewed at the latest when the request was sent
      deadline_ = (last_ok + grace).time_since_epoch().count();
      next = sent + interval;
    } else if (kept.error().kind() == ErrorKind::kNotFound) {
      lost_ = true;
      break;
    } else {
      next = Clock::now() + std::chrono::milliseconds(200);  // retry soon, until the deadline
    }
  }
  lock.unlock();
  cv_.notify_all();
}

EtcdElection::EtcdElection(EtcdClient& client, std::string prefix)
    : client_(client), prefix_(std::move(prefix)) {}

Compare EtcdElection::Fence(const Leadership& leadership) {
  return Compare{.key = leadership.key,
                 .target = Compare::Target::kCreate,
                 .op = Compare::Op::kEqual,
                 .number = leadership.revision};
}

Result<std::optional<KeyValue>> EtcdElection::Oldest() {
  RangeRequest req;
  req.key = prefix_;
  req.range_end = PrefixEnd(prefix_);
  ARCA_ASSIGN_OR_RETURN(RangeResponse r, client_.Range(req));
  std::optional<KeyValue> oldest;
  for (KeyValue& kv : r.kvs) {
    if (!oldest || kv.create_revision < oldest->create_revision) oldest = std::move(kv);
  }
  return oldest;
}

Result<std::optional<std::string>> EtcdElection::Leader() {
  ARCA_ASSIGN_OR_RETURN(std::optional<KeyValue> oldest, Oldest());
  if (!oldest) return std::optional<std::string>();
  return std::optional<std::string>(std::move(oldest->value));
}

Result<std::optional<Leadership>> EtcdElection::Campaign(EtcdSession& session,
                                                         std::string_view value,
                                                         const std::atomic<bool>& stop,
                                                         std::chrono::milliseconds poll) {
  char hex[32];
  std::snprintf(hex, sizeof hex, "%llx", static_cast<unsigned long long>(session.lease()));
  Leadership mine{.lease = session.lease(), .key = prefix_ + hex};
  // Create the key only if absent (a campaign repeated on the same session, or this txn re-sent
  // by the client's failover after it was applied, finds the key and keeps its place).
  TxnRequest create;
  create.compare = {Compare{
      .key = mine.key, .target = Compare::Target::kCreate, .op = Compare::Op::kEqual, .number = 0}};
  create.success = {TxnOp{.kind = TxnOp::Kind::kPut,
                          .key = mine.key,
                          .value = std::string(value),
                          .lease = mine.lease}};
  create.failure = {TxnOp{.kind = TxnOp::Kind::kRange, .key = mine.key}};
  ARCA_ASSIGN_OR_RETURN(TxnResponse created, client_.Txn(create));
  if (created.succeeded) {
    mine.revision = created.revision;
  } else if (!created.ranges.empty() && !created.ranges[0].kvs.empty()) {
    mine.revision = created.ranges[0].kvs[0].create_revision;
  } else {
    return Internal("etcd election: the campaign key vanished while being created");
  }
  while (true) {
    if (stop.load() || session.lost()) {
      (void)Resign(mine);
      return std::optional<Leadership>();
    }
    ARCA_ASSIGN_OR_RETURN(std::optional<KeyValue> oldest, Oldest());
    if (!oldest) {
      // Our own key is gone: the lease expired under us.
      return Unavailable("etcd election: this node's campaign key disappeared (lease expired)");
    }
    if (oldest->key == mine.key && oldest->create_revision == mine.revision) return mine;
    auto until = Clock::now() + poll;
    while (Clock::now() < until && !stop.load() && !session.lost()) {
      session.WaitLost(std::chrono::milliseconds(20));
    }
  }
}

Status EtcdElection::Resign(const Leadership& leadership) {
  TxnRequest txn;
  txn.compare = {Fence(leadership)};
  txn.success = {TxnOp{.kind = TxnOp::Kind::kDeleteRange, .key = leadership.key}};
  ARCA_ASSIGN_OR_RETURN(TxnResponse r, client_.Txn(txn));
  (void)r;
  return OkStatus();
}

}  // namespace arca::storage::etcd
