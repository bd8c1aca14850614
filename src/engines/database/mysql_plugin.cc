// mysql-database-plugin and its aurora/rds/legacy variants: libmariadb. connection_url uses the
// Go DSN form Vault documents: "{{username}}:{{password}}@tcp(127.0.0.1:3306)/db?param=value"
// (also "unix(/path/to/sock)").
#include <mysql.h>

#include <ctime>
#include <mutex>

#include "common/blocking.h"
#include "engines/database/plugin.h"
#include "engines/database/pool.h"
#include "engines/database/sql_plugins.h"

namespace arca::engines::database {
namespace {

struct MyConn {
  MYSQL* conn = nullptr;
  ~MyConn() {
    if (conn != nullptr) mysql_close(conn);
  }
};

struct Dsn {
  std::string user, password, host = "127.0.0.1", socket, db;
  unsigned port = 3306;
};

// Parses user:pass@tcp(host:port)/db?params (the user/password parts as given, not escaped).
Result<Dsn> ParseDsn(const std::string& dsn, const std::string& user, const std::string& password) {
  Dsn out;
  size_t at = dsn.rfind('@');
  std::string rest = dsn;
  if (at != std::string::npos) {
    std::string userinfo = dsn.substr(0, at);
    rest = dsn.substr(at + 1);
    size_t colon = userinfo.find(':');
    out.user = userinfo.substr(0, colon);
    if (colon != std::string::npos) out.password = userinfo.substr(colon + 1);
  }
  if (out.user == "{{username}}") out.user = user;
  if (out.password == "{{password}}") out.password = password;
  if (out.user.empty()) out.user = user;
  if (out.password.empty()) out.password = password;
  size_t slash = rest.find('/');
  std::string addr = rest.substr(0, slash);
  if (slash != std::string::npos) {
    out.db = rest.substr(slash + 1);
    if (size_t q = out.db.find('?'); q != std::string::npos) out.db.resize(q);
  }
  if (addr.starts_with("tcp(") && addr.ends_with(")")) {
    std::string hp = addr.substr(4, addr.size() - 5);
    size_t colon = hp.rfind(':');
    out.host = hp.substr(0, colon);
    if (colon != std::string::npos) {
      try {
        out.port = static_cast<unsigned>(std::stoul(hp.substr(colon + 1)));
      } catch (...) {
        return std::unexpected(InvalidRequest("invalid port in connection_url"));
      }
    }
  } else if (addr.starts_with("unix(") && addr.ends_with(")")) {
    out.socket = addr.substr(5, addr.size() - 6);
    out.host = "localhost";
  } else if (!addr.empty()) {
    return std::unexpected(
        InvalidRequest("connection_url must look like {{username}}:{{password}}@tcp(host:port)/"));
  }
  return out;
}

class MysqlPlugin : public DatabasePlugin {
 public:
  explicit MysqlPlugin(size_t max_username) : max_username_(max_username) {}

  Status Initialize(const ConnectionSettings& settings, bool verify) override {
    if (settings.connection_url.empty())
      return std::unexpected(InvalidRequest("connection_url cannot be empty"));
    ARCA_RETURN_IF_ERROR(ParseDsn(settings.connection_url, settings.username, settings.password));
    {
      std::lock_guard lock(mu_);
      settings_ = settings;
    }
    pool_ = std::make_unique<Pool<MyConn>>([this] { return Dial(); }, settings.max_open_connections,
                                           settings.max_idle_connections,
                                           settings.max_connection_lifetime);
    if (verify) {
      auto lease = pool_->Acquire();
      if (!lease) return std::unexpected(lease.error());
    }
    return {};
  }
  size_t MaxUsernameLength() const override { return max_username_; }
  std::string FormatExpiration(int64_t t) const override {
    std::time_t tt = t;
    std::tm tm{};
    gmtime_r(&tt, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
    return buf;
  }

  Status Execute(const std::vector<std::string>& statements,
                 const StatementValues& values) override {
    BlockingScope blocking;
    ARCA_ASSIGN_OR_RETURN(auto lease, pool_->Acquire());
    auto run = [&](const std::string& sql) -> Status {
      if (mysql_real_query(lease->conn, sql.data(), sql.size()) != 0) {
        unsigned err = mysql_errno(lease->conn);
        std::string msg = mysql_error(lease->conn);
        if (err == 2006 || err == 2013) {
          lease.MarkBroken();
          return std::unexpected(Error(ErrorKind::kUpstream, Prefix() + msg));
        }
        return std::unexpected(
            InvalidRequest(Prefix() + "Error " + std::to_string(err) + ": " + msg));
      }
      if (MYSQL_RES* res = mysql_store_result(lease->conn)) mysql_free_result(res);
      return {};
    };
    // MySQL commits DDL (CREATE USER, GRANT) implicitly; a transaction still groups DML.
    ARCA_RETURN_IF_ERROR(run("START TRANSACTION"));
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
    return {"DROP USER IF EXISTS '{{name}}'@'%';"};
  }
  std::vector<std::string> DefaultRenewStatements() const override { return {}; }
  std::vector<std::string> DefaultRotationStatements() const override {
    return {"ALTER USER '{{name}}'@'%' IDENTIFIED BY '{{password}}';"};
  }
  std::vector<std::string> DefaultRootRotationStatements() const override {
    return {"ALTER USER '{{username}}'@'%' IDENTIFIED BY '{{password}}';"};
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

  Result<std::unique_ptr<MyConn>> Dial() {
    BlockingScope blocking;
    ConnectionSettings s;
    {
      std::lock_guard lock(mu_);
      s = settings_;
    }
    ARCA_ASSIGN_OR_RETURN(Dsn dsn, ParseDsn(s.connection_url, s.username, s.password));
    auto conn = std::make_unique<MyConn>();
    conn->conn = mysql_init(nullptr);
    unsigned timeout = static_cast<unsigned>(s.connect_timeout.count());
    mysql_options(conn->conn, MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
    unsigned rw_timeout = 30;
    mysql_options(conn->conn, MYSQL_OPT_READ_TIMEOUT, &rw_timeout);
    mysql_options(conn->conn, MYSQL_OPT_WRITE_TIMEOUT, &rw_timeout);
    if (mysql_real_connect(conn->conn, dsn.host.c_str(), dsn.user.c_str(), dsn.password.c_str(),
                           dsn.db.empty() ? nullptr : dsn.db.c_str(), dsn.port,
                           dsn.socket.empty() ? nullptr : dsn.socket.c_str(), 0) == nullptr) {
      return std::unexpected(
          InvalidRequest(Prefix() + "error verifying connection: " + mysql_error(conn->conn)));
    }
    return conn;
  }

  const size_t max_username_;
  std::mutex mu_;
  ConnectionSettings settings_;  // guarded by mu_
  std::unique_ptr<Pool<MyConn>> pool_;
};

}  // namespace

std::unique_ptr<DatabasePlugin> NewMysqlPlugin(size_t max_username) {
  return std::make_unique<MysqlPlugin>(max_username);
}

}  // namespace arca::engines::database
