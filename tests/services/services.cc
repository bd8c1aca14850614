#include "services/services.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pwd.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>

namespace arca::testing {

std::string ShellQuote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'')
      out += "'\\''";
    else
      out += c;
  }
  return out + "'";
}

int RunShell(const std::string& cmd, std::string* out) {
  FILE* p = ::popen((cmd + " 2>&1").c_str(), "r");
  if (p == nullptr) return -1;
  std::string text;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) text.append(buf, n);
  int status = ::pclose(p);
  if (out != nullptr) *out = text;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

namespace {

bool PortOpen(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

std::string MakeTempDir(const std::string& prefix) {
  std::string tmpl = "/tmp/" + prefix + "-XXXXXX";
  char* dir = ::mkdtemp(tmpl.data());
  return dir != nullptr ? dir : "";
}

// Runs `cmd` as `user` when we are root (PostgreSQL refuses to run as root).
std::string AsUser(const std::string& user, const std::string& cmd) {
  if (::geteuid() != 0) return cmd;
  return "runuser -u " + user + " -- sh -c " + ShellQuote(cmd);
}

constexpr const char* kPgBin = "/usr/lib/postgresql/15/bin";

class Postgres : public DatabaseServer {
 public:
  Postgres() {
    admin_user_ = "arca_admin";
    admin_password_ = "admin-" + std::to_string(::getpid());
    dir_ = MakeTempDir("arca-pg");
    if (dir_.empty()) {
      error_ = "mkdtemp failed";
      return;
    }
    ::chmod(dir_.c_str(), 0755);
    if (::geteuid() == 0) {
      passwd* pw = ::getpwnam("postgres");
      if (pw == nullptr) {
        error_ = "no postgres system user";
        return;
      }
      uid_ = pw->pw_uid;
      gid_ = pw->pw_gid;
      if (::chown(dir_.c_str(), uid_, gid_) != 0) {
        error_ = "chown failed";
        return;
      }
    }
    std::ofstream(dir_ + "/pw") << admin_password_ << "\n";
    if (::geteuid() == 0 && ::chown((dir_ + "/pw").c_str(), uid_, gid_) != 0) return;
    std::string out;
    int rc = RunShell(
        AsUser("postgres", std::string(kPgBin) + "/initdb -D " + dir_ + "/data -U " + admin_user_ +
                               " --pwfile=" + dir_ + "/pw -A scram-sha-256 --no-sync"),
        &out);
    if (rc != 0) {
      error_ = "initdb failed: " + out;
      return;
    }
    // Neither PostgreSQL nor MariaDB can bind port 0 and report it, so the port is picked here
    // and may be taken by someone else before the server binds it: the server then fails to
    // start ("Address already in use", it cannot end up serving on someone else's port: pg_ctl
    // -w waits for this data directory's postmaster), and another port is tried.
    for (int attempt = 0; attempt < 3; ++attempt) {
      port_ = FreeTcpPort();
      ok_ = Start();
      if (ok_ || error_.find("already in use") == std::string::npos) break;
    }
  }
  ~Postgres() override {
    Stop();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  bool Start() override {
    std::string out;
    int rc =
        RunShell(AsUser("postgres",
                   std::string(kPgBin) + "/pg_ctl -D " + dir_ + "/data -l " + dir_ +
                       "/log -w -t 30 -o " +
                       ShellQuote("-p " + std::to_string(port_) + " -k " + dir_ +
                             " -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200") +
                       " start"),
            &out);
    if (rc != 0) {
      std::string log;
      RunShell("cat " + dir_ + "/log", &log);
      error_ = "postgres did not start: " + out + log;
      return false;
    }
    for (int i = 0; i < 100 && !PortOpen(port_); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    return PortOpen(port_);
  }
  void Stop() override {
    RunShell(AsUser("postgres",
               std::string(kPgBin) + "/pg_ctl -D " + dir_ + "/data -m immediate -w stop"));
  }
  int Sql(const std::string& sql, std::string* out) const override {
    return SqlAs(admin_user_, admin_password_, sql, out);
  }
  int SqlAs(const std::string& user, const std::string& password, const std::string& sql,
            std::string* out) const override {
    return RunShell("PGPASSWORD=" + ShellQuote(password) +
                   " PGCONNECT_TIMEOUT=5 psql -X -q -t -A -v ON_ERROR_STOP=1 -h 127.0.0.1 -p " +
                   std::to_string(port_) + " -U " + ShellQuote(user) + " -d postgres -c " + ShellQuote(sql),
               out);
  }

 private:
  std::string dir_;
  uid_t uid_ = 0;
  gid_t gid_ = 0;
};

class MariaDb : public DatabaseServer {
 public:
  MariaDb() {
    admin_user_ = "arca_admin";
    admin_password_ = "admin-" + std::to_string(::getpid());
    dir_ = MakeTempDir("arca-maria");
    if (dir_.empty()) {
      error_ = "mkdtemp failed";
      return;
    }
    std::string out;
    const std::string user = ::geteuid() == 0 ? " --user=root" : "";
    int rc = RunShell("mariadb-install-db --no-defaults --datadir=" + dir_ +
                     "/data --auth-root-authentication-method=normal --skip-test-db" + user,
                 &out);
    if (rc != 0) {
      error_ = "mariadb-install-db failed: " + out;
      return;
    }
    // (the port: as for PostgreSQL above)
    bool started = false;
    for (int attempt = 0; attempt < 3 && !started; ++attempt) {
      port_ = FreeTcpPort();
      started = Start();
      if (!started && error_.find("already in use") == std::string::npos) break;
    }
    if (!started) return;
    // An admin reachable over TCP with a password, as the engine connects.
    rc = RunShell("mariadb --no-defaults -S " + dir_ + "/sock -u root -e " +
                 ShellQuote("CREATE USER '" + admin_user_ + "'@'%' IDENTIFIED BY '" + admin_password_ +
                       "'; GRANT ALL PRIVILEGES ON *.* TO '" + admin_user_ +
                       "'@'%' WITH GRANT OPTION; FLUSH PRIVILEGES;"),
             &out);
    if (rc != 0) {
      error_ = "creating the admin failed: " + out;
      return;
    }
    ok_ = true;
  }
  ~MariaDb() override {
    Stop();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  bool Start() override {
    const std::string user = ::geteuid() == 0 ? " --user=root" : "";
    std::error_code ec;
    std::filesystem::remove(dir_ + "/sock", ec);  // a killed server's socket file is stale
    pid_ = ::fork();
    if (pid_ == 0) {
      // The server must not outlive a test binary that crashes or is killed.
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      std::string log = dir_ + "/log";
      FILE* f = std::freopen(log.c_str(), "a", stderr);
      (void)f;
      std::string cmd = "exec mariadbd --no-defaults --datadir=" + dir_ + "/data --socket=" + dir_ +
                        "/sock --port=" + std::to_string(port_) +
                        " --bind-address=127.0.0.1 --skip-name-resolve "
                        "--innodb-flush-log-at-trx-commit=0 --pid-file=" +
                        dir_ + "/pid" + user;
      ::execl("/bin/sh", "sh", "-c", cmd.c_str(), static_cast<char*>(nullptr));
      ::_exit(127);
    }
    // Ready when this mariadbd's own socket file exists (it creates it after binding the TCP
    // port, and exits if that fails) and the port accepts: a port that answers while our
    // server has exited is someone else's.
    const std::string sock = dir_ + "/sock";
    for (int i = 0; i < 300; ++i) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        break;
      }
      if (std::filesystem::exists(sock) && PortOpen(port_)) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    std::string log;
    RunShell("cat " + dir_ + "/log", &log);
    error_ = "mariadbd did not start: " + log;
    Stop();
    return false;
  }
  void Stop() override {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
      pid_ = -1;
    }
  }
  int Sql(const std::string& sql, std::string* out) const override {
    return SqlAs(admin_user_, admin_password_, sql, out);
  }
  int SqlAs(const std::string& user, const std::string& password, const std::string& sql,
            std::string* out) const override {
    return RunShell("mariadb --no-defaults --connect-timeout=5 -N -B -h 127.0.0.1 -P " +
                   std::to_string(port_) + " -u " + ShellQuote(user) + " -p" + ShellQuote(password) + " -e " +
                   ShellQuote(sql),
               out);
  }

 private:
  std::string dir_;
  pid_t pid_ = -1;
};

}  // namespace

int FreeTcpPort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

std::unique_ptr<DatabaseServer> StartPostgres() { return std::make_unique<Postgres>(); }
std::unique_ptr<DatabaseServer> StartMariaDb() { return std::make_unique<MariaDb>(); }

DatabaseServer& SharedPostgres() {
  static std::unique_ptr<DatabaseServer> server = StartPostgres();
  return *server;
}

DatabaseServer& SharedMariaDb() {
  static std::unique_ptr<DatabaseServer> server = StartMariaDb();
  return *server;
}

int ReadAnnouncedPort(int fd, std::chrono::milliseconds timeout, std::string* line) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (line->find('\n') == std::string::npos) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    pollfd pfd{fd, POLLIN, 0};
    if (::poll(&pfd, 1, static_cast<int>(left.count())) <= 0) break;
    char buf[256];
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n <= 0) break;
    line->append(buf, static_cast<size_t>(n));
  }
  int port = 0;
  if (std::sscanf(line->c_str(), "PORT %d", &port) != 1 || port <= 0) return 0;
  return port;
}

}  // namespace arca::testing
