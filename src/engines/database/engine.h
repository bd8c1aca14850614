// Internal to the database engine: its shared state (connection plugins), the stored forms of
// connections and roles, and small helpers used by the path files (paths_*.cc).
//
// Thread-safety: Engine's plugin map is guarded by its mutex, never held while a database is
// being talked to; static role rotations are serialized by static_mu_.
#pragma once

#include <algorithm>
#include <chrono>
#include <ctime>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/glob.h"
#include "common/json.h"
#include "common/status.h"
#include "engines/database/database.h"
#include "engines/database/plugin.h"
#include "logical/framework/framework_backend.h"
#include "logical/storage.h"

namespace arca::engines::database::internal {

using logical::Operation;
using logical::Request;
using logical::Response;
using logical::framework::FieldData;
using logical::framework::FieldMap;
using logical::framework::FieldSchema;
using logical::framework::FieldType;
using logical::framework::GenericNameRegex;
using logical::framework::Path;

inline int64_t NowSeconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}
inline int64_t NowMillis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

inline std::string FormatRfc3339(int64_t t) {
  std::time_t tt = t;
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

// Stored JSON is read with common/json.h's lenient readers; name globs with common/glob.h.
using ::arca::GlobMatch;

struct DbConfig {
  std::string name;
  std::string plugin_name;
  ConnectionSettings settings;
  std::vector<std::string> allowed_roles;
  std::vector<std::string> root_rotation_statements;
  std::string password_policy;
  std::string username_template;
  bool verify_connection = true;
};

inline json::object ConfigToJson(const DbConfig& c, bool with_password) {
  json::object details{{"connection_url", c.settings.connection_url},
                       {"username", c.settings.username},
                       {"max_open_connections", c.settings.max_open_connections},
                       {"disable_escaping", c.settings.disable_escaping},
                       {"max_idle_connections", c.settings.max_idle_connections},
                       {"max_connection_lifetime",
                        std::to_string(c.settings.max_connection_lifetime.count()) + "s"}};
  if (with_password) details["password"] = c.settings.password;
  return {{"plugin_name", c.plugin_name},
          {"plugin_version", ""},
          {"connection_details", std::move(details)},
          {"allowed_roles", ToJsonArray(c.allowed_roles)},
          {"root_credentials_rotate_statements", ToJsonArray(c.root_rotation_statements)},
          {"password_policy", c.password_policy},
          {"username_template", c.username_template},
          {"verify_connection", c.verify_connection}};
}

inline DbConfig ConfigFromJson(std::string name, const json::object& o) {
  DbConfig c;
  c.name = std::move(name);
  c.plugin_name = StringOr(o, "plugin_name");
  json::object d = o.contains("connection_details") && o.at("connection_details").is_object()
                       ? o.at("connection_details").as_object()
                       : json::object{};
  c.settings.name = c.name;
  c.settings.connection_url = StringOr(d, "connection_url");
  c.settings.username = StringOr(d, "username");
  c.settings.password = StringOr(d, "password");
  c.settings.max_open_connections = static_cast<int>(IntOr(d, "max_open_connections"));
  c.settings.max_idle_connections = static_cast<int>(IntOr(d, "max_idle_connections"));
  const json::value* esc = d.if_contains("disable_escaping");
  c.settings.disable_escaping = esc != nullptr && esc->is_bool() && esc->as_bool();
  std::string life = StringOr(d, "max_connection_lifetime");
  c.settings.max_connection_lifetime = std::chrono::seconds(std::atoll(life.c_str()));
  c.allowed_roles = StringsOf(o, "allowed_roles");
  c.root_rotation_statements = StringsOf(o, "root_credentials_rotate_statements");
  c.password_policy = StringOr(o, "password_policy");
  c.username_template = StringOr(o, "username_template");
  const json::value* v = o.if_contains("verify_connection");
  c.verify_connection = v == nullptr || !v->is_bool() || v->as_bool();
  return c;
}

struct DbRole {
  std::string db_name;
  std::vector<std::string> creation, revocation, rollback, renew;
  int64_t default_ttl = 0, max_ttl = 0;
  std::string credential_type = "password";
};

inline json::object RoleToJson(const DbRole& r) {
  return {{"db_name", r.db_name},
          {"creation_statements", ToJsonArray(r.creation)},
          {"revocation_statements", ToJsonArray(r.revocation)},
          {"rollback_statements", ToJsonArray(r.rollback)},
          {"renew_statements", ToJsonArray(r.renew)},
          {"default_ttl", r.default_ttl},
          {"max_ttl", r.max_ttl},
          {"credential_type", r.credential_type},
          {"credential_config", json::object{}}};
}

inline DbRole RoleFromJson(const json::object& o) {
  DbRole r;
  r.db_name = StringOr(o, "db_name");
  r.creation = StringsOf(o, "creation_statements");
  r.revocation = StringsOf(o, "revocation_statements");
  r.rollback = StringsOf(o, "rollback_statements");
  r.renew = StringsOf(o, "renew_statements");
  r.default_ttl = IntOr(o, "default_ttl");
  r.max_ttl = IntOr(o, "max_ttl");
  r.credential_type = StringOr(o, "credential_type");
  return r;
}

class Engine {
 public:
  explicit Engine(const logical::SystemView* system) : system_(system) {}
  ~Engine() {
    std::lock_guard lock(mu_);
    for (auto& [_, p] : plugins_) p->Close();
  }

  std::chrono::seconds DefaultTtl() const {
    return system_ ? system_->DefaultLeaseTtl() : std::chrono::hours(768);
  }
  std::chrono::seconds MaxTtl() const {
    return system_ ? system_->MaxLeaseTtl() : std::chrono::hours(768);
  }

  Result<std::optional<DbConfig>> LoadConfig(logical::Storage& s, const std::string& name) {
    ARCA_ASSIGN_OR_RETURN(auto v, logical::GetJson(s, "config/" + name));
    if (!v || !v->is_object()) return std::optional<DbConfig>();
    return std::optional<DbConfig>(ConfigFromJson(name, v->as_object()));
  }

  // The connection's plugin, created from its stored configuration on first use.
  Result<std::shared_ptr<DatabasePlugin>> Plugin(logical::Storage& s, const std::string& name) {
    {
      std::lock_guard lock(mu_);
      if (auto it = plugins_.find(name); it != plugins_.end()) return it->second;
    }
    ARCA_ASSIGN_OR_RETURN(auto cfg, LoadConfig(s, name));
    if (!cfg)
      return std::unexpected(InvalidRequest("unknown database connection \"" + name + "\""));
    auto factory = PluginRegistry().find(cfg->plugin_name);
    if (factory == PluginRegistry().end()) {
      return std::unexpected(InvalidRequest("unknown plugin \"" + cfg->plugin_name + "\""));
    }
    std::shared_ptr<DatabasePlugin> plugin = factory->second();
    ARCA_RETURN_IF_ERROR(plugin->Initialize(cfg->settings, false));
    std::lock_guard lock(mu_);
    auto [it, inserted] = plugins_.emplace(name, plugin);
    if (!inserted) plugin->Close();
    return it->second;
  }

  void Replace(const std::string& name, std::shared_ptr<DatabasePlugin> plugin) {
    std::shared_ptr<DatabasePlugin> old;
    {
      std::lock_guard lock(mu_);
      auto it = plugins_.find(name);
      if (it != plugins_.end()) old = it->second;
      if (plugin) {
        plugins_[name] = std::move(plugin);
      } else {
        plugins_.erase(name);
      }
    }
    if (old) old->Close();
  }

  Result<std::string> Password(const std::string& policy) {
    if (system_ == nullptr) return std::unexpected(Internal("no system view"));
    return system_->GeneratePassword(policy);
  }

  const logical::SystemView* system_;
  std::mutex mu_;
  std::map<std::string, std::shared_ptr<DatabasePlugin>> plugins_;  // guarded by mu_
  std::mutex static_mu_;  // serializes static role rotations
};

inline Path MakePath(std::string pattern, FieldMap fields,
                     std::map<Operation, logical::framework::OperationSpec> ops, std::string help) {
  Path p;
  p.pattern = std::move(pattern);
  p.fields = std::move(fields);
  p.operations = std::move(ops);
  p.help_synopsis = std::move(help);
  return p;
}

inline Result<Response> ListPrefix(Request& req, const std::string& prefix) {
  ARCA_ASSIGN_OR_RETURN(auto keys, req.storage->List(prefix));
  return Response::ListResponse(keys);
}

// Path groups and hooks, one file each.
std::vector<Path> ConfigPaths(Engine& e);               // paths_config.cc
std::vector<Path> RolePaths(Engine& e);                 // paths_roles.cc
logical::framework::SecretType CredsSecret(Engine& e);  // paths_roles.cc
std::vector<Path> StaticPaths(Engine& e);               // paths_static.cc
// Rotates the static roles that are due; failures are logged and retried on the next tick.
void RotateDue(Engine& e, logical::Storage& s);  // paths_static.cc

}  // namespace arca::engines::database::internal
