#include "storage/etcd/etcd_backend.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdlib>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include <condition_variable>
#include <cstdio>
#include <deque>
#include <mutex>
#include <shared_mutex>

#include "common/duration.h"
#include "storage/etcd/etcd_election.h"
#include "storage/keys.h"

namespace arca::storage::etcd {
namespace {

// Where the HA election keeps its keys, under the storage path.
constexpr std::string_view kLockPrefix = "core/lock/";
// Keys and values per page of a snapshot scan (values included, so smaller than kListPage).
constexpr int64_t kSnapshotPage = 500;

constexpr std::array<std::string_view, 17> kKnownKeys = {
    "address",       "path",          "ha_enabled",       "request_timeout",
    "lock_timeout",  "username",      "password",         "tls_ca_file",
    "tls_cert_file", "tls_key_file",  "max_receive_size", "sync",
    "etcd_api",      "redirect_addr", "cluster_addr",     "disable_clustering",
    "transport"};

std::unexpected<Error> NotUnderstood(std::string_view key, std::string_view value) {
  return InvalidRequest("storage etcd: value [" + std::string(value) + "] of '" + std::string(key) +
                        "' could not be understood");
}

// Go's strconv.ParseBool.
std::optional<bool> ParseGoBool(std::string_view s) {
  static const std::set<std::string_view> kTrue = {"1", "t", "T", "TRUE", "true", "True"};
  static const std::set<std::string_view> kFalse = {"0", "f", "F", "FALSE", "false", "False"};
  if (kTrue.contains(s)) return true;
  if (kFalse.contains(s)) return false;
  return std::nullopt;
}

// A positive duration: "500ms", or anything ParseDuration reads ("5s", "1m", "10").
Result<std::chrono::milliseconds> ParsePositiveDuration(std::string_view key,
                                                        std::string_view text) {
  if (text.ends_with("ms")) {
    std::string_view digits = text.substr(0, text.size() - 2);
    int64_t n = 0;
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
    if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size() || n <= 0) {
      return NotUnderstood(key, text);
    }
    return std::chrono::milliseconds(n);
  }
  auto d = ParseDuration(text);
  if (!d || d->count() <= 0) return NotUnderstood(key, text);
  return std::chrono::duration_cast<std::chrono::milliseconds>(*d);
}

std::vector<std::string> SplitAddresses(std::string_view list) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= list.size()) {
    size_t comma = list.find(',', start);
    if (comma == std::string_view::npos) comma = list.size();
    std::string_view item = list.substr(start, comma - start);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (!item.empty()) out.emplace_back(item);
    start = comma + 1;
  }
  return out;
}

// The state of one hold of the HA lock, shared by the EtcdHaLock handed to the core and the
// backend's write path (which fences every write with it).
struct Hold {
  std::unique_ptr<EtcdSession> session;
  Leadership leadership;
  std::atomic<bool> fenced_out{false};  // etcd refused a fenced write: the key is not ours
  std::atomic<bool> released{false};
  bool Lost() const { return released.load() || fenced_out.load() || session->lost(); }
};

class EtcdBackend;

class EtcdHaLock final : public HaLock {
 public:
  EtcdHaLock(EtcdBackend& backend, std::shared_ptr<Hold> hold)
      : backend_(backend), hold_(std::move(hold)) {}
  ~EtcdHaLock() override { Release(); }
  bool Lost() const override { return hold_->Lost(); }
  bool WaitLost(std::chrono::milliseconds timeout) override {
    const auto until = std::chrono::steady_clock::now() + timeout;
    while (!Lost()) {
      const auto now = std::chrono::steady_clock::now();
      if (now >= until) return false;
      hold_->session->WaitLost(std::min<std::chrono::milliseconds>(
          std::chrono::duration_cast<std::chrono::milliseconds>(until - now),
          std::chrono::milliseconds(50)));
    }
    return true;
  }
  void Release() override;

 private:
  EtcdBackend& backend_;
  std::shared_ptr<Hold> hold_;
};

