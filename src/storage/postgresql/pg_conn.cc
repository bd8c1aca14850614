#include "storage/postgresql/pg_conn.h"

#include <libpq-fe.h>

#include <regex>

namespace arca::storage::postgresql {

std::string RedactConnInfo(std::string text, std::string_view secret) {
  if (!secret.empty()) {
    for (size_t at = text.find(secret); at != std::string::npos;
         at = text.find(secret, at + 10)) {
      text.replace(at, secret.size(), "<redacted>");
    }
  }
  // postgres://user:password@host -> postgres://user:<redacted>@host
  static const std::regex kUrl(R"(((?:postgres|postgresql)://[^:/@\s]*:)[^@\s]*@)");
  text = std::regex_replace(text, kUrl, "$1<redacted>@");
  // password=secret or password='se cret' (keyword form, also as a URL query parameter)
  static const std::regex kKeyword(R"((password\s*=\s*)('(?:[^'\\]|\\.)*'|[^\s&]*))");
  text = std::regex_replace(text, kKeyword, "$1<redacted>");
  return text;
}

std::string PasswordOf(const std::string& conninfo) {
  char* err = nullptr;
  PQconninfoOption* options = PQconninfoParse(conninfo.c_str(), &err);
  if (err != nullptr) PQfreemem(err);
  if (options == nullptr) return "";
  std::string out;
  for (PQconninfoOption* o = options; o->keyword != nullptr; ++o) {
    if (std::string_view(o->keyword) == "password" && o->val != nullptr) out = o->val;
  }
  PQconninfoFree(options);
  return out;
}

std::string QuoteIdentifier(std::string_view name) {
  std::string out = "\"";
  for (char c : name) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

PgConn::~PgConn() {
  if (conn_ != nullptr) PQfinish(conn_);
}

Result<std::unique_ptr<PgConn>> PgConn::Open(const std::string& conninfo,
                                             const std::string& redact) {
  // A connect timeout unless the connection string sets one (later keywords override earlier
  // ones, and the expanded dbname comes last).
  // Also TCP keepalives and a user timeout, so a peer that vanished (not a refused connection:
  // a partition, a dead host) is noticed in seconds instead of hours.
  const char* keys[] = {"connect_timeout", "keepalives_idle", "keepalives_interval",
                        "keepalives_count", "tcp_user_timeout", "dbname", nullptr};
  const char* values[] = {"5", "5", "2", "3", "15000", conninfo.c_str(), nullptr};
  pg_conn* conn = PQconnectdbParams(keys, values, /*expand_dbname=*/1);
  if (conn == nullptr) return Unavailable("storage postgresql: out of memory connecting");
  if (PQstatus(conn) != CONNECTION_OK) {
    std::string message = PQerrorMessage(conn);
    PQfinish(conn);
    while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) {
      message.pop_back();
    }
    return Unavailable("storage postgresql: cannot connect: " + RedactConnInfo(message, redact));
  }
  // The server's notices ("relation ... already exists, skipping", shutdown warnings) are not
  // for the operator: errors come back as results.
  PQsetNoticeProcessor(conn, [](void*, const char*) {}, nullptr);
  return std::unique_ptr<PgConn>(new PgConn(conn, redact));
}

bool PgConn::Broken() const { return PQstatus(conn_) != CONNECTION_OK; }

bool PgConn::Idle() const {
  return PQtransactionStatus(conn_) == PQTRANS_IDLE && PQpipelineStatus(conn_) == PQ_PIPELINE_OFF;
}

std::string PgConn::Clean(std::string message) const {
  while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) {
    message.pop_back();
  }
  return RedactConnInfo(std::move(message), redact_);
}

PgError PgConn::ErrorOf(pg_result* res) const {
  PgError e;
  const char* state = res != nullptr ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : nullptr;
  if (state != nullptr) e.sqlstate = state;
  const char* primary = res != nullptr ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : nullptr;
  e.message = Clean(primary != nullptr ? primary : PQerrorMessage(conn_));
  if (e.message.empty()) e.message = "unknown error";
  e.connection_lost = Broken();
  return e;
}

