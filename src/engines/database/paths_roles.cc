// database/roles/:name, creds/:role and the creds lease (renew, revoke).
#include "engines/database/engine.h"

namespace arca::engines::database::internal {

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
      {"revocation_statements",
       FieldSchema{FieldType::kStringSlice, "statements removing the user"}},
      {"rollback_statements",
       FieldSchema{FieldType::kStringSlice, "statements undoing a failed creation"}},
      {"renew_statements", FieldSchema{FieldType::kStringSlice, "statements run on renewal"}},
      {"default_ttl", FieldSchema{FieldType::kDuration, "default lease TTL", 0}},
      {"max_ttl", FieldSchema{FieldType::kDuration, "maximum lease TTL", 0}},
      {"credential_type", FieldSchema{FieldType::kString, "password", "password"}},
      {"credential_config", FieldSchema{FieldType::kMap, "accepted"}},
  };
  auto write = [](Request& req, FieldData& f) -> Result<Response> {
    const std::string name = f.GetString("name");
    ARCA_ASSIGN_OR_RETURN(auto existing_v, logical::GetJson(*req.storage, "role/" + name));
    DbRole r =
        existing_v && existing_v->is_object() ? RoleFromJson(existing_v->as_object()) : DbRole{};
    const bool create = !existing_v;
    if (f.Has("db_name") || create) r.db_name = f.GetString("db_name");
    if (r.db_name.empty()) return std::unexpected(InvalidRequest("empty database name attribute"));
    if (f.Has("creation_statements") || create)
      r.creation = f.GetStringSlice("creation_statements");
    if (r.creation.empty())
      return std::unexpected(InvalidRequest("creation_statements are required"));
    if (f.Has("revocation_statements")) r.revocation = f.GetStringSlice("revocation_statements");
    if (f.Has("rollback_statements")) r.rollback = f.GetStringSlice("rollback_statements");
    if (f.Has("renew_statements")) r.renew = f.GetStringSlice("renew_statements");
    if (f.Has("default_ttl") || create) r.default_ttl = f.GetDuration("default_ttl").count();
    if (f.Has("max_ttl") || create) r.max_ttl = f.GetDuration("max_ttl").count();
    if (f.Has("credential_type") || create) r.credential_type = f.GetString("credential_type");
    if (r.credential_type != "password") {
      return std::unexpected(InvalidRequest("credential_type \"" + r.credential_type +
                                            "\" is unsupported: only password"));
    }
    if (r.max_ttl > 0 && r.default_ttl > r.max_ttl) {
      return std::unexpected(InvalidRequest("default_ttl cannot be greater than max_ttl"));
    }
    ARCA_RETURN_IF_ERROR(logical::PutJson(*req.storage, "role/" + name, RoleToJson(r)));
    return Response{};
  };
  std::vector<Path> paths;
  Path role =
      MakePath("roles/" + GenericNameRegex("name"), fields,
               {{Operation::kUpdate, {write, "Create or update a role."}},
                {Operation::kRead,
                 {[](Request& req, FieldData& f) -> Result<Response> {
                    ARCA_ASSIGN_OR_RETURN(
                        auto v, logical::GetJson(*req.storage, "role/" + f.GetString("name")));
                    if (!v || !v->is_object()) return Response{};
                    return Response::WithData(RoleToJson(RoleFromJson(v->as_object())));
                  },
                  "Read a role."}},
                {Operation::kDelete,
                 {[](Request& req, FieldData& f) -> Result<Response> {
                    ARCA_RETURN_IF_ERROR(req.storage->Delete("role/" + f.GetString("name")));
                    return Response{};
                  },
                  "Delete a role."}}},
               "A dynamic role.");
  role.existence_check = [](Request& req, FieldData& f) -> Result<bool> {
    ARCA_ASSIGN_OR_RETURN(auto v, req.storage->Get("role/" + f.GetString("name")));
    return v.has_value();
  };
  paths.push_back(std::move(role));
  paths.push_back(
      MakePath("roles/?", {},
               {{Operation::kList,
                 {[](Request& r, FieldData&) { return ListPrefix(r, "role/"); }, "List roles."}}},
               "Dynamic roles."));

  auto creds = [&e](Request& req, FieldData& f) -> Result<Response> {
    const std::string role_name = f.GetString("name");
    ARCA_ASSIGN_OR_RETURN(DbRole role, LoadRole(req, role_name));
    ARCA_ASSIGN_OR_RETURN(auto cfg, e.LoadConfig(*req.storage, role.db_name));
    if (!cfg)
      return std::unexpected(
          InvalidRequest("unknown database connection \"" + role.db_name + "\""));
    bool allowed = false;
    for (const auto& g : cfg->allowed_roles) allowed = allowed || GlobMatch(g, role_name);
    if (!allowed) return std::unexpected(InvalidRequest(role_name + " is not an allowed role"));
    ARCA_ASSIGN_OR_RETURN(auto plugin, e.Plugin(*req.storage, role.db_name));

    std::chrono::seconds max = role.max_ttl > 0 ? std::chrono::seconds(role.max_ttl) : e.MaxTtl();
    std::chrono::seconds ttl =
        role.default_ttl > 0 ? std::chrono::seconds(role.default_ttl) : e.DefaultTtl();
    if (ttl > max) ttl = max;
    std::string display = req.display_name.empty() ? "token" : req.display_name;
    std::string username;
    if (!cfg->username_template.empty()) {
      ARCA_ASSIGN_OR_RETURN(username, RenderUsernameTemplate(cfg->username_template, display,
                                                             role_name, NowMillis()));
      if (username.size() > plugin->MaxUsernameLength())
        username.resize(plugin->MaxUsernameLength());
    } else if (plugin->MaxUsernameLength() <= 16) {
      username =
          DefaultUsername(display, role_name, plugin->MaxUsernameLength(), NowSeconds(), 4, 4);
    } else {
      username = DefaultUsername(display, role_name, plugin->MaxUsernameLength(), NowSeconds());
    }
    ARCA_ASSIGN_OR_RETURN(std::string password, e.Password(cfg->password_policy));
    StatementValues values{username, password,
                           plugin->FormatExpiration(NowSeconds() + ttl.count())};
    if (auto s = plugin->Execute(role.creation, values); !s) {
      // Leave nothing half-created behind.
      std::vector<std::string> rollback =
          role.rollback.empty() ? plugin->DefaultRollbackStatements() : role.rollback;
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
  paths.push_back(MakePath(
      "creds/" + GenericNameRegex("name"), {{"name", FieldSchema{FieldType::kString, "role name"}}},
      {{Operation::kRead, {creds, "Create credentials."}}}, "Dynamic credentials for a role."));
  return paths;
}

logical::framework::SecretType CredsSecret(Engine& e) {
  logical::framework::SecretType t;
  t.revoke = [&e](Request& req) -> Result<Response> {
    const std::string username = StringOr(req.secret_internal, "username");
    const std::string db = StringOr(req.secret_internal, "db_name");
    const std::string role_name = StringOr(req.secret_internal, "role");
    ARCA_ASSIGN_OR_RETURN(auto plugin, e.Plugin(*req.storage, db));
    std::vector<std::string> stmts;
    ARCA_ASSIGN_OR_RETURN(auto v, logical::GetJson(*req.storage, "role/" + role_name));
    if (v && v->is_object()) stmts = RoleFromJson(v->as_object()).revocation;
    if (stmts.empty()) stmts = plugin->DefaultRevocationStatements();
    ARCA_RETURN_IF_ERROR(plugin->Execute(stmts, {username, "", ""}));
    return Response{};
  };
  t.renew = [&e](Request& req) -> Result<Response> {
    const std::string username = StringOr(req.secret_internal, "username");
    const std::string db = StringOr(req.secret_internal, "db_name");
    const std::string role_name = StringOr(req.secret_internal, "role");
    ARCA_ASSIGN_OR_RETURN(DbRole role, LoadRole(req, role_name));
    ARCA_ASSIGN_OR_RETURN(auto plugin, e.Plugin(*req.storage, db));
    std::chrono::seconds max = role.max_ttl > 0 ? std::chrono::seconds(role.max_ttl) : e.MaxTtl();
    std::chrono::seconds ttl = req.renew_increment.count() > 0 ? req.renew_increment
                               : role.default_ttl > 0 ? std::chrono::seconds(role.default_ttl)
                                                      : e.DefaultTtl();
    const int64_t now = NowSeconds();
    const int64_t hard_end =
        req.lease_issue_time > 0 ? req.lease_issue_time + max.count() : now + max.count();
    if (now + ttl.count() > hard_end)
      ttl = std::chrono::seconds(std::max<int64_t>(0, hard_end - now));
    std::vector<std::string> stmts =
        role.renew.empty() ? plugin->DefaultRenewStatements() : role.renew;
    if (!stmts.empty()) {
      ARCA_RETURN_IF_ERROR(
          plugin->Execute(stmts, {username, "", plugin->FormatExpiration(now + ttl.count())}));
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

}  // namespace arca::engines::database::internal