class EtcdBackend final : public Backend, public Transactional, public HaLockable,
                          public Snapshottable {
 public:
  EtcdBackend(std::unique_ptr<EtcdClient> client, EtcdBackendOptions options)
      : client_(std::move(client)),
        options_(std::move(options)),
        election_(*client_, options_.path + std::string(kLockPrefix)) {}

  std::string_view Type() const override { return "etcd"; }
  Transactional* AsTransactional() override { return this; }
  HaLockable* AsHaLockable() override { return options_.ha_enabled ? this : nullptr; }
  Snapshottable* AsSnapshottable() override { return this; }

  // --- Snapshottable ---
  // Every key under the path except the HA election's (core/lock/: leases of live processes,
  // never part of a snapshot), read in pages all pinned to the revision of the first page: one
  // point in time, without holding writers back. A compaction past that revision during the
  // scan fails it (etcd's "required revision has been compacted").
  Status VisitAll(const EntryVisitor& visit) override {
    const std::string end = PrefixEnd(options_.path);
    const std::string lock_prefix = options_.path + std::string(kLockPrefix);
    RangeRequest req;
    req.key = options_.path;
    req.range_end = end;
    req.limit = kSnapshotPage;
    while (true) {
      ARCA_ASSIGN_OR_RETURN(RangeResponse r, client_->Range(req));
      if (req.revision == 0) req.revision = r.revision;
      for (const KeyValue& kv : r.kvs) {
        if (std::string_view(kv.key).starts_with(lock_prefix)) continue;
        ARCA_RETURN_IF_ERROR(visit(std::string_view(kv.key).substr(options_.path.size()), kv.value));
      }
      if (!r.more || r.kvs.empty()) return OkStatus();
      std::string next = r.kvs.back().key;
      next.push_back('\0');
      req.key = std::move(next);
    }
  }

  // Not atomic (etcd's txns are bounded by --max-txn-ops and --max-request-bytes): one txn
  // deletes everything under the path except the election's keys, then the source is written in
  // txns of at most kEtcdMaxTxnOps keys / kBatchBytes. Every txn is fenced like any write of
  // the active node. A failure part-way leaves the storage partly restored: the core then seals
  // (docs/snapshots.md, docs/storage-etcd.md).
  Status ReplaceAll(const EntrySource& source) override {
    const std::string lock_prefix = options_.path + std::string(kLockPrefix);
    std::vector<TxnOp> wipe;
    wipe.push_back(TxnOp{.kind = TxnOp::Kind::kDeleteRange, .key = options_.path,
                         .range_end = lock_prefix});
    wipe.push_back(TxnOp{.kind = TxnOp::Kind::kDeleteRange, .key = PrefixEnd(lock_prefix),
                         .range_end = PrefixEnd(options_.path)});
    ARCA_RETURN_IF_ERROR(Write(std::move(wipe)));
    std::vector<TxnOp> batch;
    std::unordered_set<std::string> in_batch;  // etcd refuses a key twice in one txn
    size_t bytes = 0;
    std::string key, value;
    while (true) {
      ARCA_ASSIGN_OR_RETURN(bool more, source(&key, &value));
      if (!more) break;
      ARCA_RETURN_IF_ERROR(CheckKey(key));
      std::string full = Full(key);
      if (full.starts_with(lock_prefix)) continue;
      if (!batch.empty() && (batch.size() >= kEtcdMaxTxnOps || bytes + full.size() + value.size() >
                                                                    kBatchBytes ||
                             in_batch.count(full))) {
        ARCA_RETURN_IF_ERROR(Write(std::move(batch)));
        batch.clear();
        in_batch.clear();
        bytes = 0;
      }
      bytes += full.size() + value.size();
      in_batch.insert(full);
      batch.push_back(TxnOp{.kind = TxnOp::Kind::kPut, .key = std::move(full), .value = value});
    }
    if (!batch.empty()) ARCA_RETURN_IF_ERROR(Write(std::move(batch)));
    return OkStatus();
  }

  // --- HaLockable ---
  void StartHa() override {
    std::unique_lock lock(ha_mu_);
    ha_mode_ = true;
  }

  Result<std::unique_ptr<HaLock>> Acquire(std::string_view value,
                                          const std::atomic<bool>& stop) override {
    while (!stop.load()) {
      ARCA_ASSIGN_OR_RETURN(std::unique_ptr<EtcdSession> session,
                            EtcdSession::Start(*client_, options_.lock_timeout));
      auto won = election_.Campaign(*session, value, stop);
      if (!won) return std::unexpected(won.error());  // the session revokes its lease
      if (!*won) continue;  // stopped (the loop ends) or the session was lost: a new one
      auto hold = std::make_shared<Hold>();
      hold->session = std::move(session);
      hold->leadership = **won;
      {
        std::unique_lock lock(ha_mu_);
        hold_ = hold;
      }
      return std::unique_ptr<HaLock>(new EtcdHaLock(*this, std::move(hold)));
    }
    return std::unique_ptr<HaLock>();
  }

  Result<std::optional<HaHolder>> Holder() override {
    ARCA_ASSIGN_OR_RETURN(std::optional<KeyValue> kv, election_.LeaderKey());
    if (!kv) return std::optional<HaHolder>();
    return std::optional<HaHolder>(HaHolder{std::move(kv->value), std::to_string(kv->lease)});
  }

  Status Depose(std::string_view id) override {
    int64_t lease = 0;
    auto [end, ec] = std::from_chars(id.data(), id.data() + id.size(), lease);
    if (ec != std::errc() || end != id.data() + id.size() || lease <= 0) {
      return InvalidRequest("storage etcd: not a lock holder id: " + std::string(id));
    }
    Status s = client_->LeaseRevoke(lease);
    if (!s && s.error().kind() == ErrorKind::kNotFound) return OkStatus();
    return s;
  }

  std::chrono::seconds LockTtl() const override { return options_.lock_timeout; }

  // Called by EtcdHaLock::Release.
  void ReleaseHold(const std::shared_ptr<Hold>& hold) {
    if (hold->released.exchange(true)) return;
    {
      std::unique_lock lock(ha_mu_);
      if (hold_ == hold) hold_.reset();
    }
    (void)election_.Resign(hold->leadership);
    hold->session->Revoke();  // stops the keepalives, revokes the lease
  }

  Result<std::optional<std::string>> Get(std::string_view key) override {
    ARCA_RETURN_IF_ERROR(CheckKey(key));
    RangeRequest req;
    req.key = Full(key);
    ARCA_ASSIGN_OR_RETURN(RangeResponse r, client_->Range(req));
    if (r.kvs.empty()) return std::optional<std::string>();
    return std::optional<std::string>(std::move(r.kvs.front().value));
  }

  Status Put(std::string_view key, std::string_view value) override {
    ARCA_RETURN_IF_ERROR(CheckKey(key));
    std::vector<TxnOp> ops;
    ops.push_back(TxnOp{.kind = TxnOp::Kind::kPut, .key = Full(key), .value = std::string(value)});
    return Write(std::move(ops));
  }

  Status Delete(std::string_view key) override {
    ARCA_RETURN_IF_ERROR(CheckKey(key));
    std::vector<TxnOp> ops;
    ops.push_back(TxnOp{.kind = TxnOp::Kind::kDeleteRange, .key = Full(key)});
    return Write(std::move(ops));
  }

  Result<std::vector<std::string>> List(std::string_view prefix) override {
    const std::string full_prefix = Full(prefix);
    const std::string end = PrefixEnd(full_prefix);
    std::vector<std::string> out;
    RangeRequest req;
    req.key = full_prefix;
    req.range_end = end;
    req.keys_only = true;
    req.limit = kListPage;
    while (true) {
      ARCA_ASSIGN_OR_RETURN(RangeResponse r, client_->Range(req));
      std::string next;
      for (const KeyValue& kv : r.kvs) {
        auto entry = ChildOf(kv.key, full_prefix);
        if (!entry) continue;
        // Keys come sorted: a folder's keys are contiguous, so comparing with the last name
        // folds them (a folder cut by a page boundary is skipped below).
        if (out.empty() || out.back() != entry->name) out.emplace_back(entry->name);
      }
      if (!r.more || r.kvs.empty()) break;
      const std::string& last = r.kvs.back().key;
      auto entry = ChildOf(last, full_prefix);
      if (entry && entry->is_folder) {
        next = FolderSkipKey(full_prefix, entry->name);
      } else {
        next = last;
        next.push_back('\0');
      }
      req.key = std::move(next);
    }
    return out;
  }

  Status Commit(std::span<const Operation> ops) override {
    for (const Operation& op : ops) ARCA_RETURN_IF_ERROR(CheckKey(op.key));
    // etcd refuses a key twice in one txn; applying only the last op of each key is the same.
    std::unordered_map<std::string_view, size_t> last;
    for (size_t i = 0; i < ops.size(); ++i) last[ops[i].key] = i;
    if (last.empty()) return OkStatus();
    if (last.size() > kEtcdMaxTxnOps) {
      return InvalidRequest("storage etcd: a transaction may change at most " +
                            std::to_string(kEtcdMaxTxnOps) + " keys (etcd's --max-txn-ops); got " +
                            std::to_string(last.size()));
    }
    std::vector<TxnOp> txn_ops;
    txn_ops.reserve(last.size());
    for (size_t i = 0; i < ops.size(); ++i) {
      if (last[ops[i].key] != i) continue;
      TxnOp op;
      op.key = Full(ops[i].key);
      if (ops[i].kind == Operation::Kind::kPut) {
        op.kind = TxnOp::Kind::kPut;
        op.value = ops[i].value;
      } else {
        op.kind = TxnOp::Kind::kDeleteRange;
      }
      txn_ops.push_back(std::move(op));
    }
    return Write(std::move(txn_ops));
  }

 private:
  // The hold that fences this write: null before HA mode (plain writes); in HA mode the current
  // hold if it is not lost, else the write is refused.
  Result<std::shared_ptr<Hold>> WriteHold() {
    std::shared_lock lock(ha_mu_);
    if (!ha_mode_) return std::shared_ptr<Hold>();
    if (!hold_ || hold_->Lost()) {
      return Unavailable(
          "storage etcd: this node does not hold the HA lock (standby): write refused");
    }
    return hold_;
  }

  // --- group commit ---
  // Every write (Put, Delete, Commit) is one PendingWrite. Writers queue; up to kMaxInFlight of
  // them at a time lead: each takes the queued writes (same hold, at most kEtcdMaxTxnOps
  // operations and kBatchBytes of values together) and sends them as ONE etcd txn, fenced by
  // the hold when there is one. etcd then appends and fsyncs one entry instead of one per
  // write. A lone writer's batch is its own write (no waiting). Writes batched together were
  // concurrent (none acknowledged), so any order among them is a valid one; a key written by
  // several collapses to the last queued (etcd refuses a key twice in one txn). All writes of a
  // batch share its outcome, except that a batch etcd refuses as invalid (too large) is re-sent
  // write by write, so one bad write fails alone.
  struct PendingWrite {
    std::vector<TxnOp> ops;
    std::shared_ptr<Hold> hold;
    size_t bytes = 0;
    Status result;
    bool done = false;
  };
  static constexpr int kMaxInFlight = 4;
  static constexpr size_t kBatchBytes = 512 * 1024;  // base64 in JSON: well under 1.5 MiB

  Status Write(std::vector<TxnOp> ops) {
    ARCA_ASSIGN_OR_RETURN(std::shared_ptr<Hold> hold, WriteHold());
    PendingWrite w;
    w.ops = std::move(ops);
    w.hold = std::move(hold);
    for (const TxnOp& op : w.ops) w.bytes += op.key.size() + op.value.size();
    std::unique_lock lock(batch_mu_);
    queue_.push_back(&w);
    while (!w.done) {
      if (in_flight_ < kMaxInFlight && !queue_.empty()) {
        std::vector<PendingWrite*> batch = TakeBatch();
        ++in_flight_;
        lock.unlock();
        SendBatch(batch);
        lock.lock();
        --in_flight_;
        for (PendingWrite* p : batch) p->done = true;
        batch_cv_.notify_all();
      } else {
        batch_cv_.wait(lock);
      }
    }
    return w.result;
  }

  // REQUIRES: batch_mu_ held, queue_ not empty.
  std::vector<PendingWrite*> TakeBatch() {
    std::vector<PendingWrite*> batch{queue_.front()};
    queue_.pop_front();
    size_t ops = batch[0]->ops.size(), bytes = batch[0]->bytes;
    while (!queue_.empty()) {
      PendingWrite* next = queue_.front();
      if (next->hold != batch[0]->hold || ops + next->ops.size() > kEtcdMaxTxnOps ||
          bytes + next->bytes > kBatchBytes) {
        break;
      }
      ops += next->ops.size();
      bytes += next->bytes;
      batch.push_back(next);
      queue_.pop_front();
    }
    return batch;
  }

  void SendBatch(const std::vector<PendingWrite*>& batch) {
    Status s = SendTxn(batch);
    if (!s && batch.size() > 1 && s.error().kind() == ErrorKind::kInvalidRequest) {
      for (PendingWrite* p : batch) p->result = SendTxn({p});
      return;
    }
    for (PendingWrite* p : batch) p->result = s;
  }

  // One txn of `writes` (same hold), keys collapsed to their last operation.
  Status SendTxn(const std::vector<PendingWrite*>& writes) {
    TxnRequest txn;
    std::unordered_map<std::string_view, size_t> index;  // key -> position in txn.success
    for (PendingWrite* w : writes) {
      for (const TxnOp& op : w->ops) {
        auto [it, inserted] = index.emplace(op.key, txn.success.size());
        if (inserted) {
          txn.success.push_back(op);
        } else {
          txn.success[it->second] = op;
        }
      }
    }
    Hold* hold = writes[0]->hold.get();
    if (hold != nullptr) {
      txn.compare.push_back(EtcdElection::Fence(hold->leadership));
      // Checked again right before sending: a node resumed after a pause past its local
      // deadline must not even try (etcd would refuse it anyway once the lease has expired).
      if (hold->Lost()) return Unavailable("storage etcd: the HA lock was lost: write refused");
    }
    ARCA_ASSIGN_OR_RETURN(TxnResponse r, client_->Txn(txn));
    if (!r.succeeded) {
      if (hold == nullptr) return Internal("storage etcd: a transaction without conditions failed");
      hold->fenced_out = true;
      return Unavailable(
          "storage etcd: the HA lock is no longer this node's: write refused (fenced)");
    }
    return OkStatus();
  }

  std::string Full(std::string_view key) const {
    std::string out;
    out.reserve(options_.path.size() + key.size());
    out.append(options_.path);
    out.append(key);
    return out;
  }

  std::unique_ptr<EtcdClient> client_;
  EtcdBackendOptions options_;
  EtcdElection election_;
  std::shared_mutex ha_mu_;  // guards ha_mode_ and hold_
  bool ha_mode_ = false;
  std::shared_ptr<Hold> hold_;
  std::mutex batch_mu_;  // guards queue_ and in_flight_; batch_cv_ wakes waiting writers
  std::condition_variable batch_cv_;
  std::deque<PendingWrite*> queue_;
  int in_flight_ = 0;
};