Status PgConn::Prepare(const std::vector<std::pair<std::string, std::string>>& statements) {
  for (const auto& [name, sql] : statements) {
    pg_result* res = PQprepare(conn_, name.c_str(), sql.c_str(), 0, nullptr);
    if (PQresultStatus(res) != PGRES_COMMAND_OK) {
      PgError e = ErrorOf(res);
      PQclear(res);
      return Internal("storage postgresql: preparing " + name + " failed: " + e.message);
    }
    PQclear(res);
  }
  return OkStatus();
}

namespace {

// Collects a successful result; false when it is an error.
bool Collect(pg_result* res, PgRows* out) {
  const ExecStatusType st = PQresultStatus(res);
  if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) return false;
  const int rows = PQntuples(res), cols = PQnfields(res);
  out->rows.resize(rows);
  out->nulls.resize(rows);
  for (int r = 0; r < rows; ++r) {
    out->rows[r].reserve(cols);
    out->nulls[r].reserve(cols);
    for (int c = 0; c < cols; ++c) {
      out->rows[r].emplace_back(PQgetvalue(res, r, c), PQgetlength(res, r, c));
      out->nulls[r].push_back(PQgetisnull(res, r, c) != 0);
    }
  }
  const char* tuples = PQcmdTuples(res);
  out->affected = (tuples != nullptr && *tuples != '\0') ? std::atoll(tuples) : 0;
  return true;
}

struct Params {
  std::vector<const char*> values;
  std::vector<int> lengths, formats;
  explicit Params(const PgStatement& st) {
    for (size_t i = 0; i < st.params.size(); ++i) {
      values.push_back(st.params[i].data() != nullptr ? st.params[i].data() : "");
      lengths.push_back(static_cast<int>(st.params[i].size()));
      formats.push_back(!st.binary.empty() && st.binary[i] ? 1 : 0);
    }
  }
};

}  // namespace

std::pair<PgRows, std::optional<PgError>> PgConn::Run(const PgStatement& st,
                                                      bool binary_results) {
  // Text parameters must be NUL-terminated for libpq: copy them.
  std::vector<std::string> texts;
  texts.reserve(st.params.size());
  Params p(st);
  for (size_t i = 0; i < st.params.size(); ++i) {
    if (p.formats[i] == 0) {
      texts.emplace_back(st.params[i]);
      p.values[i] = texts.back().c_str();
    }
  }
  pg_result* res =
      st.sql.empty()
          ? PQexecPrepared(conn_, st.name.c_str(), static_cast<int>(p.values.size()),
                           p.values.data(), p.lengths.data(), p.formats.data(), binary_results)
          : PQexecParams(conn_, st.sql.c_str(), static_cast<int>(p.values.size()), nullptr,
                         p.values.data(), p.lengths.data(), p.formats.data(), binary_results);
  PgRows rows;
  std::optional<PgError> error;
  if (!Collect(res, &rows)) error = ErrorOf(res);
  PQclear(res);
  return {std::move(rows), std::move(error)};
}

