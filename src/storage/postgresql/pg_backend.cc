#include "storage/postgresql/pg_backend.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <condition_variable>
#include <cstdlib>
#include <deque>
#include <mutex>
#include <set>
#include <shared_mutex>
#include <thread>

#include "common/duration.h"
#include "common/encoding.h"
#include "common/uuid.h"
#include "storage/keys.h"
#include "storage/postgresql/pg_conn.h"
#include "storage/postgresql/pg_keys.h"

namespace arca::storage::postgresql {
namespace {

using Clock = std::chrono::steady_clock;

constexpr std::array<std::string_view, 13> kKnownKeys = {
    "connection_url",      "table",          "max_parallel",     "max_idle_connections",
    "ha_enabled",          "ha_table",       "skip_create_table", "redirect_addr",
    "cluster_addr",        "disable_clustering", "lock_timeout",  "lock_renew_interval",
    "lock_retry_interval"};

// The key of the lock row (Vault's core passes "core/lock" as the lock's key).
constexpr std::string_view kLockKey = "core/lock";

std::unexpected<Error> NotUnderstood(std::string_view key, std::string_view value) {
  return InvalidRequest("storage postgresql: value [" + std::string(value) + "] of '" +
                        std::string(key) + "' could not be understood");
}

std::optional<bool> ParseGoBool(std::string_view s) {
  static const std::set<std::string_view> kTrue = {"1", "t", "T", "TRUE", "true", "True"};
  static const std::set<std::string_view> kFalse = {"0", "f", "F", "FALSE", "false", "False"};
  if (kTrue.contains(s)) return true;
  if (kFalse.contains(s)) return false;
  return std::nullopt;
}

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

Result<int> ParseInt(std::string_view key, std::string_view text, int min) {
  int n = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || n < min) {
    return NotUnderstood(key, text);
  }
  return n;
}

// The state of one hold of the HA lock, shared by the PgHaLock handed to the core, the renewal
// thread and the backend's write path (which fences every write with it).
struct Hold {
  std::string identity;
  std::atomic<bool> released{false};
  std::atomic<bool> fenced_out{false};    // a fenced write found the row not ours
  std::atomic<bool> renew_refused{false};  // the renewal found the row not ours (or expired)
  std::atomic<int64_t> deadline{0};        // steady clock ns: lost after this without renewal
  std::mutex mu;
  std::condition_variable cv;  // wakes the renewal thread on release
  std::thread renewer;

  bool Lost() const {
    return released.load() || fenced_out.load() || renew_refused.load() ||
           Clock::now().time_since_epoch().count() > deadline.load();
  }
};

class PgBackend;

class PgHaLock final : public HaLock {
 public:
  PgHaLock(PgBackend& backend, std::shared_ptr<Hold> hold)
      : backend_(backend), hold_(std::move(hold)) {}
  ~PgHaLock() override { Release(); }
  bool Lost() const override { return hold_->Lost(); }
  bool WaitLost(std::chrono::milliseconds timeout) override {
    const auto until = Clock::now() + timeout;
    while (!Lost()) {
      const auto now = Clock::now();
      if (now >= until) return false;
      std::this_thread::sleep_for(
          std::min<Clock::duration>(until - now, std::chrono::milliseconds(20)));
    }
    return true;
  }
  void Release() override;

