// database/static-roles/:name, static-creds/:name, rotate-role/:name and automatic rotation.
#include "common/log.h"
#include "engines/database/engine.h"

namespace arca::engines::database::internal {

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
                 {"rotation_statements", ToJsonArray(r.rotation_statements)},
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
  r.db_name = StringOr(o, "db_name");
  r.username = StringOr(o, "username");
  r.rotation_period = IntOr(o, "rotation_period");
  r.rotation_schedule = StringOr(o, "rotation_schedule");
  r.rotation_window = IntOr(o, "rotation_window");
  r.rotation_statements = StringsOf(o, "rotation_statements");
  r.password = StringOr(o, "password");
  r.last_rotation = IntOr(o, "last_rotation");
  r.next_rotation = IntOr(o, "next_rotation");
  return r;
}

Result<int64_t> NextRotation(const StaticRole& r, int64_t from) {
  if (!r.rotation_schedule.empty()) return NextCronTime(r.rotation_schedule, from);
  return from + r.rotation_period;
}

// Sets a new password on the database, then stores it. Caller holds static_mu_.
Status Rotate(Engine& e, logical::Storage& s, const std::string& name, StaticRole& r) {
  ARCA_ASSIGN_OR_RETURN(auto cfg, e.LoadConfig(s, r.db_name));
  if (!cfg)
    return std::unexpected(InvalidRequest("unknown database connection \"" + r.db_name + "\""));
  ARCA_ASSIGN_OR_RETURN(auto plugin, e.Plugin(s, r.db_name));
  ARCA_ASSIGN_OR_RETURN(std::string password, e.Password(cfg->password_policy));
  std::vector<std::string> stmts =
      r.rotation_statements.empty() ? plugin->DefaultRotationStatements() : r.rotation_statements;
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
      {"rotation_statements",
       FieldSchema{FieldType::kStringSlice, "statements setting the password"}},
      {"credential_type", FieldSchema{FieldType::kString, "password", "password"}},
  };
  auto write = [&e](Request& req, FieldData& f) -> Result<Response> {
    const std::string name = f.GetString("name");
    ARCA_ASSIGN_OR_RETURN(auto existing_v, logical::GetJson(*req.storage, "static-role/" + name));
    StaticRole r = existing_v && existing_v->is_object() ? StaticFromJson(existing_v->as_object())
                                                         : StaticRole{};
    const bool create = !existing_v;
    if (f.Has("db_name") || create) r.db_name = f.GetString("db_name");
    if (f.Has("username")) {
      if (!create && f.GetString("username") != r.username) {
        return std::unexpected(InvalidRequest("cannot update static account username"));
      }
      r.username = f.GetString("username");
    }
    if (r.db_name.empty()) return std::unexpected(InvalidRequest("empty database name attribute"));
    if (r.username.empty())
      return std::unexpected(
          InvalidRequest("username is a required field to create a static account"));
    if (f.Has("rotation_period")) r.rotation_period = f.GetDuration("rotation_period").count();
    if (f.Has("rotation_schedule")) r.rotation_schedule = f.GetString("rotation_schedule");
    if (f.Has("rotation_window")) r.rotation_window = f.GetDuration("rotation_window").count();
    if (f.Has("rotation_statements"))
      r.rotation_statements = f.GetStringSlice("rotation_statements");
    if (f.Has("credential_type") && f.GetString("credential_type") != "password") {
      return std::unexpected(InvalidRequest("credential_type \"" + f.GetString("credential_type") +
                                            "\" is unsupported: only password"));
    }
    if (f.Has("rotation_period") && f.Has("rotation_schedule")) {
      return std::unexpected(InvalidRequest(
          "mutually exclusive fields rotation_period and rotation_schedule were both specified"));
    }
    if (f.Has("rotation_schedule")) r.rotation_period = 0;
    if (f.Has("rotation_period")) r.rotation_schedule.clear();
    if (r.rotation_schedule.empty()) {
      if (r.rotation_period == 0)
        return std::unexpected(
            InvalidRequest("one of rotation_schedule or rotation_period must be provided"));
      if (r.rotation_period < 5)
        return std::unexpected(InvalidRequest("rotation_period must be 5 seconds or more"));
    } else {
      ARCA_RETURN_IF_ERROR(NextCronTime(r.rotation_schedule, NowSeconds()));
    }
    ARCA_ASSIGN_OR_RETURN(auto cfg, e.LoadConfig(*req.storage, r.db_name));
    if (!cfg)
      return std::unexpected(InvalidRequest("unknown database connection \"" + r.db_name + "\""));
    bool allowed = false;
    for (const auto& g : cfg->allowed_roles) allowed = allowed || GlobMatch(g, name);
    if (!allowed) return std::unexpected(InvalidRequest(name + " is not an allowed role"));
    std::lock_guard lock(e.static_mu_);
    if (create) {
      // Creating a static role rotates its password at once (Vault's behaviour).
      ARCA_RETURN_IF_ERROR(Rotate(e, *req.storage, name, r));
    } else {
      ARCA_ASSIGN_OR_RETURN(r.next_rotation, NextRotation(r, r.last_rotation));
      ARCA_RETURN_IF_ERROR(
          logical::PutJson(*req.storage, "static-role/" + name, StaticToJson(r, true)));
    }
    return Response{};
  };
  auto load = [](Request& req, const std::string& name) -> Result<std::optional<StaticRole>> {
    ARCA_ASSIGN_OR_RETURN(auto v, logical::GetJson(*req.storage, "static-role/" + name));
    if (!v || !v->is_object()) return std::optional<StaticRole>();
    return std::optional<StaticRole>(StaticFromJson(v->as_object()));
  };
  std::vector<Path> paths;
  Path role =
      MakePath("static-roles/" + GenericNameRegex("name"), fields,
               {{Operation::kUpdate, {write, "Create or update a static role."}},
                {Operation::kRead,
                 {[load](Request& req, FieldData& f) -> Result<Response> {
                    ARCA_ASSIGN_OR_RETURN(auto r, load(req, f.GetString("name")));
                    if (!r) return Response{};
                    return Response::WithData(StaticToJson(*r, false));
                  },
                  "Read a static role."}},
                {Operation::kDelete,
                 {[](Request& req, FieldData& f) -> Result<Response> {
                    ARCA_RETURN_IF_ERROR(req.storage->Delete("static-role/" + f.GetString("name")));
                    return Response{};
                  },
                  "Delete a static role (the database user stays)."}}},
               "A static role: an existing user whose password Arca rotates.");
  role.existence_check = [](Request& req, FieldData& f) -> Result<bool> {
    ARCA_ASSIGN_OR_RETURN(auto v, req.storage->Get("static-role/" + f.GetString("name")));
    return v.has_value();
  };
  paths.push_back(std::move(role));
  paths.push_back(MakePath("static-roles/?", {},
                           {{Operation::kList,
                             {[](Request& r, FieldData&) { return ListPrefix(r, "static-role/"); },
                              "List static roles."}}},
                           "Static roles."));
  FieldMap name_field = {{"name", FieldSchema{FieldType::kString, "static role name"}}};
  paths.push_back(MakePath(
      "static-creds/" + GenericNameRegex("name"), name_field,
      {{Operation::kRead,
        {[load](Request& req, FieldData& f) -> Result<Response> {
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
         },
         "Read a static role's credentials."}}},
      "Current credentials of a static role."));
  paths.push_back(MakePath("rotate-role/" + GenericNameRegex("name"), name_field,
                           {{Operation::kUpdate,
                             {[&e, load](Request& req, FieldData& f) -> Result<Response> {
                                const std::string name = f.GetString("name");
                                std::lock_guard lock(e.static_mu_);
                                ARCA_ASSIGN_OR_RETURN(auto r, load(req, name));
                                if (!r)
                                  return std::unexpected(InvalidRequest("unknown role: " + name));
                                ARCA_RETURN_IF_ERROR(Rotate(e, *req.storage, name, *r));
                                return Response{};
                              },
                              "Rotate a static role's password now."}}},
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

}  // namespace arca::engines::database::internal
