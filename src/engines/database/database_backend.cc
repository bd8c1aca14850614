// The database engine's state (connection plugins) and its paths.
#include <algorithm>
#include <chrono>
#include <map>
#include <mutex>

#include "common/log.h"
#include "engines/database/database.h"
#include "engines/database/plugin.h"
#include "logical/framework/framework_backend.h"
#include "logical/storage.h"

namespace arca::engines::database {

using logical::Operation;
using logical::Request;
using logical::Response;
using logical::framework::FieldData;
using logical::framework::FieldMap;
using logical::framework::FieldSchema;
using logical::framework::FieldType;
using logical::framework::GenericNameRegex;
using logical::framework::Path;

namespace {

int64_t NowSeconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}
int64_t NowMillis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::string FormatRfc3339(int64_t t) {
  std::time_t tt = t;
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

json::array Arr(const std::vector<std::string>& v) {
  json::array a;
  for (const auto& s : v) a.emplace_back(s);
  return a;
}
std::vector<std::string> Vec(const json::object& o, std::string_view k) {
  std::vector<std::string> out;
  const json::value* v = o.if_contains(k);
  if (v != nullptr && v->is_array()) {
    for (const auto& i : v->as_array()) {
      if (i.is_string()) out.emplace_back(i.as_string());
    }
  }
  return out;
}
std::string Str(const json::object& o, std::string_view k) {
  const json::value* v = o.if_contains(k);
  return v != nullptr && v->is_string() ? std::string(v->as_string()) : "";
}
int64_t Int(const json::object& o, std::string_view k) {
  const json::value* v = o.if_contains(k);
  return v != nullptr && v->is_int64() ? v->as_int64() : 0;
}

bool GlobMatch(std::string_view pattern, std::string_view value) {
  size_t p = 0, v = 0, star = std::string_view::npos, mark = 0;
  while (v < value.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = v;
    } else if (p < pattern.size() && pattern[p] == value[v]) {
      ++p;
      ++v;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      v = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

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

json::object ConfigToJson(const DbConfig& c, bool with_password) {
  json::object details{{"connection_url", c.settings.connection_url},
                       {"username", c.settings.username},
                       {"max_open_connections", c.settings.max_open_connections},
                       {"disable_escaping", c.settings.disable_escaping},
                       {"max_idle_connections", c.settings.max_idle_connections},
                       {"max_connection_lifetime", std::to_string(c.settings.max_connection_lifetime.count()) + "s"}};
  if (with_password) details["password"] = c.settings.password;
  return {{"plugin_name", c.plugin_name},
          {"plugin_version", ""},
          {"connection_details", std::move(details)},
          {"allowed_roles", Arr(c.allowed_roles)},
          {"root_credentials_rotate_statements", Arr(c.root_rotation_statements)},
          {"password_policy", c.password_policy},
          {"username_template", c.username_template},
          {"verify_connection", c.verify_connection}};
}

DbConfig ConfigFromJson(std::string name, const json::object& o) {
  DbConfig c;
  c.name = std::move(name);
  c.plugin_name = Str(o, "plugin_name");
  json::object d = o.contains("connection_details") && o.at("connection_details").is_object()
                       ? o.at("connection_details").as_object()
                       : json::object{};
  c.settings.name = c.name;
  c.settings.connection_url = Str(d, "connection_url");
  c.settings.username = Str(d, "username");
  c.settings.password = Str(d, "password");
  c.settings.max_open_connections = static_cast<int>(Int(d, "max_open_connections"));
  c.settings.max_idle_connections = static_cast<int>(Int(d, "max_idle_connections"));
  const json::value* esc = d.if_contains("disable_escaping");
  c.settings.disable_escaping = esc != nullptr && esc->is_bool() && esc->as_bool();
  std::string life = Str(d, "max_connection_lifetime");
  c.settings.max_connection_lifetime = std::chrono::seconds(std::atoll(life.c_str()));
  c.allowed_roles = Vec(o, "allowed_roles");
  c.root_rotation_statements = Vec(o, "root_credentials_rotate_statements");
  c.password_policy = Str(o, "password_policy");
  c.username_template = Str(o, "username_template");
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

json::object RoleToJson(const DbRole& r) {
  return {{"db_name", r.db_name},
          {"creation_statements", Arr(r.creation)},
          {"revocation_statements", Arr(r.revocation)},
          {"rollback_statements", Arr(r.rollback)},
          {"renew_statements", Arr(r.renew)},
          {"default_ttl", r.default_ttl},
          {"max_ttl", r.max_ttl},
          {"credential_type", r.credential_type},
          {"credential_config", json::object{}}};
}

DbRole RoleFromJson(const json::object& o) {
  DbRole r;
  r.db_name = Str(o, "db_name");
  r.creation = Vec(o, "creation_statements");
  r.revocation = Vec(o, "revocation_statements");
  r.rollback = Vec(o, "rollback_statements");
  r.renew = Vec(o, "renew_statements");
  r.default_ttl = Int(o, "default_ttl");
  r.max_ttl = Int(o, "max_ttl");
  r.credential_type = Str(o, "credential_type");
  return r;
}

class Engine {
 public:
  explicit Engine(const logical::SystemView* system) : system_(system) {}
  ~Engine() {
    std::lock_guard lock(mu_);
    for (auto& [_, p] : plugins_) p->Close();
  }

  std::chrono::seconds DefaultTtl() const { return system_ ? system_->DefaultLeaseTtl() : std::chrono::hours(768); }
  std::chrono::seconds MaxTtl() const { return system_ ? system_->MaxLeaseTtl() : std::chrono::hours(768); }

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
    if (!cfg) return std::unexpected(InvalidRequest("unknown database connection \"" + name + "\""));
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

Path MakePath(std::string pattern, FieldMap fields, std::map<Operation, logical::framework::OperationSpec> ops,
              std::string help) {
  Path p;
  p.pattern = std::move(pattern);
  p.fields = std::move(fields);
  p.operations = std::move(ops);
  p.help_synopsis = std::move(help);
  return p;
}

Result<Response> ListPrefix(Request& req, const std::string& prefix) {
  ARCA_ASSIGN_OR_RETURN(auto keys, req.storage->List(prefix));
  return Response::ListResponse(keys);
}

// ---------------------------------------------------------------- connections

std::vector<Path> ConfigPaths(Engine& e) {
  FieldMap fields = {
      {"name", FieldSchema{FieldType::kString, "connection name"}},
      {"plugin_name", FieldSchema{FieldType::kString, "postgresql-database-plugin, mysql-database-plugin, ..."}},
      {"connection_url", FieldSchema{FieldType::kString, "connection string with {{username}}/{{password}}"}},
      {"username", FieldSchema{FieldType::kString, "root user"}},
      {"password", FieldSchema{FieldType::kString, "root password"}},
      {"allowed_roles", FieldSchema{FieldType::kCommaStringSlice, "roles (globs) allowed to use this connection"}},
      {"verify_connection", FieldSchema{FieldType::kBool, "connect before saving", true}},
      {"max_open_connections", FieldSchema{FieldType::kInt, "pool size", 4}},
      {"max_idle_connections", FieldSchema{FieldType::kInt, "idle connections kept", 0}},
      {"max_connection_lifetime", FieldSchema{FieldType::kDuration, "connection lifetime", 0}},
      {"username_template", FieldSchema{FieldType::kString, "template for dynamic user names"}},
      {"password_policy", FieldSchema{FieldType::kString, "password policy name"}},
      {"root_rotation_statements", FieldSchema{FieldType::kStringSlice, "statements for rotate-root"}},
      {"root_credentials_rotate_statements", FieldSchema{FieldType::kStringSlice, "alias of root_rotation_statements"}},
      {"plugin_version", FieldSchema{FieldType::kString, "accepted"}},
      {"disable_escaping", FieldSchema{FieldType::kBool, "do not URL-escape {{username}}/{{password}}", false}},
  };
  auto write = [&e](Request& req, FieldData& f) -> Result<Response> {
    const std::string name = f.GetString("name");
    ARCA_ASSIGN_OR_RETURN(auto existing, e.LoadConfig(*req.storage, name));
    DbConfig c = existing ? *existing : DbConfig{};
    c.name = name;
    c.settings.name = name;
    if (f.Has("plugin_name")) c.plugin_name = f.GetString("plugin_name");
    if (c.plugin_name.empty()) return std::unexpected(InvalidRequest("empty plugin name"));
    auto factory = PluginRegistry().find(c.plugin_name);
    if (factory == PluginRegistry().end()) {
      return std::unexpected(InvalidRequest("error creating database object: unknown plugin \"" + c.plugin_name + "\""));
    }
    if (f.Has("connection_url")) c.settings.connection_url = f.GetString("connection_url");
    if (f.Has("username")) c.settings.username = f.GetString("username");
    if (f.Has("password")) c.settings.password = f.GetString("password");
    if (f.Has("allowed_roles") || !existing) c.allowed_roles = f.GetStringSlice("allowed_roles");
    if (f.Has("verify_connection") || !existing) c.verify_connection = f.GetBool("verify_connection");
    if (f.Has("max_open_connections") || !existing) c.settings.max_open_connections = static_cast<int>(f.GetInt("max_open_connections"));
    if (f.Has("max_idle_connections") || !existing) c.settings.max_idle_connections = static_cast<int>(f.GetInt("max_idle_connections"));
    if (f.Has("max_connection_lifetime") || !existing) c.settings.max_connection_lifetime = f.GetDuration("max_connection_lifetime");
    if (f.Has("disable_escaping")) c.settings.disable_escaping = f.GetBool("disable_escaping");
    if (f.Has("username_template")) c.username_template = f.GetString("username_template");
    if (f.Has("password_policy")) c.password_policy = f.GetString("password_policy");
    if (f.Has("root_rotation_statements")) c.root_rotation_statements = f.GetStringSlice("root_rotation_statements");
    if (f.Has("root_credentials_rotate_statements")) c.root_rotation_statements = f.GetStringSlice("root_credentials_rotate_statements");
    if (c.settings.max_open_connections <= 0) return std::unexpected(InvalidRequest("max_open_connections must be positive"));
    if (c.settings.max_idle_connections < 0) return std::unexpected(InvalidRequest("max_idle_connections must not be negative"));
    if (!c.username_template.empty()) {
      ARCA_RETURN_IF_ERROR(RenderUsernameTemplate(c.username_template, "token", "role", NowMillis()));
    }
    if (!c.password_policy.empty()) {
      auto pw = e.Password(c.password_policy);
      if (!pw) return std::unexpected(pw.error());
    }
    std::shared_ptr<DatabasePlugin> plugin = factory->second();
    if (auto s = plugin->Initialize(c.settings, c.verify_connection); !s) {
      plugin->Close();
      return std::unexpected(InvalidRequest("error creating database object: " + s.error().message()));
    }
    ARCA_RETURN_IF_ERROR(logical::PutJson(*req.storage, "config/" + name, ConfigToJson(c, true)));
    e.Replace(name, plugin);
    return Response{};
  };
  auto read = [&e](Request& req, FieldData& f) -> Result<Response> {
    ARCA_ASSIGN_OR_RETURN(auto c, e.LoadConfig(*req.storage, f.GetString("name")));
    if (!c) return Response{};
    return Response::WithData(ConfigToJson(*c, false));
  };
  auto del = [&e](Request& req, FieldData& f) -> Result<Response> {
    const std::string name = f.GetString("name");
    ARCA_RETURN_IF_ERROR(req.storage->Delete("config/" + name));
    e.Replace(name, nullptr);
    return Response{};
  };
  Path config = MakePath("config/" + GenericNameRegex("name"), fields,
                         {{Operation::kUpdate, {write, "Configure a connection."}},
                          {Operation::kRead, {read, "Read a connection (without its password)."}},
                          {Operation::kDelete, {del, "Delete a connection."}}},
                         "A database connection.");
  config.existence_check = [&e](Request& req, FieldData& f) -> Result<bool> {
    ARCA_ASSIGN_OR_RETURN(auto c, e.LoadConfig(*req.storage, f.GetString("name")));
    return c.has_value();
  };
  std::vector<Path> paths;
  paths.push_back(std::move(config));
  paths.push_back(MakePath("config/?", {}, {{Operation::kList, {[](Request& r, FieldData&) { return ListPrefix(r, "config/"); }, "List connections."}}},
                           "Database connections."));
  FieldMap name_field = {{"name", FieldSchema{FieldType::kString, "connection name"}}};
  paths.push_back(MakePath("reset/" + GenericNameRegex("name"), name_field,
                           {{Operation::kUpdate, {[&e](Request& req, FieldData& f) -> Result<Response> {
                               const std::string name = f.GetString("name");
                               e.Replace(name, nullptr);
                               ARCA_RETURN_IF_ERROR(e.Plugin(*req.storage, name));
                               return Response{};
                             }, "Close and reopen a connection."}}},
                           "Reset a connection's plugin."));
  paths.push_back(MakePath("rotate-root/" + GenericNameRegex("name"), name_field,
                           {{Operation::kUpdate, {[&e](Request& req, FieldData& f) -> Result<Response> {
                               const std::string name = f.GetString("name");
                               ARCA_ASSIGN_OR_RETURN(auto c, e.LoadConfig(*req.storage, name));
                               if (!c) return std::unexpected(InvalidRequest("unknown database connection \"" + name + "\""));
                               if (c->settings.username.empty()) {
                                 return std::unexpected(InvalidRequest("unable to rotate root credentials: no username in configuration"));
                               }
                               ARCA_ASSIGN_OR_RETURN(auto plugin, e.Plugin(*req.storage, name));
                               ARCA_ASSIGN_OR_RETURN(std::string password, e.Password(c->password_policy));
                               std::vector<std::string> stmts = c->root_rotation_statements;
                               if (stmts.empty()) stmts = plugin->DefaultRootRotationStatements();
                               ARCA_RETURN_IF_ERROR(plugin->Execute(stmts, {c->settings.username, password, ""}));
                               c->settings.password = password;
                               ARCA_RETURN_IF_ERROR(logical::PutJson(*req.storage, "config/" + name, ConfigToJson(*c, true)));
                               plugin->SetRootPassword(password);
                               return Response{};
                             }, "Rotate the root credentials."}}},
                           "Rotate the connection's root password (only Arca knows the new one)."));
  return paths;
}

// ---------------------------------------------------------------- dynamic roles

Result<DbRole> LoadRole(Request& req, const std::string& name) {
  ARCA_ASSIGN_OR_RETURN(auto v, logical::GetJson(*req.storage, "role/" + name));
  if (!v || !v->is_object()) return std::unexpected(InvalidRequest("unknown role: " + name));
  return RoleFromJson(v->as_object());
}

std::vector<Path> RolePaths(Engine& e) {
  FieldMap fields = {
      {"name", FieldSchema{FieldType::kString, "role name"}},
      {"db_name", FieldSchema{FieldType::kString, "connection name"}},
      {"creation_statements", FieldSchema{FieldType::kStringSlice, "statements creating the user"}},
      {"revocation_statements", FieldSchema{FieldType::kStringSlice, "statements removing the user"}},
      {"rollback_statements", FieldSchema{FieldType::kStringSlice, "statements undoing a failed creation"}},
      {"renew_statements", FieldSchema{FieldType::kStringSlice, "statements run on renewal"}},
      {"default_ttl", FieldSchema{FieldType::kDuration, "default lease TTL", 0}},
      {"max_ttl", FieldSchema{FieldType::kDuration, "maximum lease TTL", 0}},
      {"credential_type", FieldSchema{FieldType::kString, "password", "password"}},
      {"credential_config", FieldSchema{FieldType::kMap, "accepted"}},
  };
  auto write = [](Request& req, FieldData& f) -> Result<Response> {
    const std::string name = f.GetString("name");
    ARCA_ASSIGN_OR_RETURN(auto existing_v, logical::GetJson(*req.storage, "role/" + name));
    DbRole r = existing_v && existing_v->is_object() ? RoleFromJson(existing_v->as_object()) : DbRole{};
    const bool create = !existing_v;
    if (f.Has("db_name") || create) r.db_name = f.GetString("db_name");
    if (r.db_name.empty()) return std::unexpected(InvalidRequest("empty database name attribute"));
    if (f.Has("creation_statements") || create) r.creation = f.GetStringSlice("creation_statements");
    if (r.creation.empty()) return std::unexpected(InvalidRequest("creation_statements are required"));
    if (f.Has("revocation_statements")) r.revocation = f.GetStringSlice("revocation_statements");
    if (f.Has("rollback_statements")) r.rollback = f.GetStringSlice("rollback_statements");
    if (f.Has("renew_statements")) r.renew = f.GetStringSlice("renew_statements");
    if (f.Has("default_ttl") || create) r.default_ttl = f.GetDuration("default_ttl").count();
    if (f.Has("max_ttl") || create) r.max_ttl = f.GetDuration("max_ttl").count();
    if (f.Has("credential_type") || create) r.credential_type = f.GetString("credential_type");
    if (r.credential_type != "password") {
      return std::unexpected(InvalidRequest("credential_type \"" + r.credential_type + "\" is unsupported: only password"));
    }
    if (r.max_ttl > 0 && r.default_ttl > r.max_ttl) {
      return std::unexpected(InvalidRequest("default_ttl cannot be greater than max_ttl"));
    }
    ARCA_RETURN_IF_ERROR(logical::PutJson(*req.storage, "role/" + name, RoleToJson(r)));
    return Response{};
  };
  std::vector<Path> paths;
  Path role = MakePath("roles/" + GenericNameRegex("name"), fields,
                       {{Operation::kUpdate, {write, "Create or update a role."}},
                        {Operation::kRead, {[](Request& req, FieldData& f) -> Result<Response> {
                           ARCA_ASSIGN_OR_RETURN(auto v, logical::GetJson(*req.storage, "role/" + f.GetString("name")));
                           if (!v || !v->is_object()) return Response{};
                           return Response::WithData(RoleToJson(RoleFromJson(v->as_object())));
                         }, "Read a role."}},
                        {Operation::kDelete, {[](Request& req, FieldData& f) -> Result<Response> {
                           ARCA_RETURN_IF_ERROR(req.storage->Delete("role/" + f.GetString("name")));
                           return Response{};
                         }, "Delete a role."}}},
                       "A dynamic role.");
  role.existence_check = [](Request& req, FieldData& f) -> Result<bool> {
    ARCA_ASSIGN_OR_RETURN(auto v, req.storage->Get("role/" + f.GetString("name")));
    return v.has_value();
  };
  paths.push_back(std::move(role));
  paths.push_back(MakePath("roles/?", {}, {{Operation::kList, {[](Request& r, FieldData&) { return ListPrefix(r, "role/"); }, "List roles."}}},
                           "Dynamic roles."));

  auto creds = [&e](Request& req, FieldData& f) -> Result<Response> {
    const std::string role_name = f.GetString("name");
    ARCA_ASSIGN_OR_RETURN(DbRole role, LoadRole(req, role_name));
    ARCA_ASSIGN_OR_RETURN(auto cfg, e.LoadConfig(*req.storage, role.db_name));
    if (!cfg) return std::unexpected(InvalidRequest("unknown database connection \"" + role.db_name + "\""));
    bool allowed = false;
    for (const auto& g : cfg->allowed_roles) allowed = allowed || GlobMatch(g, role_name);
    if (!allowed) return std::unexpected(InvalidRequest(role_name + " is not an allowed role"));
    ARCA_ASSIGN_OR_RETURN(auto plugin, e.Plugin(*req.storage, role.db_name));

    std::chrono::seconds max = role.max_ttl > 0 ? std::chrono::seconds(role.max_ttl) : e.MaxTtl();
    std::chrono::seconds ttl = role.default_ttl > 0 ? std::chrono::seconds(role.default_ttl) : e.DefaultTtl();
    if (ttl > max) ttl = max;
    std::string display = req.display_name.empty() ? "token" : req.display_name;
    std::string username;
    if (!cfg->username_template.empty()) {
      ARCA_ASSIGN_OR_RETURN(username, RenderUsernameTemplate(cfg->username_template, display, role_name, NowMillis()));
      if (username.size() > plugin->MaxUsernameLength()) username.resize(plugin->MaxUsernameLength());
    } else if (plugin->MaxUsernameLength() <= 16) {
      username = DefaultUsername(display, role_name, plugin->MaxUsernameLength(), NowSeconds(), 4, 4);
    } else {
      username = DefaultUsername(display, role_name, plugin->MaxUsernameLength(), NowSeconds());
    }
    ARCA_ASSIGN_OR_RETURN(std::string password, e.Password(cfg->password_policy));
    StatementValues values{username, password, plugin->FormatExpiration(NowSeconds() + ttl.count())};
    if (auto s = plugin->Execute(role.creation, values); !s) {
      // Leave nothing half-created behind.
      std::vector<std::string> rollback = role.rollback.empty() ? plugin->DefaultRollbackStatements() : role.rollback;
      (void)plugin->Execute(rollback, values);
      return std::unexpected(s.error());
    }
    Response resp = Response::WithData({{"username", username}, {"password", password}});
    logical::Secret secret;
    secret.ttl = ttl;
    secret.max_ttl = max;
    secret.renewable = true;
    secret.internal_data = logical::framework::SecretInternal(
        "creds", {{"username", username}, {"role", role_name}, {"db_name", role.db_name}});
    resp.secret = std::move(secret);
    return resp;
  };
  paths.push_back(MakePath("creds/" + GenericNameRegex("name"), {{"name", FieldSchema{FieldType::kString, "role name"}}},
                           {{Operation::kRead, {creds, "Create credentials."}}}, "Dynamic credentials for a role."));
  return paths;
}

logical::framework::SecretType CredsSecret(Engine& e) {
  logical::framework::SecretType t;
  t.revoke = [&e](Request& req) -> Result<Response> {
    const std::string username = Str(req.secret_internal, "username");
    const std::string db = Str(req.secret_internal, "db_name");
    const std::string role_name = Str(req.secret_internal, "role");
    ARCA_ASSIGN_OR_RETURN(auto plugin, e.Plugin(*req.storage, db));
    std::vector<std::string> stmts;
    ARCA_ASSIGN_OR_RETURN(auto v, logical::GetJson(*req.storage, "role/" + role_name));
    if (v && v->is_object()) stmts = RoleFromJson(v->as_object()).revocation;
    if (stmts.empty()) stmts = plugin->DefaultRevocationStatements();
    ARCA_RETURN_IF_ERROR(plugin->Execute(stmts, {username, "", ""}));
    return Response{};
  };
  t.renew = [&e](Request& req) -> Result<Response> {
    const std::string username = Str(req.secret_internal, "username");
    const std::string db = Str(req.secret_internal, "db_name");
    const std::string role_name = Str(req.secret_internal, "role");
    ARCA_ASSIGN_OR_RETURN(DbRole role, LoadRole(req, role_name));
    ARCA_ASSIGN_OR_RETURN(auto plugin, e.Plugin(*req.storage, db));
    std::chrono::seconds max = role.max_ttl > 0 ? std::chrono::seconds(role.max_ttl) : e.MaxTtl();
    std::chrono::seconds ttl = req.renew_increment.count() > 0 ? req.renew_increment
                               : role.default_ttl > 0        ? std::chrono::seconds(role.default_ttl)
                                                              : e.DefaultTtl();
    const int64_t now = NowSeconds();
    const int64_t hard_end = req.lease_issue_time > 0 ? req.lease_issue_time + max.count() : now + max.count();
    if (now + ttl.count() > hard_end) ttl = std::chrono::seconds(std::max<int64_t>(0, hard_end - now));
    std::vector<std::string> stmts = role.renew.empty() ? plugin->DefaultRenewStatements() : role.renew;
    if (!stmts.empty()) {
      ARCA_RETURN_IF_ERROR(plugin->Execute(stmts, {username, "", plugin->FormatExpiration(now + ttl.count())}));
    }
    Response resp;
    logical::Secret secret;
    secret.ttl = ttl;
    secret.max_ttl = max;
    secret.renewable = true;
    secret.internal_data = req.secret_internal;
    resp.secret = std::move(secret);
    return resp;
  };
  return t;
}

// ---------------------------------------------------------------- static roles

struct StaticRole {
  std::string db_name, username;
  int64_t rotation_period = 0;
  std::string rotation_schedule;
  int64_t rotation_window = 0;
  std::vector<std::string> rotation_statements;
  std::string password;
  int64_t last_rotation = 0;
  int64_t next_rotation = 0;
};

json::object StaticToJson(const StaticRole& r, bool internal) {
  json::object o{{"db_name", r.db_name},
                 {"username", r.username},
                 {"rotation_statements", Arr(r.rotation_statements)},
                 {"credential_type", "password"}};
  if (!r.rotation_schedule.empty()) {
    o["rotation_schedule"] = r.rotation_schedule;
    o["rotation_window"] = r.rotation_window;
  } else {
    o["rotation_period"] = r.rotation_period;
  }
  o["last_vault_rotation"] = FormatRfc3339(r.last_rotation);
  if (internal) {
    o["password"] = r.password;
    o["last_rotation"] = r.last_rotation;
    o["next_rotation"] = r.next_rotation;
    o["rotation_period"] = r.rotation_period;
    o["rotation_schedule"] = r.rotation_schedule;
  }
  return o;
}

StaticRole StaticFromJson(const json::object& o) {
  StaticRole r;
  r.db_name = Str(o, "db_name");
  r.username = Str(o, "username");
  r.rotation_period = Int(o, "rotation_period");
  r.rotation_schedule = Str(o, "rotation_schedule");
  r.rotation_window = Int(o, "rotation_window");
  r.rotation_statements = Vec(o, "rotation_statements");
  r.password = Str(o, "password");
  r.last_rotation = Int(o, "last_rotation");
  r.next_rotation = Int(o, "next_rotation");
  return r;
}

Result<int64_t> NextRotation(const StaticRole& r, int64_t from) {
  if (!r.rotation_schedule.empty()) return NextCronTime(r.rotation_schedule, from);
  return from + r.rotation_period;
}

// Sets a new password on the database, then stores it. Caller holds static_mu_.
Status Rotate(Engine& e, logical::Storage& s, const std::string& name, StaticRole& r) {
  ARCA_ASSIGN_OR_RETURN(auto cfg, e.LoadConfig(s, r.db_name));
  if (!cfg) return std::unexpected(InvalidRequest("unknown database connection \"" + r.db_name + "\""));
  ARCA_ASSIGN_OR_RETURN(auto plugin, e.Plugin(s, r.db_name));
  ARCA_ASSIGN_OR_RETURN(std::string password, e.Password(cfg->password_policy));
  std::vector<std::string> stmts = r.rotation_statements.empty() ? plugin->DefaultRotationStatements() : r.rotation_statements;
  ARCA_RETURN_IF_ERROR(plugin->Execute(stmts, {r.username, password, ""}));
  r.password = password;
  r.last_rotation = NowSeconds();
  ARCA_ASSIGN_OR_RETURN(r.next_rotation, NextRotation(r, r.last_rotation));
  return logical::PutJson(s, "static-role/" + name, StaticToJson(r, true));
}

std::vector<Path> StaticPaths(Engine& e) {
  FieldMap fields = {
      {"name", FieldSchema{FieldType::kString, "role name"}},
      {"db_name", FieldSchema{FieldType::kString, "connection name"}},
      {"username", FieldSchema{FieldType::kString, "the existing database user"}},
      {"rotation_period", FieldSchema{FieldType::kDuration, "rotate every (at least 5s)", 0}},
      {"rotation_schedule", FieldSchema{FieldType::kString, "cron schedule (5 fields)"}},
      {"rotation_window", FieldSchema{FieldType::kDuration, "window after the schedule", 0}},
      {"rotation_statements", FieldSchema{FieldType::kStringSlice, "statements setting the password"}},
      {"credential_type", FieldSchema{FieldType::kString, "password", "password"}},
  };
  auto write = [&e](Request& req, FieldData& f) -> Result<Response> {
    const std::string name = f.GetString("name");
    ARCA_ASSIGN_OR_RETURN(auto existing_v, logical::GetJson(*req.storage, "static-role/" + name));
    StaticRole r = existing_v && existing_v->is_object() ? StaticFromJson(existing_v->as_object()) : StaticRole{};
    const bool create = !existing_v;
    if (f.Has("db_name") || create) r.db_name = f.GetString("db_name");
    if (f.Has("username")) {
      if (!create && f.GetString("username") != r.username) {
        return std::unexpected(InvalidRequest("cannot update static account username"));
      }
      r.username = f.GetString("username");
    }
    if (r.db_name.empty()) return std::unexpected(InvalidRequest("empty database name attribute"));
    if (r.username.empty()) return std::unexpected(InvalidRequest("username is a required field to create a static account"));
    if (f.Has("rotation_period")) r.rotation_period = f.GetDuration("rotation_period").count();
    if (f.Has("rotation_schedule")) r.rotation_schedule = f.GetString("rotation_schedule");
    if (f.Has("rotation_window")) r.rotation_window = f.GetDuration("rotation_window").count();
    if (f.Has("rotation_statements")) r.rotation_statements = f.GetStringSlice("rotation_statements");
    if (f.Has("credential_type") && f.GetString("credential_type") != "password") {
      return std::unexpected(InvalidRequest("credential_type \"" + f.GetString("credential_type") + "\" is unsupported: only password"));
    }
    if (f.Has("rotation_period") && f.Has("rotation_schedule")) {
      return std::unexpected(InvalidRequest("mutually exclusive fields rotation_period and rotation_schedule were both specified"));
    }
    if (f.Has("rotation_schedule")) r.rotation_period = 0;
    if (f.Has("rotation_period")) r.rotation_schedule.clear();
    if (r.rotation_schedule.empty()) {
      if (r.rotation_period == 0) return std::unexpected(InvalidRequest("one of rotation_schedule or rotation_period must be provided"));
      if (r.rotation_period < 5) return std::unexpected(InvalidRequest("rotation_period must be 5 seconds or more"));
    } else {
      ARCA_RETURN_IF_ERROR(NextCronTime(r.rotation_schedule, NowSeconds()));
    }
    ARCA_ASSIGN_OR_RETURN(auto cfg, e.LoadConfig(*req.storage, r.db_name));
    if (!cfg) return std::unexpected(InvalidRequest("unknown database connection \"" + r.db_name + "\""));
    bool allowed = false;
    for (const auto& g : cfg->allowed_roles) allowed = allowed || GlobMatch(g, name);
    if (!allowed) return std::unexpected(InvalidRequest(name + " is not an allowed role"));
    std::lock_guard lock(e.static_mu_);
    if (create) {
      // Creating a static role rotates its password at once (Vault's behaviour).
      ARCA_RETURN_IF_ERROR(Rotate(e, *req.storage, name, r));
    } else {
      ARCA_ASSIGN_OR_RETURN(r.next_rotation, NextRotation(r, r.last_rotation));
      ARCA_RETURN_IF_ERROR(logical::PutJson(*req.storage, "static-role/" + name, StaticToJson(r, true)));
    }
    return Response{};
  };
  auto load = [](Request& req, const std::string& name) -> Result<std::optional<StaticRole>> {
    ARCA_ASSIGN_OR_RETURN(auto v, logical::GetJson(*req.storage, "static-role/" + name));
    if (!v || !v->is_object()) return std::optional<StaticRole>();
    return std::optional<StaticRole>(StaticFromJson(v->as_object()));
  };
  std::vector<Path> paths;
  Path role = MakePath("static-roles/" + GenericNameRegex("name"), fields,
                       {{Operation::kUpdate, {write, "Create or update a static role."}},
                        {Operation::kRead, {[load](Request& req, FieldData& f) -> Result<Response> {
                           ARCA_ASSIGN_OR_RETURN(auto r, load(req, f.GetString("name")));
                           if (!r) return Response{};
                           return Response::WithData(StaticToJson(*r, false));
                         }, "Read a static role."}},
                        {Operation::kDelete, {[](Request& req, FieldData& f) -> Result<Response> {
                           ARCA_RETURN_IF_ERROR(req.storage->Delete("static-role/" + f.GetString("name")));
                           return Response{};
                         }, "Delete a static role (the database user stays)."}}},
                       "A static role: an existing user whose password Arca rotates.");
  role.existence_check = [](Request& req, FieldData& f) -> Result<bool> {
    ARCA_ASSIGN_OR_RETURN(auto v, req.storage->Get("static-role/" + f.GetString("name")));
    return v.has_value();
  };
  paths.push_back(std::move(role));
  paths.push_back(MakePath("static-roles/?", {}, {{Operation::kList, {[](Request& r, FieldData&) { return ListPrefix(r, "static-role/"); }, "List static roles."}}},
                           "Static roles."));
  FieldMap name_field = {{"name", FieldSchema{FieldType::kString, "static role name"}}};
  paths.push_back(MakePath("static-creds/" + GenericNameRegex("name"), name_field,
                           {{Operation::kRead, {[load](Request& req, FieldData& f) -> Result<Response> {
                               ARCA_ASSIGN_OR_RETURN(auto r, load(req, f.GetString("name")));
                               if (!r) return std::unexpected(InvalidRequest("unknown role: " + f.GetString("name")));
                               json::object data{{"username", r->username},
                                                 {"password", r->password},
                                                 {"last_vault_rotation", FormatRfc3339(r->last_rotation)},
                                                 {"ttl", std::max<int64_t>(0, r->next_rotation - NowSeconds())}};
                               if (!r->rotation_schedule.empty()) {
                                 data["rotation_schedule"] = r->rotation_schedule;
                               } else {
                                 data["rotation_period"] = r->rotation_period;
                               }
                               return Response::WithData(std::move(data));
                             }, "Read a static role's credentials."}}},
                           "Current credentials of a static role."));
  paths.push_back(MakePath("rotate-role/" + GenericNameRegex("name"), name_field,
                           {{Operation::kUpdate, {[&e, load](Request& req, FieldData& f) -> Result<Response> {
                               const std::string name = f.GetString("name");
                               std::lock_guard lock(e.static_mu_);
                               ARCA_ASSIGN_OR_RETURN(auto r, load(req, name));
                               if (!r) return std::unexpected(InvalidRequest("unknown role: " + name));
                               ARCA_RETURN_IF_ERROR(Rotate(e, *req.storage, name, *r));
                               return Response{};
                             }, "Rotate a static role's password now."}}},
                           "Rotate a static role's password."));
  return paths;
}

// Rotates the static roles that are due. Failures are retried on the next tick.
void RotateDue(Engine& e, logical::Storage& s) {
  auto names = s.List("static-role/");
  if (!names) return;
  const int64_t now = NowSeconds();
  for (const auto& name : *names) {
    std::lock_guard lock(e.static_mu_);
    auto v = logical::GetJson(s, "static-role/" + name);
    if (!v || !*v || !(*v)->is_object()) continue;
    StaticRole r = StaticFromJson((*v)->as_object());
    if (r.next_rotation > now) continue;
    if (auto st = Rotate(e, s, name, r); !st) {
      spdlog::warn("database: rotating static role {} failed: {}", name, st.error().message());
    }
  }
}

class DatabaseBackend : public logical::Backend {
 public:
  explicit DatabaseBackend(const logical::BackendConfig& config) : engine_(config.system) {}
  Status Init() {
    logical::framework::FrameworkBackend::Options o;
    o.type = "database";
    for (auto* group : {&ConfigPaths, &RolePaths, &StaticPaths}) {
      for (auto& p : (*group)(engine_)) o.paths.push_back(std::move(p));
    }
    o.secrets = {{"creds", CredsSecret(engine_)}};
    o.periodic = [this](logical::Storage& s) { RotateDue(engine_, s); };
    o.help = "The database secrets engine creates database users on demand and rotates static ones.";
    ARCA_ASSIGN_OR_RETURN(framework_, logical::framework::FrameworkBackend::Create(std::move(o)));
    return {};
  }
  Result<Response> HandleRequest(Request& req) override { return framework_->HandleRequest(req); }
  Result<logical::ExistenceCheck> HandleExistenceCheck(Request& req) override {
    return framework_->HandleExistenceCheck(req);
  }
  const logical::SpecialPaths& GetSpecialPaths() const override { return framework_->GetSpecialPaths(); }
  void Cleanup() override { framework_->Cleanup(); }
  void Periodic(logical::Storage& s) override { framework_->Periodic(s); }
  std::string_view Type() const override { return "database"; }
  logical::BackendKind Kind() const override { return logical::BackendKind::kLogical; }

 private:
  Engine engine_;
  std::unique_ptr<logical::framework::FrameworkBackend> framework_;
};

}  // namespace

Result<std::unique_ptr<logical::Backend>> NewDatabaseBackend(const logical::BackendConfig& config) {
  auto b = std::make_unique<DatabaseBackend>(config);
  ARCA_RETURN_IF_ERROR(b->Init());
  return std::unique_ptr<logical::Backend>(std::move(b));
}

}  // namespace arca::engines::database