void EtcdHaLock::Release() { backend_.ReleaseHold(hold_); }

}  // namespace

Result<EtcdBackendOptions> ParseEtcdConfig(const BackendConfig& config, const GetEnv& getenv) {
  for (const auto& [key, value] : config) {
    if (std::find(kKnownKeys.begin(), kKnownKeys.end(), key) == kKnownKeys.end()) {
      std::string known;
      for (std::string_view k : kKnownKeys) known += (known.empty() ? "" : ", ") + std::string(k);
      return InvalidRequest("storage etcd: unknown key '" + key + "' (known: " + known + ")");
    }
  }
  auto get = [&](const char* key) -> std::optional<std::string> {
    auto it = config.find(key);
    if (it == config.end()) return std::nullopt;
    return it->second;
  };
  auto env = [&](const char* name) -> std::optional<std::string> {
    const char* v = getenv ? getenv(name) : nullptr;
    if (v == nullptr || *v == '\0') return std::nullopt;
    return std::string(v);
  };

  EtcdBackendOptions out;
  std::string address = get("address").value_or("http://127.0.0.1:2379");
  if (auto a = env("ETCD_ADDR")) address = *a;
  out.client.endpoints = SplitAddresses(address);
  if (out.client.endpoints.empty()) return NotUnderstood("address", address);
  for (const std::string& e : out.client.endpoints) {
    if (!e.starts_with("http://") && !e.starts_with("https://")) {
      return InvalidRequest("storage etcd: address \"" + e +
                            "\" must start with http:// or https://");
    }
  }

  std::string path = get("path").value_or("/vault/");
  if (!path.starts_with('/')) path.insert(path.begin(), '/');
  if (!path.ends_with('/')) path.push_back('/');
  out.path = std::move(path);

  std::string ha = get("ha_enabled").value_or("false");
  if (auto e = env("ETCD_HA_ENABLED")) ha = *e;
  auto ha_bool = ParseGoBool(ha);
  if (!ha_bool) return NotUnderstood("ha_enabled", ha);
  out.ha_enabled = *ha_bool;

  if (auto t = get("request_timeout")) {
    ARCA_ASSIGN_OR_RETURN(out.client.request_timeout, ParsePositiveDuration("request_timeout", *t));
  }
  if (auto t = get("lock_timeout")) {
    ARCA_ASSIGN_OR_RETURN(auto ms, ParsePositiveDuration("lock_timeout", *t));
    // Whole seconds (etcd leases), and room for keepalives every TTL/3 before the local deadline.
    if (ms < std::chrono::seconds(2)) {
      return InvalidRequest("storage etcd: 'lock_timeout' must be at least 2s, got [" + *t + "]");
    }
    out.lock_timeout = std::chrono::duration_cast<std::chrono::seconds>(ms);
  }

  out.client.username = get("username").value_or(env("ETCD_USERNAME").value_or(""));
  out.client.password = get("password").value_or(env("ETCD_PASSWORD").value_or(""));
  if (out.client.username.empty() != out.client.password.empty()) {
    return InvalidRequest("storage etcd: 'username' and 'password' must be given together");
  }
  out.client.tls_ca_file = get("tls_ca_file").value_or("");
  out.client.tls_cert_file = get("tls_cert_file").value_or("");
  out.client.tls_key_file = get("tls_key_file").value_or("");
  if (out.client.tls_cert_file.empty() != out.client.tls_key_file.empty()) {
    return InvalidRequest(
        "storage etcd: 'tls_cert_file' and 'tls_key_file' must be given together");
  }

  if (auto m = get("max_receive_size")) {
    int64_t n = 0;
    auto [end, ec] = std::from_chars(m->data(), m->data() + m->size(), n);
    if (m->empty() || ec != std::errc() || end != m->data() + m->size() || n <= 0) {
      return NotUnderstood("max_receive_size", *m);
    }
    out.client.max_receive_size = static_cast<size_t>(n);
  }

  std::string sync = get("sync").value_or("true");
  auto sync_bool = ParseGoBool(sync);
  if (!sync_bool) return NotUnderstood("sync", sync);
  out.sync = *sync_bool;

  if (auto t = get("transport")) {
    if (*t == "grpc") {
      out.transport = EtcdTransport::kGrpc;
    } else if (*t == "gateway") {
      out.transport = EtcdTransport::kGateway;
    } else {
      return InvalidRequest("storage etcd: transport \"" + *t +
                            "\" is not supported (\"grpc\" or \"gateway\")");
    }
  }

  if (auto api = get("etcd_api"); api && *api != "v3") {
    return InvalidRequest("storage etcd: etcd_api \"" + *api + "\" is not supported (only v3)");
  }
  return out;
}

Result<std::unique_ptr<Backend>> NewEtcdBackend(const EtcdBackendOptions& options) {
  ARCA_ASSIGN_OR_RETURN(std::unique_ptr<EtcdClient> client, NewEtcdClient(options.transport, options.client));
  if (options.sync) {
    auto members = client->MemberClientUrls();
    if (!members) {
      return MakeError(members.error().kind(),
                       "storage etcd: syncing the member list failed (set sync = false to skip): " +
                           members.error().message());
    }
    if (!members->empty()) ARCA_RETURN_IF_ERROR(client->SetEndpoints(std::move(*members)));
  }
  return std::unique_ptr<Backend>(new EtcdBackend(std::move(client), options));
}

Result<std::unique_ptr<Backend>> NewEtcdBackend(const BackendConfig& config) {
  ARCA_ASSIGN_OR_RETURN(EtcdBackendOptions options,
                        ParseEtcdConfig(config, [](const char* n) { return std::getenv(n); }));
  return NewEtcdBackend(options);
}

}  // namespace arca::storage::etcd
