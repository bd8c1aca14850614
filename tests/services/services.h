// Real database servers for tests, started on 127.0.0.1 in temporary directories and stopped
// (and removed) when the object is destroyed: PostgreSQL 15 (initdb + postgres, run as the
// `postgres` system user when the test runs as root) and MariaDB (mariadb-install-db + mariadbd).
// Each has a superuser with a password, reachable over TCP, as the database engine needs.
//
// A server that fails to start leaves ok() false and error() saying why; tests treat that as a
// failure, never a skip. Not thread-safe; create once per test binary (see Shared()).
#pragma once

#include <chrono>
#include <memory>
#include <string>

namespace arca::testing {

class DatabaseServer {
 public:
  virtual ~DatabaseServer() = default;
  bool ok() const { return ok_; }
  const std::string& error() const { return error_; }
  int port() const { return port_; }
  const std::string& admin_user() const { return admin_user_; }
  const std::string& admin_password() const { return admin_password_; }
  // Runs SQL as the admin through the command-line client; returns its exit code and output.
  virtual int Sql(const std::string& sql, std::string* out = nullptr) const = 0;
  // Tries to log in as `user`/`password` over TCP and run `sql`; returns the exit code.
  virtual int SqlAs(const std::string& user, const std::string& password, const std::string& sql,
                    std::string* out = nullptr) const = 0;
  // Stops the server (for "database down" tests); Start() brings it back on the same port.
  virtual void Stop() = 0;
  virtual bool Start() = 0;

 protected:
  bool ok_ = false;
  std::string error_;
  int port_ = 0;
  std::string admin_user_;
  std::string admin_password_;
};

std::unique_ptr<DatabaseServer> StartPostgres();
std::unique_ptr<DatabaseServer> StartMariaDb();

// One server of each kind per process, started on first use and stopped at exit.
DatabaseServer& SharedPostgres();
DatabaseServer& SharedMariaDb();

// `s` in single quotes for sh, embedded quotes escaped.
std::string ShellQuote(const std::string& s);
// Runs `cmd` with sh, stderr folded into stdout (kept in *out if given); the exit code, or -1.
int RunShell(const std::string& cmd, std::string* out = nullptr);

// A TCP port on 127.0.0.1 nobody listens on right now.
int FreeTcpPort();

// Reads `fd` until a whole line has come or `timeout` passes, and parses it as the line a
// stand-in prints once it listens: "PORT <n>". The port, or 0 (`*line` keeps what was read).
int ReadAnnouncedPort(int fd, std::chrono::milliseconds timeout, std::string* line);

}  // namespace arca::testing
