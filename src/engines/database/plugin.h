// Database plugins: what the database secrets engine asks of a database (create, update and
// delete users by running statements), independent of the engine's paths and leases, so that
// Redis, MongoDB and others can be added by registering another plugin name.
//
// A plugin object belongs to one connection configuration (database/config/:name). Its methods
// may be called concurrently; they talk to the database through a bounded connection pool and
// block the calling thread (inside a BlockingScope) for at most the connect/statement timeouts.
// Errors are InvalidRequest carrying the database's own message (never the password), or
// Upstream when the database cannot be reached.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"

namespace arca::engines::database {

struct ConnectionSettings {
  std::string name;            // the connection's name (for error messages)
  std::string connection_url;  // may hold {{username}} and {{password}}
  std::string username;
  std::string password;
  int max_open_connections = 4;
  int max_idle_connections = 0;                     // 0: same as max_open_connections
  std::chrono::seconds max_connection_lifetime{0};  // 0: unlimited
  std::chrono::seconds connect_timeout{5};
  bool disable_escaping = false;  // insert {{username}}/{{password}} into URLs without escaping
};

// The substitutions of one statement run: {{name}}/{{username}}, {{password}}, {{expiration}}.
struct StatementValues {
  std::string username;
  std::string password;
  std::string expiration;  // formatted for the database
};

class DatabasePlugin {
 public:
  virtual ~DatabasePlugin() = default;

  // Takes the settings; connects once when `verify` to prove they work.
  virtual Status Initialize(const ConnectionSettings& settings, bool verify) = 0;
  // The longest user name the database accepts.
  virtual size_t MaxUsernameLength() const = 0;
  // How {{expiration}} is written for this database.
  virtual std::string FormatExpiration(int64_t unix_seconds) const = 0;
  // Runs `statements` (each may hold several ';'-separated statements) in one transaction where
  // the database allows, with `values` substituted.
  virtual Status Execute(const std::vector<std::string>& statements,
                         const StatementValues& values) = 0;

  // Defaults when a role gives no statements.
  virtual std::vector<std::string> DefaultRevocationStatements() const = 0;
  virtual std::vector<std::string> DefaultRenewStatements() const = 0;
  virtual std::vector<std::string> DefaultRotationStatements() const = 0;  // static roles
  virtual std::vector<std::string> DefaultRootRotationStatements() const = 0;
  // Removes a user that creation left behind after a failure (the rollback default).
  virtual std::vector<std::string> DefaultRollbackStatements() const {
    return DefaultRevocationStatements();
  }

  // Updates the plugin's own credentials after a root rotation (the pool reconnects).
  virtual void SetRootPassword(const std::string& password) = 0;
  virtual void Close() = 0;
};

using PluginFactory = std::function<std::unique_ptr<DatabasePlugin>()>;

// plugin_name -> factory: postgresql-database-plugin, mysql-database-plugin,
// mysql-aurora-database-plugin, mysql-rds-database-plugin, mysql-legacy-database-plugin.
const std::map<std::string, PluginFactory>& PluginRegistry();

// Replaces {{name}}, {{username}}, {{password}} and {{expiration}} (spaces inside the braces
// allowed) in `statement`.
std::string ApplyTemplate(std::string_view statement, const StatementValues& values);
// Splits a statement list entry into its ';'-separated statements (ignoring ';' inside quotes
// and dollar-quoted bodies), dropping empty ones.
std::vector<std::string> SplitStatements(std::string_view text);
// Percent-encodes for use inside a URL's userinfo.
std::string UrlEscape(std::string_view s);

}  // namespace arca::engines::database
