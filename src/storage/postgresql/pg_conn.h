// A small libpq layer for storage "postgresql": connections with prepared statements, pipelined
// transactions, and a thread-safe pool that reconnects after the server went away.
//
// Thread-safety: a PgConn is used by one thread at a time (the pool hands it out); PgPool is safe
// for concurrent use.
#pragma once

#include <chrono>
#include <condition_variable>
#include <expected>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"

struct pg_conn;
struct pg_result;

namespace arca::storage::postgresql {

// The SQLSTATE of a division by zero: what the fence statement raises when this node's hold of
// the HA lock is not current (see pg_backend.cc).
inline constexpr std::string_view kFencedSqlState = "22012";

// One statement to run: a prepared statement's name, or (when `sql` is set) an unnamed one.
// Parameters are text except those marked binary (bytea values).
struct PgStatement {
  std::string name;
  std::string sql;
  std::vector<std::string_view> params;
  std::vector<bool> binary;  // same size as params, or empty (all text)
};

// A result: rows of columns (binary columns come back raw when asked for binary results).
struct PgRows {
  std::vector<std::vector<std::string>> rows;
  std::vector<std::vector<bool>> nulls;
  int64_t affected = 0;  // rows changed by INSERT/UPDATE/DELETE
};

// An error of a statement: its message (password-free) and SQLSTATE ("" for connection errors).
struct PgError {
  std::string message;
  std::string sqlstate;
  bool connection_lost = false;
};

class PgConn {
 public:
  ~PgConn();
  PgConn(const PgConn&) = delete;
  PgConn& operator=(const PgConn&) = delete;

  // Connects (libpq keyword/value string or URL). The error message has no password.
  static Result<std::unique_ptr<PgConn>> Open(const std::string& conninfo,
                                              const std::string& redact);

  // Prepares statements named `name` -> `sql` (once per connection).
  Status Prepare(const std::vector<std::pair<std::string, std::string>>& statements);

  // Runs one statement on its own (autocommit, or inside an explicit BEGIN).
  // `binary_results`: all result columns in binary format.
  std::pair<PgRows, std::optional<PgError>> Run(const PgStatement& st, bool binary_results = false);

  // Runs `statements` in pipeline mode followed by ONE Sync: one round trip. Outside an explicit
  // transaction they form one implicit transaction: all commit or, at the first error, none (the
  // rest are skipped). Returns the results of all statements, or the first error and the index
  // of the failed statement.
  struct PipelineError {
    PgError error;
    size_t index = 0;
  };
  std::expected<std::vector<PgRows>, PipelineError> Pipeline(const std::vector<PgStatement>& statements,
                                                      bool binary_results = false);

  bool Broken() const;
  // Outside any transaction and pipeline: fit to be reused.
  bool Idle() const;

 private:
  PgConn(pg_conn* conn, std::string redact) : conn_(conn), redact_(std::move(redact)) {}
  PgError ErrorOf(pg_result* res) const;
  std::string Clean(std::string message) const;

  pg_conn* conn_;
  std::string redact_;  // the password, removed from every message
};

class PgPool;

// A connection borrowed from the pool; given back when destroyed (dropped if broken).
class PgLease {
 public:
  PgLease(PgPool* pool, std::unique_ptr<PgConn> conn) : pool_(pool), conn_(std::move(conn)) {}
  PgLease(PgLease&& other) noexcept = default;
  PgLease& operator=(PgLease&&) = delete;
  ~PgLease();
  PgConn* operator->() { return conn_.get(); }
  PgConn& operator*() { return *conn_; }

 private:
  PgPool* pool_;
  std::unique_ptr<PgConn> conn_;
};

class PgPool {
 public:
  // `setup` runs on every new connection (prepares the statements).
  using Setup = std::function<Status(PgConn&)>;
  PgPool(std::string conninfo, std::string redact, int max_open, int max_idle, Setup setup);

  // A connection: an idle one, a new one while fewer than max_open exist, else waits.
  Result<PgLease> Get();
  // Closes the idle connections (after a connection was found broken: the server restarted, the
  // others are broken too).
  void DropIdle();

 private:
  friend class PgLease;
  void Put(std::unique_ptr<PgConn> conn);

  const std::string conninfo_;
  const std::string redact_;
  const int max_open_;
  const int max_idle_;
  const Setup setup_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<PgConn>> idle_;
  int open_ = 0;
};

// `text` with every occurrence of `secret` (when non-empty) replaced by "<redacted>", and the
// password of a postgres:// URL or a password=... keyword removed.
std::string RedactConnInfo(std::string text, std::string_view secret = {});

// The password in a libpq connection string or URL ("" if none or unparsable).
std::string PasswordOf(const std::string& conninfo);

// Quotes an SQL identifier ("name", with embedded quotes doubled).
std::string QuoteIdentifier(std::string_view name);

}  // namespace arca::storage::postgresql
