// database/config/:name, reset/:name, rotate-root/:name.
#include "engines/database/engine.h"

namespace arca::engines::database::internal {

std::vector<Path> ConfigPaths(Engine& e) {
  FieldMap fields = {
      {"name", FieldSchema{FieldType::kString, "connection name"}},
      {"plugin_name",
       FieldSchema{FieldType::kString, "postgresql-database-plugin, mysql-database-plugin, ..."}},
      {"connection_url",
       FieldSchema{FieldType::kString, "connection string with {{username}}/{{password}}"}},
      {"username", FieldSchema{FieldType::kString, "root user"}},
      {"password", FieldSchema{FieldType::kString, "root password"}},
      {"allowed_roles",
       FieldSchema{FieldType::kCommaStringSlice, "roles (globs) allowed to use this connection"}},
      {"verify_connection", FieldSchema{FieldType::kBool, "connect before saving", true}},
      {"max_open_connections", FieldSchema{FieldType::kInt, "pool size", 4}},
      {"max_idle_connections", FieldSchema{FieldType::kInt, "idle connections kept", 0}},
      {"max_connection_lifetime", FieldSchema{FieldType::kDuration, "connection lifetime", 0}},
      {"username_template", FieldSchema{FieldType::kString, "template for dynamic user names"}},
      {"password_policy", FieldSchema{FieldType::kString, "password policy name"}},
      {"root_rotation_statements",
       FieldSchema{FieldType::kStringSlice, "statements for rotate-root"}},
      {"root_credentials_rotate_statements",
       FieldSchema{FieldType::kStringSlice, "alias of root_rotation_statements"}},
      {"plugin_version", FieldSchema{FieldType::kString, "accepted"}},
      {"disable_escaping",
       FieldSchema{FieldType::kBool, "do not URL-escape {{username}}/{{password}}", false}},
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
      return std::unexpected(InvalidRequest("error creating database object: unknown plugin \"" +
                                            c.plugin_name + "\""));
    }
    if (f.Has("connection_url")) c.settings.connection_url = f.GetString("connection_url");
    if (f.Has("username")) c.settings.username = f.GetString("username");
    if (f.Has("password")) c.settings.password = f.GetString("password");
    if (f.Has("allowed_roles") || !existing) c.allowed_roles = f.GetStringSlice("allowed_roles");
    if (f.Has("verify_connection") || !existing)
      c.verify_connection = f.GetBool("verify_connection");
    if (f.Has("max_open_connections") || !existing)
      c.settings.max_open_connections = static_cast<int>(f.GetInt("max_open_connections"));
    if (f.Has("max_idle_connections") || !existing)
      c.settings.max_idle_connections = static_cast<int>(f.GetInt("max_idle_connections"));
    if (f.Has("max_connection_lifetime") || !existing)
      c.settings.max_connection_lifetime = f.GetDuration("max_connection_lifetime");
    if (f.Has("disable_escaping")) c.settings.disable_escaping = f.GetBool("disable_escaping");
    if (f.Has("username_template")) c.username_template = f.GetString("username_template");
    if (f.Has("password_policy")) c.password_policy = f.GetString("password_policy");
    if (f.Has("root_rotation_statements"))
      c.root_rotation_statements = f.GetStringSlice("root_rotation_statements");
    if (f.Has("root_credentials_rotate_statements"))
      c.root_rotation_statements = f.GetStringSlice("root_credentials_rotate_statements");
    if (c.settings.max_open_connections <= 0)
      return std::unexpected(InvalidRequest("max_open_connections must be positive"));
    if (c.settings.max_idle_connections < 0)
      return std::unexpected(InvalidRequest("max_idle_connections must not be negative"));
    if (!c.username_template.empty()) {
      ARCA_RETURN_IF_ERROR(
          RenderUsernameTemplate(c.username_template, "token", "role", NowMillis()));
    }
    if (!c.password_policy.empty()) {
      auto pw = e.Password(c.password_policy);
      if (!pw) return std::unexpected(pw.error());
    }
    std::shared_ptr<DatabasePlugin> plugin = factory->second();
    if (auto s = plugin->Initialize(c.settings, c.verify_connection); !s) {
      plugin->Close();
      return std::unexpected(
          InvalidRequest("error creating database object: " + s.error().message()));
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
  paths.push_back(MakePath(
      "config/?", {},
      {{Operation::kList,
        {[](Request& r, FieldData&) { return ListPrefix(r, "config/"); }, "List connections."}}},
      "Database connections."));
  FieldMap name_field = {{"name", FieldSchema{FieldType::kString, "connection name"}}};
  paths.push_back(MakePath("reset/" + GenericNameRegex("name"), name_field,
                           {{Operation::kUpdate,
                             {[&e](Request& req, FieldData& f) -> Result<Response> {
                                const std::string name = f.GetString("name");
                                e.Replace(name, nullptr);
                                ARCA_RETURN_IF_ERROR(e.Plugin(*req.storage, name));
                                return Response{};
                              },
                              "Close and reopen a connection."}}},
                           "Reset a connection's plugin."));
  paths.push_back(MakePath(
      "rotate-root/" + GenericNameRegex("name"), name_field,
      {{Operation::kUpdate,
        {[&e](Request& req, FieldData& f) -> Result<Response> {
           const std::string name = f.GetString("name");
           ARCA_ASSIGN_OR_RETURN(auto c, e.LoadConfig(*req.storage, name));
           if (!c)
             return std::unexpected(InvalidRequest("unknown database connection \"" + name + "\""));
           if (c->settings.username.empty()) {
             return std::unexpected(
                 InvalidRequest("unable to rotate root credentials: no username in configuration"));
           }
           ARCA_ASSIGN_OR_RETURN(auto plugin, e.Plugin(*req.storage, name));
           ARCA_ASSIGN_OR_RETURN(std::string password, e.Password(c->password_policy));
           std::vector<std::string> stmts = c->root_rotation_statements;
           if (stmts.empty()) stmts = plugin->DefaultRootRotationStatements();
           ARCA_RETURN_IF_ERROR(plugin->Execute(stmts, {c->settings.username, password, ""}));
           c->settings.password = password;
           ARCA_RETURN_IF_ERROR(
               logical::PutJson(*req.storage, "config/" + name, ConfigToJson(*c, true)));
           plugin->SetRootPassword(password);
           return Response{};
         },
         "Rotate the root credentials."}}},
      "Rotate the connection's root password (only Arca knows the new one)."));
  return paths;
}

}  // namespace arca::engines::database::internal