 private:
  PgBackend& backend_;
  std::shared_ptr<Hold> hold_;
};

// Failure of a statement as a Status, password-free.
std::unexpected<Error> SqlFailure(std::string_view what, const PgError& e) {
  if (e.connection_lost || e.sqlstate.empty() || e.sqlstate.starts_with("08") ||
      e.sqlstate.starts_with("57")) {
    return Unavailable("storage postgresql: " + std::string(what) + ": " + e.message);
  }
  return Internal("storage postgresql: " + std::string(what) + ": " + e.message + " (SQLSTATE " +
                  e.sqlstate + ")");
}

class PgBackend final : public Backend,
                        public Transactional,
                        public Snapshottable,
                        public HaLockable {
 public:
  explicit PgBackend(PgBackendOptions options)
      : options_(std::move(options)),
        table_(QuoteIdentifier(options_.table)),
        ha_table_(QuoteIdentifier(options_.ha_table)),
        pool_(options_.connection_url, PasswordOf(options_.connection_url), options_.max_parallel,
              options_.max_idle_connections > 0 ? options_.max_idle_connections
                                                : options_.max_parallel,
              [this](PgConn& conn) { return conn.Prepare(Statements()); }) {}

  ~PgBackend() override {
    std::shared_ptr<Hold> hold;
    {
      std::unique_lock lock(ha_mu_);
      hold = hold_;
    }
    if (hold) ReleaseHold(hold);
  }

  // Creates (or checks) the tables, and proves the statements prepare.
  Status Init() {
    // Its own connection: the pool's connections prepare statements on tables that may not
    // exist yet.
    ARCA_ASSIGN_OR_RETURN(std::unique_ptr<PgConn> conn,
                          PgConn::Open(options_.connection_url,
                                       PasswordOf(options_.connection_url)));
    if (!options_.skip_create_table) {
      std::vector<std::string> ddl = {
          "CREATE TABLE IF NOT EXISTS " + table_ +
              " (parent_path TEXT COLLATE \"C\" NOT NULL, path TEXT COLLATE \"C\", key TEXT "
              "COLLATE \"C\", value BYTEA, PRIMARY KEY (path, key))",
          "CREATE INDEX IF NOT EXISTS " + QuoteIdentifier(options_.table + "_parent_path_idx") +
              " ON " + table_ + " (parent_path)"};
      if (options_.ha_enabled) {
        ddl.push_back("CREATE TABLE IF NOT EXISTS " + ha_table_ +
                      " (ha_key TEXT COLLATE \"C\" NOT NULL, ha_identity TEXT COLLATE \"C\" NOT "
                      "NULL, ha_value TEXT COLLATE \"C\", valid_until TIMESTAMP WITH TIME ZONE "
                      "NOT NULL, PRIMARY KEY (ha_key))");
      }
      for (const std::string& sql : ddl) {
        auto [rows, error] = conn->Run(PgStatement{.sql = sql});
        // Another node creating the same table at the same moment: it exists now.
        if (error && error->sqlstate != "23505" && error->sqlstate != "42P07") {
          return SqlFailure("creating the tables failed", *error);
        }
      }
    }
    std::vector<std::string> tables = {options_.table};
    if (options_.ha_enabled) tables.push_back(options_.ha_table);
    for (const std::string& t : tables) {
      auto [rows, error] = conn->Run(PgStatement{.sql = "SELECT 1 FROM " + QuoteIdentifier(t) +
                                                        " LIMIT 0"});
      if (error) {
        if (error->sqlstate == "42P01") {
          return InvalidRequest("storage postgresql: table \"" + t +
                                "\" does not exist (skip_create_table is set: create it with the "
                                "SQL of docs/storage-postgresql.md)");
        }
        return SqlFailure("checking table \"" + t + "\" failed", *error);
      }
    }
    ARCA_ASSIGN_OR_RETURN(PgLease pooled, pool_.Get());  // prepares every statement
    return OkStatus();
  }

  std::string_view Type() const override { return "postgresql"; }
  Transactional* AsTransactional() override { return this; }
  Snapshottable* AsSnapshottable() override { return this; }
  HaLockable* AsHaLockable() override { return options_.ha_enabled ? this : nullptr; }

  // --- Backend ---
  Result<std::optional<std::string>> Get(std::string_view key) override {
    ARCA_RETURN_IF_ERROR(CheckKey(key));
    const SplitKey k = Split(EncodeKey(key));
    ARCA_ASSIGN_OR_RETURN(PgRows rows, RunOne("reading failed",
                                              PgStatement{.name = "get", .params = {k.path, k.key}},
                                              /*binary_results=*/true));
    if (rows.rows.empty()) return std::optional<std::string>();
    return std::optional<std::string>(std::move(rows.rows[0][0]));
  }

  Status Put(std::string_view key, std::string_view value) override {
    ARCA_RETURN_IF_ERROR(CheckKey(key));
    return Write({Operation{Operation::Kind::kPut, std::string(key), std::string(value)}});
  }

  Status Delete(std::string_view key) override {
    ARCA_RETURN_IF_ERROR(CheckKey(key));
    return Write({Operation{Operation::Kind::kDelete, std::string(key), ""}});
  }

  Result<std::vector<std::string>> List(std::string_view prefix) override {
    const std::string path = "/" + EncodeKey(prefix);
    // A prefix that does not end in '/' has no children in the listing rule but its keys'
    // paths; treat it as Vault does (only '/'-terminated prefixes are meaningful).
    if (!path.ends_with('/')) return std::vector<std::string>();
    const std::string end = PrefixEnd(path);
    ARCA_ASSIGN_OR_RETURN(
        PgRows rows, RunOne("listing failed", PgStatement{.name = "list", .params = {path, end}},
                            /*binary_results=*/true));
    std::vector<std::string> out;
    out.reserve(rows.rows.size());
    for (auto& row : rows.rows) {
      if (row[0].empty()) continue;  // the key equal to the prefix itself ("a/" under "a/")
      out.push_back(DecodeKey(row[0]));
    }
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
  }

  // --- Transactional ---
  Status Commit(std::span<const Operation> ops) override {
    for (const Operation& op : ops) ARCA_RETURN_IF_ERROR(CheckKey(op.key));
    if (ops.empty()) return OkStatus();
    return Write(std::vector<Operation>(ops.begin(), ops.end()));
  }

  // --- Snapshottable ---
  Status VisitAll(const EntryVisitor& visit) override {
    ARCA_ASSIGN_OR_RETURN(PgLease conn, GetLive());
    auto run = [&](const std::string& sql, bool binary = false) -> Result<PgRows> {
      auto [rows, error] = conn->Run(PgStatement{.sql = sql}, binary);
      if (error) return SqlFailure("reading a snapshot failed", *error);
      return std::move(rows);
    };
    ARCA_RETURN_IF_ERROR(run("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"));
    Status s = [&]() -> Status {
      ARCA_RETURN_IF_ERROR(run("DECLARE arca_visit NO SCROLL CURSOR FOR SELECT path, key, value "
                               "FROM " + table_ + " ORDER BY (path || key) COLLATE \"C\""));
      while (true) {
        ARCA_ASSIGN_OR_RETURN(PgRows page, run("FETCH 1000 FROM arca_visit", true));
        for (auto& row : page.rows) {
          ARCA_RETURN_IF_ERROR(visit(DecodeKey(Join(row[0], row[1])), row[2]));
        }
        if (page.rows.size() < 1000) return OkStatus();
      }
    }();
    (void)run(s ? "COMMIT" : "ROLLBACK");
    return s;
  }

  Status ReplaceAll(const EntrySource& source) override {
    ARCA_ASSIGN_OR_RETURN(std::shared_ptr<Hold> hold, WriteHold());
    ARCA_ASSIGN_OR_RETURN(PgLease conn, GetLive());
    auto run = [&](const PgStatement& st) -> Status {
      auto [rows, error] = conn->Run(st);
      if (error) return SqlFailure("replacing the content failed", *error);
      return OkStatus();
    };
    ARCA_RETURN_IF_ERROR(run(PgStatement{.sql = "BEGIN"}));
    Status s = [&]() -> Status {
      ARCA_RETURN_IF_ERROR(run(PgStatement{.sql = "DELETE FROM " + table_}));
      std::vector<SplitKey> keys;
      std::vector<std::string> values;
      bool more = true;
      while (more) {
        keys.clear();
        values.clear();
        size_t bytes = 0;
        while (keys.size() < 1000 && bytes < (8u << 20)) {
          std::string key, value;
          ARCA_ASSIGN_OR_RETURN(more, source(&key, &value));
          if (!more) break;
          ARCA_RETURN_IF_ERROR(CheckKey(key));
          bytes += key.size() + value.size();
          keys.push_back(Split(EncodeKey(key)));
          values.push_back(std::move(value));
        }
        if (keys.empty()) break;
        std::vector<PgStatement> batch;
        batch.reserve(keys.size());
        for (size_t i = 0; i < keys.size(); ++i) batch.push_back(PutStatement(keys[i], values[i]));
        auto r = conn->Pipeline(batch);
        if (!r) return SqlFailure("replacing the content failed", r.error().error);
      }
      // The fence last: its row lock is then held only for the commit, and the renewal (which
      // does not conflict with it anyway) is never behind a long load.
      if (hold) {
        if (hold->Lost()) return LostError();
        auto [rows, error] = conn->Run(FenceStatement(*hold));
        if (error) {
          if (error->sqlstate == kFencedSqlState) {
            hold->fenced_out = true;
            return FencedError();
          }
          return SqlFailure("replacing the content failed", *error);
        }
      }
      auto [rows, error] = conn->Run(PgStatement{.sql = "COMMIT"});
      if (error) return SqlFailure("committing the replaced content failed", *error);
      return OkStatus();
    }();
    if (!s) (void)conn->Run(PgStatement{.sql = "ROLLBACK"});
    return s;
  }

  // --- HaLockable ---
  void StartHa() override {
    std::unique_lock lock(ha_mu_);
    ha_mode_ = true;
  }

  Result<std::unique_ptr<HaLock>> Acquire(std::string_view value,
                                          const std::atomic<bool>& stop) override {
    const std::string encoded = Base64Encode(value);
    const std::string ttl = std::to_string(options_.lock_timeout.count());
    while (!stop.load()) {
      const std::string identity = GenerateUuid();
      const auto sent_at = Clock::now();
      std::vector<PgStatement> take = {
          PgStatement{.name = "ha_clear", .params = {kLockKey}},
          PgStatement{.name = "ha_insert", .params = {kLockKey, identity, encoded, ttl}}};
      ARCA_ASSIGN_OR_RETURN(std::vector<PgRows> results, PipelineLive("taking the HA lock failed",
                                                                      take));
      if (results[1].affected == 1) {
        auto hold = std::make_shared<Hold>();
        hold->identity = identity;
        hold->deadline = Deadline(sent_at);
        hold->renewer = std::thread([this, h = hold.get()] { Renew(*h); });
        {
          std::unique_lock lock(ha_mu_);
          hold_ = hold;
        }
        return std::unique_ptr<HaLock>(new PgHaLock(*this, std::move(hold)));
      }
      const auto until = Clock::now() + options_.lock_retry_interval;
      while (!stop.load() && Clock::now() < until) {
        std::this_thread::sleep_for(std::min<Clock::duration>(until - Clock::now(),
                                                              std::chrono::milliseconds(20)));
      }
    }
    return std::unique_ptr<HaLock>();
  }

  Result<std::optional<HaHolder>> Holder() override {
    ARCA_ASSIGN_OR_RETURN(PgRows rows,
                          RunOne("reading the HA lock failed",
                                 PgStatement{.name = "ha_holder", .params = {kLockKey}}));
    if (rows.rows.empty()) return std::optional<HaHolder>();
    auto value = Base64Decode(rows.rows[0][1]);
    if (!value) return Internal("storage postgresql: the HA lock row's ha_value is not base64");
    return std::optional<HaHolder>(HaHolder{std::move(*value), std::move(rows.rows[0][0])});
  }

  Status Depose(std::string_view id) override {
    if (id.empty()) return InvalidRequest("storage postgresql: not a lock holder id: (empty)");
    ARCA_ASSIGN_OR_RETURN(PgRows rows,
                          RunOne("deposing the HA lock holder failed",
                                 PgStatement{.name = "ha_delete", .params = {kLockKey, id}}));
    (void)rows;
    return OkStatus();
  }

  std::chrono::seconds LockTtl() const override {
    return std::max(std::chrono::seconds(1),
                    std::chrono::duration_cast<std::chrono::seconds>(options_.lock_timeout));
  }

  void ReleaseHold(const std::shared_ptr<Hold>& hold) {
    if (hold->released.exchange(true)) return;
    {
      std::unique_lock lock(ha_mu_);
      if (hold_ == hold) hold_.reset();
    }
    {
      std::unique_lock lock(hold->mu);
      hold->cv.notify_all();
    }
    if (hold->renewer.joinable()) hold->renewer.join();
    // Lets the next candidate take the lock at once; a failure leaves it to expire.
    (void)RunOne("releasing the HA lock failed",
                 PgStatement{.name = "ha_delete", .params = {kLockKey, hold->identity}});
  }

 private:
  std::vector<std::pair<std::string, std::string>> Statements() const {
    const std::string& t = table_;
    const std::string& h = ha_table_;
    std::vector<std::pair<std::string, std::string>> out = {
        {"get", "SELECT value FROM " + t + " WHERE path = $1 AND key = $2"},
        {"put", "INSERT INTO " + t +
                    " (parent_path, path, key, value) VALUES ($1, $2, $3, $4) ON CONFLICT (path, "
                    "key) DO UPDATE SET parent_path = EXCLUDED.parent_path, value = "
                    "EXCLUDED.value"},
        {"del", "DELETE FROM " + t + " WHERE path = $1 AND key = $2"},
        {"list", "SELECT key FROM " + t + " WHERE path = $1 UNION SELECT split_part(substr(path, "
                 "char_length($1) + 1), '/', 1) || '/' FROM " + t +
                 " WHERE path COLLATE \"C\" > $1 AND path COLLATE \"C\" < $2"},
    };
    if (options_.ha_enabled) {
      const std::string ttl = "NOW() + $%::bigint * INTERVAL '1 millisecond'";
      auto with = [&](const char* n) {
        std::string s = ttl;
        s.replace(s.find('%'), 1, n);
        return s;
      };
      out.insert(out.end(), {
          // The fence: fails with a division by zero unless this hold's row is current, and keeps
          // the row from being deleted (taken over, deposed) until the transaction ends.
          {"fence", "SELECT 1 / count(*) FROM (SELECT 1 FROM " + h +
                        " WHERE ha_key = $1 AND ha_identity = $2 AND valid_until > NOW() FOR KEY "
                        "SHARE) AS held"},
          {"ha_clear", "DELETE FROM " + h + " WHERE ha_key = $1 AND valid_until <= NOW()"},
          {"ha_insert", "INSERT INTO " + h +
                            " (ha_key, ha_identity, ha_value, valid_until) VALUES ($1, $2, $3, " +
                            with("4") + ") ON CONFLICT (ha_key) DO NOTHING"},
          {"ha_renew", "UPDATE " + h + " SET valid_until = " + with("3") +
                           " WHERE ha_key = $1 AND ha_identity = $2 AND valid_until > NOW()"},
          {"ha_holder", "SELECT ha_identity, ha_value FROM " + h +
                            " WHERE ha_key = $1 AND valid_until > NOW()"},
          {"ha_delete", "DELETE FROM " + h + " WHERE ha_key = $1 AND ha_identity = $2"},
      });
    }
    return out;
  }

  static PgStatement PutStatement(const SplitKey& k, std::string_view value) {
    return PgStatement{.name = "put",
                       .params = {k.parent_path, k.path, k.key, value},
                       .binary = {false, false, false, true}};
  }

  PgStatement FenceStatement(const Hold& hold) const {
    return PgStatement{.name = "fence", .params = {kLockKey, hold.identity}};
  }

  static std::unexpected<Error> FencedError() {
    return Unavailable(
        "storage postgresql: the HA lock is no longer this node's: write refused (fenced)");
  }
  static std::unexpected<Error> LostError() {
    return Unavailable("storage postgresql: the HA lock was lost: write refused");
  }

  int64_t Deadline(Clock::time_point renewed_at) const {
    const auto ttl = options_.lock_timeout;
    return (renewed_at + ttl - ttl / 3).time_since_epoch().count();
  }

  // A connection; one found broken (the server restarted) is dropped with the idle ones, and a
  // new one is made.
  Result<PgLease> GetLive() { return pool_.Get(); }

  // Runs one statement; retried once on a new connection when the connection was lost (a
  // server restart breaks every pooled connection; all statements here are idempotent).
  Result<PgRows> RunOne(std::string_view what, const PgStatement& st, bool binary_results = false) {
    for (int attempt = 0;; ++attempt) {
      ARCA_ASSIGN_OR_RETURN(PgLease conn, pool_.Get());
      auto [rows, error] = conn->Run(st, binary_results);
      if (!error) return std::move(rows);
      if (error->connection_lost && attempt == 0) {
        pool_.DropIdle();
        continue;
      }
      return SqlFailure(what, *error);
    }
  }

  Result<std::vector<PgRows>> PipelineLive(std::string_view what,
                                           const std::vector<PgStatement>& statements) {
    for (int attempt = 0;; ++attempt) {
      ARCA_ASSIGN_OR_RETURN(PgLease conn, pool_.Get());
      auto r = conn->Pipeline(statements);
      if (r) return std::move(*r);
      if (r.error().error.connection_lost && attempt == 0) {
        pool_.DropIdle();
        continue;
      }
      return SqlFailure(what, r.error().error);
    }
  }

  // The renewal thread of `hold`: every lock_renew_interval, extends the row if it is still this
  // hold's and not expired. A refusal ends the hold; errors are retried until the local deadline
  // (Hold::Lost) passes.
  void Renew(Hold& hold) {
    const std::string ttl = std::to_string(options_.lock_timeout.count());
    while (true) {
      {
        std::unique_lock lock(hold.mu);
        hold.cv.wait_for(lock, options_.lock_renew_interval,
                         [&] { return hold.released.load(); });
      }
      if (hold.released.load() || hold.Lost()) return;
      const auto sent_at = Clock::now();
      auto r = RunOne("renewing the HA lock failed",
                      PgStatement{.name = "ha_renew", .params = {kLockKey, hold.identity, ttl}});
      if (!r) {
        spdlog::warn("storage postgresql: renewing the HA lock failed (retrying): {}",
                     r.error().message());
        continue;
      }
      if (r->affected != 1) {
        spdlog::warn("storage postgresql: the HA lock row is no longer this node's: lock lost");
        hold.renew_refused = true;
        return;
      }
      hold.deadline = Deadline(sent_at);
    }
  }

  // The hold that fences a write: null before HA mode (plain writes); in HA mode the current
  // hold if it is not lost, else the write is refused.
  Result<std::shared_ptr<Hold>> WriteHold() {
    std::shared_lock lock(ha_mu_);
    if (!ha_mode_) return std::shared_ptr<Hold>();
    if (!hold_ || hold_->Lost()) {
      return Unavailable(
          "storage postgresql: this node does not hold the HA lock (standby): write refused");
    }
    return hold_;
  }

  // --- group commit ---
  // Every write (Put, Delete, Commit) is one PendingWrite. Writers queue; up to kMaxInFlight of
  // them at a time lead: each takes queued writes (same hold, at most kBatchOps operations and
  // kBatchBytes of values together) and runs them as ONE transaction, sent as one pipeline (the
  // fence first when there is a hold, then the statements, then a Sync): one round trip and one
  // WAL flush for all of them. A lone writer's batch is its own write. Writes batched together
  // were concurrent (none acknowledged), so any order among them is valid; within the batch
  // they apply in queue order. A batch that fails for another reason than the fence or the
  // connection is re-run write by write, so one bad write fails alone.
  struct PendingWrite {
    std::vector<Operation> ops;
    std::shared_ptr<Hold> hold;
    size_t bytes = 0;
    Status result;
    bool done = false;
  };
  static constexpr int kMaxInFlight = 8;
  static constexpr size_t kBatchOps = 512;
  static constexpr size_t kBatchBytes = 4u << 20;

  Status Write(std::vector<Operation> ops) {
    ARCA_ASSIGN_OR_RETURN(std::shared_ptr<Hold> hold, WriteHold());
    PendingWrite w;
    w.ops = std::move(ops);
    w.hold = std::move(hold);
    for (const Operation& op : w.ops) w.bytes += op.key.size() + op.value.size();
    std::unique_lock lock(batch_mu_);
    queue_.push_back(&w);
    while (!w.done) {
      if (in_flight_ < kMaxInFlight && !queue_.empty()) {
        std::vector<PendingWrite*> batch = TakeBatch();
        ++in_flight_;
        lock.unlock();
        RunBatch(batch);
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
      if (next->hold != batch[0]->hold || ops + next->ops.size() > kBatchOps ||
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

  void RunBatch(const std::vector<PendingWrite*>& batch) {
    Status s = RunTxn(batch);
    if (!s && batch.size() > 1 && s.error().kind() == ErrorKind::kInternal) {
      for (PendingWrite* p : batch) p->result = RunTxn({p});
      return;
    }
    for (PendingWrite* p : batch) p->result = s;
  }

  Status RunTxn(const std::vector<PendingWrite*>& writes) {
    Hold* hold = writes[0]->hold.get();
    std::vector<SplitKey> keys;
    size_t n = 0;
    for (PendingWrite* w : writes) n += w->ops.size();
    keys.reserve(n);
    std::vector<PgStatement> statements;
    statements.reserve(n + 1);
    if (hold != nullptr) statements.push_back(FenceStatement(*hold));
    for (PendingWrite* w : writes) {
      for (const Operation& op : w->ops) {
        keys.push_back(Split(EncodeKey(op.key)));
        const SplitKey& k = keys.back();
        if (op.kind == Operation::Kind::kPut) {
          statements.push_back(PutStatement(k, op.value));
        } else {
          statements.push_back(PgStatement{.name = "del", .params = {k.path, k.key}});
        }
      }
    }
    for (int attempt = 0;; ++attempt) {
      // Checked right before sending: a node resumed after a pause past its local deadline does
      // not even try (the database would refuse it anyway once the row is gone or expired).
      if (hold != nullptr && hold->Lost()) return LostError();
      ARCA_ASSIGN_OR_RETURN(PgLease conn, pool_.Get());
      auto r = conn->Pipeline(statements);
      if (r) return OkStatus();
      const auto& e = r.error();
      if (hold != nullptr && e.index == 0 && e.error.sqlstate == kFencedSqlState) {
        hold->fenced_out = true;
        return FencedError();
      }
      if (e.error.connection_lost && attempt == 0) {
        pool_.DropIdle();
        continue;
      }
      return SqlFailure("writing failed", e.error);
    }
  }

  const PgBackendOptions options_;
  const std::string table_;     // quoted
  const std::string ha_table_;  // quoted
  PgPool pool_;
  std::shared_mutex ha_mu_;  // guards ha_mode_ and hold_
  bool ha_mode_ = false;
  std::shared_ptr<Hold> hold_;
  std::mutex batch_mu_;  // guards queue_ and in_flight_; batch_cv_ wakes waiting writers
  std::condition_variable batch_cv_;
  std::deque<PendingWrite*> queue_;
  int in_flight_ = 0;
};

void PgHaLock::Release() { backend_.ReleaseHold(hold_); }

}  // namespace

Result<PgBackendOptions> ParsePgConfig(const BackendConfig& config, const GetEnv& getenv) {
  for (const auto& [key, value] : config) {
    if (std::find(kKnownKeys.begin(), kKnownKeys.end(), key) == kKnownKeys.end()) {
      std::string known;
      for (std::string_view k : kKnownKeys) known += (known.empty() ? "" : ", ") + std::string(k);
      return InvalidRequest("storage postgresql: unknown key '" + key + "' (known: " + known +
                            ")");
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

  PgBackendOptions out;
  if (auto u = env("ARCA_PG_CONNECTION_URL")) {
    out.connection_url = *u;
  } else if (auto v = env("VAULT_PG_CONNECTION_URL")) {
    out.connection_url = *v;
  } else {
    out.connection_url = get("connection_url").value_or("");
  }
  if (out.connection_url.empty()) {
    return InvalidRequest(
        "storage postgresql: missing connection_url (or the VAULT_PG_CONNECTION_URL environment "
        "variable)");
  }
  if (auto t = get("table")) {
    if (t->empty()) return NotUnderstood("table", *t);
    out.table = *t;
  }
  if (auto t = get("ha_table")) {
    if (t->empty()) return NotUnderstood("ha_table", *t);
    out.ha_table = *t;
  }
  if (out.table == out.ha_table) {
    return InvalidRequest("storage postgresql: 'table' and 'ha_table' must differ");
  }
  if (auto m = get("max_parallel")) {
    ARCA_ASSIGN_OR_RETURN(out.max_parallel, ParseInt("max_parallel", *m, 1));
  }
  if (auto m = get("max_idle_connections")) {
    ARCA_ASSIGN_OR_RETURN(out.max_idle_connections, ParseInt("max_idle_connections", *m, 0));
  }
  const std::string ha = get("ha_enabled").value_or("false");
  auto ha_bool = ParseGoBool(ha);
  if (!ha_bool) return NotUnderstood("ha_enabled", ha);
  out.ha_enabled = *ha_bool;
  const std::string skip = get("skip_create_table").value_or("false");
  auto skip_bool = ParseGoBool(skip);
  if (!skip_bool) return NotUnderstood("skip_create_table", skip);
  out.skip_create_table = *skip_bool;

  if (auto t = get("lock_timeout")) {
    ARCA_ASSIGN_OR_RETURN(out.lock_timeout, ParsePositiveDuration("lock_timeout", *t));
    if (out.lock_timeout < std::chrono::milliseconds(300)) {
      return InvalidRequest("storage postgresql: 'lock_timeout' must be at least 300ms, got [" +
                            *t + "]");
    }
  }
  out.lock_renew_interval = out.lock_timeout / 3;
  if (auto t = get("lock_renew_interval")) {
    ARCA_ASSIGN_OR_RETURN(out.lock_renew_interval,
                          ParsePositiveDuration("lock_renew_interval", *t));
    // Renewals must come before the local deadline (TTL - TTL/3).
    if (out.lock_renew_interval >= out.lock_timeout - out.lock_timeout / 3) {
      return InvalidRequest(
          "storage postgresql: 'lock_renew_interval' must be shorter than two thirds of "
          "'lock_timeout'");
    }
  }
  if (auto t = get("lock_retry_interval")) {
    ARCA_ASSIGN_OR_RETURN(out.lock_retry_interval,
                          ParsePositiveDuration("lock_retry_interval", *t));
  }
  return out;
}

Result<std::unique_ptr<Backend>> NewPostgresqlBackend(const PgBackendOptions& options) {
  auto backend = std::make_unique<PgBackend>(options);
  ARCA_RETURN_IF_ERROR(backend->Init());
  return std::unique_ptr<Backend>(std::move(backend));
}

Result<std::unique_ptr<Backend>> NewPostgresqlBackend(const BackendConfig& config) {
  ARCA_ASSIGN_OR_RETURN(PgBackendOptions options,
                        ParsePgConfig(config, [](const char* n) { return std::getenv(n); }));
  return NewPostgresqlBackend(options);
}

}  // namespace arca::storage::postgresql