std::expected<std::vector<PgRows>, PgConn::PipelineError> PgConn::Pipeline(
    const std::vector<PgStatement>& statements, bool binary_results) {
  auto fail = [&](size_t index) {
    return std::unexpected(PipelineError{ErrorOf(nullptr), index});
  };
  if (PQenterPipelineMode(conn_) != 1) return fail(0);
  std::vector<std::string> texts;
  size_t total = 0;
  for (const PgStatement& st : statements) total += st.params.size();
  texts.reserve(total);  // no reallocation: the c_str()s stay valid until the flush
  size_t sent = 0;
  for (; sent < statements.size(); ++sent) {
    const PgStatement& st = statements[sent];
    Params p(st);
    for (size_t i = 0; i < st.params.size(); ++i) {
      if (p.formats[i] == 0) {
        texts.emplace_back(st.params[i]);
        p.values[i] = texts.back().c_str();
      }
    }
    const int ok =
        st.sql.empty()
            ? PQsendQueryPrepared(conn_, st.name.c_str(), static_cast<int>(p.values.size()),
                                  p.values.data(), p.lengths.data(), p.formats.data(),
                                  binary_results)
            : PQsendQueryParams(conn_, st.sql.c_str(), static_cast<int>(p.values.size()), nullptr,
                                p.values.data(), p.lengths.data(), p.formats.data(),
                                binary_results);
    if (ok != 1) break;
  }
  std::optional<PipelineError> error;
  if (sent < statements.size()) error = PipelineError{ErrorOf(nullptr), sent};
  if (PQpipelineSync(conn_) != 1 && !error) error = PipelineError{ErrorOf(nullptr), sent};
  std::vector<PgRows> out(statements.size());
  // Read every result (one per sent statement, each followed by a null), then the sync.
  for (size_t i = 0; i < sent && !Broken(); ++i) {
    pg_result* res = PQgetResult(conn_);
    if (res == nullptr) {
      if (!error) error = PipelineError{ErrorOf(nullptr), i};
      break;
    }
    const ExecStatusType st = PQresultStatus(res);
    if (st == PGRES_PIPELINE_ABORTED) {
      // skipped after an earlier error
    } else if (!Collect(res, &out[i]) && !error) {
      error = PipelineError{ErrorOf(res), i};
    }
    PQclear(res);
    while ((res = PQgetResult(conn_)) != nullptr) PQclear(res);
  }
  for (int nulls = 0; !Broken() && nulls < 2;) {
    pg_result* res = PQgetResult(conn_);
    if (res == nullptr) {  // between results; twice in a row: nothing more will come
      ++nulls;
      continue;
    }
    nulls = 0;
    const ExecStatusType st = PQresultStatus(res);
    PQclear(res);
    if (st == PGRES_PIPELINE_SYNC) break;
    if (st == PGRES_FATAL_ERROR && Broken()) break;
  }
  if (Broken()) {
    if (!error) error = PipelineError{ErrorOf(nullptr), 0};
    error->error.connection_lost = true;
    return std::unexpected(std::move(*error));
  }
  PQexitPipelineMode(conn_);
  if (error) return std::unexpected(std::move(*error));
  return out;
}

PgLease::~PgLease() {
  if (pool_ != nullptr && conn_ != nullptr) pool_->Put(std::move(conn_));
}

PgPool::PgPool(std::string conninfo, std::string redact, int max_open, int max_idle, Setup setup)
    : conninfo_(std::move(conninfo)),
      redact_(std::move(redact)),
      max_open_(max_open),
      max_idle_(max_idle),
      setup_(std::move(setup)) {}

Result<PgLease> PgPool::Get() {
  {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return !idle_.empty() || open_ < max_open_; });
    if (!idle_.empty()) {
      std::unique_ptr<PgConn> conn = std::move(idle_.back());
      idle_.pop_back();
      return PgLease(this, std::move(conn));
    }
    ++open_;
  }
  auto conn = PgConn::Open(conninfo_, redact_);
  Status set = conn ? setup_(**conn) : Status(std::unexpected(conn.error()));
  if (!set) {
    std::unique_lock lock(mu_);
    --open_;
    cv_.notify_one();
    return std::unexpected(set.error());
  }
  return PgLease(this, std::move(*conn));
}

void PgPool::Put(std::unique_ptr<PgConn> conn) {
  std::unique_lock lock(mu_);
  // A connection left inside a transaction (a ROLLBACK that failed) is not reused.
  if (conn->Broken() || !conn->Idle() || static_cast<int>(idle_.size()) >= max_idle_) {
    --open_;
    lock.unlock();
    conn.reset();
  } else {
    idle_.push_back(std::move(conn));
  }
  cv_.notify_one();
}

void PgPool::DropIdle() {
  std::vector<std::unique_ptr<PgConn>> dropped;
  {
    std::unique_lock lock(mu_);
    dropped.swap(idle_);
    open_ -= static_cast<int>(dropped.size());
  }
  cv_.notify_all();
}

}  // namespace arca::storage::postgresql
