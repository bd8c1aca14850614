// postgresql-database-plugin: libpq, one transaction per statement list.
#include <libpq-fe.h>

#include <ctime>
#include <mutex>

#include "common/blocking.h"
#include "engines/database/plugin.h"
#include "engines/database/pool.h"
#include "engines/database/sql_plugins.h"

namespace arca::engines::database {
namespace {

struct PgConn {
  PGconn* conn = nullptr;
  ~PgConn() {
    if (conn != nullptr) PQfinish(conn);
  }
};

// libpq's messages end in a newline.
std::string Trimmed(const char* msg) {
  std::string s = msg != nullptr ? msg : "";
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

class PostgresPlugin : public DatabasePlugin {
 public:
  Status Initialize(const ConnectionSettings& settings, bool verify) override {
    if (settings.connection_url.empty())
      return std::unexpected(InvalidRequest("connection_url cannot be empty"));
    {
      std::lock_guard lock(mu_);
      settings_ = settings;
    }
    pool_ = std::make_unique<Pool<PgConn>>([this] { return Dial(); }, settings.max_open_connections,
                                           settings.max_idle_connections,
                                           settings.max_connection_lifetime);
    if (verify) {
      auto lease = pool_->Acquire();
      if (!lease) return std::unexpected(lease.error());
    }
    return {};
  }
  size_t MaxUsernameLength() const override { return 63; }
  std::string FormatExpiration(int64_t t) const override {
    std::time_t tt = t;
    std::tm tm{};
    gmtime_r(&tt, &tm);
    char buf[40];
    std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S+0000", &tm);
    return buf;
  }

  Status Execute(const std::vector<std::string>& statements,
                 const StatementValues& values) override {
    BlockingScope blocking;
    ARCA_ASSIGN_OR_RETURN(auto lease, pool_->Acquire());
    auto run = [&](const std::string& sql) -> Status {
      PGresult* r = PQexec(lease->conn, sql.c_str());
      ExecStatusType st = PQresultStatus(r);
      Status out;
      if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK && st != PGRES_EMPTY_QUERY) {
        std::string msg = Trimmed(PQresultErrorMessage(r));
        if (msg.empty()) msg = Trimmed(PQerrorMessage(lease->conn));
        if (PQstatus(lease->conn) != CONNECTION_OK) {
          lease.MarkBroken();
          out = std::unexpected(Error(ErrorKind::kUpstream, Prefix() + msg));
        } else {
          out = std::unexpected(InvalidRequest(Prefix() + msg));
        }
      }
      PQclear(r);
      return out;
    };
    ARCA_RETURN_IF_ERROR(run("BEGIN"));
    for (const auto& entry : statements) {
      for (const auto& stmt : SplitStatements(entry)) {
        Status s = run(ApplyTemplate(stmt, values));
        if (!s) {
          (void)run("ROLLBACK");
          return s;
        }
      }
    }
    return run("COMMIT");
  }

  std::vector<std::string> DefaultRevocationStatements() const override {
    // Idempotent (a revoke that is retried after a partial failure must not fail on a role that
    // is already gone): privileges in every schema are revoked, owned objects handed to the
    // connection's user, sessions ended, then the role dropped.
    return {R"(DO $$
DECLARE s record;
BEGIN
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{{name}}') THEN
    FOR s IN SELECT nspname FROM pg_namespace
             WHERE nspname NOT LIKE 'pg\_%' AND nspname <> 'information_schema' LOOP
      EXECUTE format('REVOKE ALL PRIVILEGES ON ALL TABLES IN SCHEMA %I FROM %I', s.nspname, '{{name}}');
      EXECUTE format('REVOKE ALL PRIVILEGES ON ALL SEQUENCES IN SCHEMA %I FROM %I', s.nspname, '{{name}}');
      EXECUTE format('REVOKE ALL PRIVILEGES ON ALL FUNCTIONS IN SCHEMA %I FROM %I', s.nspname, '{{name}}');
      EXECUTE format('REVOKE USAGE ON SCHEMA %I FROM %I', s.nspname, '{{name}}');
    END LOOP;
    EXECUTE format('REASSIGN OWNED BY %I TO CURRENT_USER', '{{name}}');
    EXECUTE format('DROP OWNED BY %I', '{{name}}');
    PERFORM pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = '{{name}}';
  END IF;
END
$$;)",
            R"(DROP ROLE IF EXISTS "{{name}}";)"};
  }
  std::vector<std::string> DefaultRenewStatements() const override {
    return {R"(ALTER ROLE "{{name}}" VALID UNTIL '{{expiration}}';)"};
  }
  std::vector<std::string> DefaultRotationStatements() const override {
    return {R"(ALTER ROLE "{{name}}" WITH PASSWORD '{{password}}';)"};
  }
  std::vector<std::string> DefaultRootRotationStatements() const override {
    return {R"(ALTER ROLE "{{username}}" WITH PASSWORD '{{password}}';)"};
  }
  std::vector<std::string> DefaultRollbackStatements() const override {
    return {R"(DROP ROLE IF EXISTS "{{name}}";)"};
  }
  void SetRootPassword(const std::string& password) override {
    {
      std::lock_guard lock(mu_);
      settings_.password = password;
    }
    pool_->Reset();
  }
  void Close() override {
    if (pool_) pool_->Close();
  }

 private:
  std::string Prefix() const { return "database \"" + settings_.name + "\": "; }

  Result<std::unique_ptr<PgConn>> Dial() {
    BlockingScope blocking;
    ConnectionSettings s;
    {
      std::lock_guard lock(mu_);
      s = settings_;
    }
    std::string url = ApplyTemplate(
        s.connection_url, s.disable_escaping
                              ? StatementValues{s.username, s.password, ""}
                              : StatementValues{UrlEscape(s.username), UrlEscape(s.password), ""});
    // connect_timeout is a libpq parameter; append it to URLs and keyword strings alike.
    const bool is_uri = url.starts_with("postgres://") || url.starts_with("postgresql://");
    if (url.find("connect_timeout") == std::string::npos) {
      url += is_uri ? (url.find('?') == std::string::npos ? "?" : "&") : " ";
      url += "connect_timeout=" + std::to_string(s.connect_timeout.count());
    }
    auto conn = std::make_unique<PgConn>();
    conn->conn = PQconnectdb(url.c_str());
    // NOTICEs (e.g. "role does not exist, skipping") are not errors; keep them off stderr.
    PQsetNoticeProcessor(
        conn->conn, [](void*, const char*) {}, nullptr);
    if (PQstatus(conn->conn) != CONNECTION_OK) {
      std::string msg = Trimmed(PQerrorMessage(conn->conn));
      // Never echo the URL: libpq's message names host and port, not the password.
      return std::unexpected(
          Error(ErrorKind::kInvalidRequest, Prefix() + "error verifying connection: " + msg));
    }
    // A statement that hangs (a lock held elsewhere) must not hold a worker forever.
    PQclear(PQexec(conn->conn, "SET statement_timeout = '30s'"));
    return conn;
  }

  std::mutex mu_;
  ConnectionSettings settings_;  // guarded by mu_
  std::unique_ptr<Pool<PgConn>> pool_;
};

}  // namespace

std::unique_ptr<DatabasePlugin> NewPostgresPlugin() { return std::make_unique<PostgresPlugin>(); }

}  // namespace arca::engines::database
