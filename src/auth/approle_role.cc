// AppRole role paths: role (LIST), role/:name, its per-field sub-paths and role-id.
#include "auth/approle_internal.h"
#include "auth/cidr.h"
#include "common/uuid.h"

namespace arca::auth::approle {
namespace {

using logical::Operation;
using logical::Request;
using logical::Response;

fw::FieldSchema Field(fw::FieldType t, const char* desc) {
  return fw::FieldSchema{.type = t, .description = desc};
}

void AddRoleFieldSchemas(fw::FieldMap& f) {
  using fw::FieldType;
  f["bind_secret_id"] = Field(FieldType::kBool, "Require a secret ID at login.");
  f["bind_secret_id"].default_value = true;
  f["secret_id_bound_cidrs"] =
      Field(FieldType::kCommaStringSlice, "CIDR blocks allowed to log in with secret IDs.");
  f["secret_id_num_uses"] = Field(FieldType::kInt, "Uses of each secret ID (0 = unlimited).");
  f["secret_id_ttl"] = Field(FieldType::kDuration, "Lifetime of secret IDs (0 = no expiry).");
  f["local_secret_ids"] = Field(FieldType::kBool, "Secret IDs are cluster-local (create only).");
  f["role_id"] = Field(FieldType::kString, "A custom role ID (default: a random UUID).");
  AddTokenFieldSchemas(f);
}

// Applies the role fields given in `d` onto `r` and validates the result (`r` is unchanged on
// error). `creating`: local_secret_ids may only be set at creation.
Status ApplyRoleFields(const fw::FieldData& d, Role& r, bool creating) {
  Role n = r;
  if (d.Has("bind_secret_id")) n.bind_secret_id = d.GetBool("bind_secret_id");
  if (d.Has("secret_id_bound_cidrs"))
    n.secret_id_bound_cidrs = d.GetStringSlice("secret_id_bound_cidrs");
  if (d.Has("secret_id_num_uses")) n.secret_id_num_uses = d.GetInt("secret_id_num_uses");
  if (d.Has("secret_id_ttl")) n.secret_id_ttl = d.GetDuration("secret_id_ttl");
  if (d.Has("local_secret_ids")) {
    bool v = d.GetBool("local_secret_ids");
    if (!creating && v != n.local_secret_ids) {
      return InvalidRequest("local_secret_ids can only be modified during role creation");
    }
    n.local_secret_ids = v;
  }
  ARCA_RETURN_IF_ERROR(ParseTokenFields(d, n.token));
  if (Status c = ValidateCidrs(n.secret_id_bound_cidrs); !c) {
    return std::unexpected(c.error().WithContext("invalid secret_id_bound_cidrs"));
  }
  if (n.secret_id_num_uses < 0) return InvalidRequest("secret_id_num_uses cannot be negative");
  if (!n.bind_secret_id && n.secret_id_bound_cidrs.empty() && n.token.bound_cidrs.empty()) {
    return InvalidRequest("at least one constraint should be enabled on the role");
  }
  r = std::move(n);
  return OkStatus();
}

// Points role_id/<hmac(new_id)> at the role, removing the old index entry. 400 when the id
// belongs to another role. Caller holds st.RoleMutex().
Status SetRoleId(State& st, logical::Storage& s, Role& r, const std::string& new_id) {
  if (new_id.empty()) return InvalidRequest("role_id cannot be empty");
  ARCA_ASSIGN_OR_RETURN(auto other, RoleByRoleId(st, s, new_id));
  if (other && other->name != r.name) return InvalidRequest("role_id is already in use");
  if (!r.role_id.empty() && r.role_id != new_id) {
    ARCA_ASSIGN_OR_RETURN(std::string old_h, st.Hmac(s, r.role_id));
    ARCA_RETURN_IF_ERROR(s.Delete("role_id/" + old_h));
  }
  ARCA_ASSIGN_OR_RETURN(std::string h, st.Hmac(s, new_id));
  ARCA_RETURN_IF_ERROR(logical::PutJson(s, "role_id/" + h, json::object{{"name", r.name}}));
  r.role_id = new_id;
  return OkStatus();
}

std::string RolePattern(std::string_view suffix = "") {
  return "role/" + fw::GenericNameRegex("role_name") + std::string(suffix);
}

fw::Path RoleList() {
  fw::Path p;
  p.pattern = "role/?";
  p.help_synopsis = "Lists the roles.";
  p.operations[Operation::kList] = {[](Request& req, fw::FieldData&) -> Result<Response> {
                                      ARCA_ASSIGN_OR_RETURN(logical::Storage * s, StorageOf(req));
                                      ARCA_ASSIGN_OR_RETURN(auto keys, s->List("role/"));
                                      return Response::ListResponse(keys);
                                    },
                                    "List the roles."};
  return p;
}

fw::Path RoleCrud(std::shared_ptr<State> st) {
  fw::Path p;
  p.pattern = RolePattern();
  p.help_synopsis = "Manage an AppRole.";
  p.fields["role_name"] = Field(fw::FieldType::kString, "Name of the role.");
  AddRoleFieldSchemas(p.fields);
  p.existence_check = [](Request& req, fw::FieldData& d) -> Result<bool> {
    ARCA_ASSIGN_OR_RETURN(logical::Storage * s, StorageOf(req));
    ARCA_ASSIGN_OR_RETURN(auto r, LoadRole(*s, Lower(d.GetString("role_name"))));
    return r.has_value();
  };
  auto write = [st](Request& req, fw::FieldData& d) -> Result<Response> {
    ARCA_ASSIGN_OR_RETURN(logical::Storage * s, StorageOf(req));
    std::string name = Lower(d.GetString("role_name"));
    std::lock_guard l(st->RoleMutex());
    ARCA_ASSIGN_OR_RETURN(auto existing, LoadRole(*s, name));
    Role r = existing.value_or(Role{});
    r.name = name;
    ARCA_RETURN_IF_ERROR(ApplyRoleFields(d, r, !existing));
    std::string id = d.Has("role_id") ? d.GetString("role_id") : r.role_id;
    if (id.empty()) id = GenerateUuid();
    if (id != r.role_id) ARCA_RETURN_IF_ERROR(SetRoleId(*st, *s, r, id));
    ARCA_RETURN_IF_ERROR(SaveRole(*s, r));
    return Response{};
  };
  p.operations[Operation::kCreate] = {write, "Create a role."};
  p.operations[Operation::kUpdate] = {write, "Update a role."};
  p.operations[Operation::kRead] = {[](Request& req, fw::FieldData& d) -> Result<Response> {
                                      ARCA_ASSIGN_OR_RETURN(logical::Storage * s, StorageOf(req));
                                      ARCA_ASSIGN_OR_RETURN(
                                          auto r, LoadRole(*s, Lower(d.GetString("role_name"))));
                                      if (!r) return EmptyNotFound();
                                      Response resp;
                                      r->AddToResponse(resp.data);
                                      return resp;
                                    },
                                    "Read a role."};
  p.operations[Operation::kDelete] = {[st](Request& req, fw::FieldData& d) -> Result<Response> {
                                        ARCA_ASSIGN_OR_RETURN(logical::Storage * s, StorageOf(req));
                                        std::lock_guard l(st->RoleMutex());
                                        ARCA_ASSIGN_OR_RETURN(
                                            auto r, LoadRole(*s, Lower(d.GetString("role_name"))));
                                        if (r) ARCA_RETURN_IF_ERROR(DeleteRole(*st, *s, *r));
                                        return Response{};
                                      },
                                      "Delete a role and its secret IDs."};
  return p;
}

struct SubPath {
  const char* suffix;
  std::vector<const char*> fields;  // the first is the one an update requires
};

const std::vector<SubPath>& SubPaths() {
  static const std::vector<SubPath> kTable = {
      {"policies", {"token_policies", "policies"}},
      {"secret-id-num-uses", {"secret_id_num_uses"}},
      {"secret-id-ttl", {"secret_id_ttl"}},
      {"token-ttl", {"token_ttl"}},
      {"token-max-ttl", {"token_max_ttl"}},
      {"bind-secret-id", {"bind_secret_id"}},
      {"secret-id-bound-cidrs", {"secret_id_bound_cidrs"}},
      {"token-bound-cidrs", {"token_bound_cidrs"}},
      {"period", {"token_period", "period"}},
  };
  return kTable;
}

fw::Path RoleField(std::shared_ptr<State> st, const SubPath& sp) {
  fw::Path p;
  p.pattern = RolePattern(std::string("/") + sp.suffix);
  p.help_synopsis = std::string("Read, set or reset the ") + sp.suffix + " of a role.";
  p.fields["role_name"] = Field(fw::FieldType::kString, "Name of the role.");
  fw::FieldMap all;
  AddRoleFieldSchemas(all);
  for (const char* f : sp.fields) p.fields[f] = all.at(f);
  std::vector<std::string> names(sp.fields.begin(), sp.fields.end());
  p.operations[Operation::kRead] = {[names](Request& req, fw::FieldData& d) -> Result<Response> {
                                      ARCA_ASSIGN_OR_RETURN(logical::Storage * s, StorageOf(req));
                                      ARCA_ASSIGN_OR_RETURN(
                                          auto r, LoadRole(*s, Lower(d.GetString("role_name"))));
                                      if (!r) return EmptyNotFound();
                                      json::object full;
                                      r->AddToResponse(full);
                                      Response resp;
                                      for (const auto& n : names) resp.data[n] = full.at(n);
                                      return resp;
                                    },
                                    "Read the value."};
  auto change = [st, names](Request& req, fw::FieldData& d, bool reset) -> Result<Response> {
    ARCA_ASSIGN_OR_RETURN(logical::Storage * s, StorageOf(req));
    std::lock_guard l(st->RoleMutex());
    ARCA_ASSIGN_OR_RETURN(auto r, LoadRole(*s, Lower(d.GetString("role_name"))));
    if (!r) return InvalidRequest("role does not exist");
    json::object in;
    if (reset) {
      in[names[0]] = names[0] == "bind_secret_id" ? json::value(true) : json::value(nullptr);
    } else {
      bool given = false;
      for (const auto& n : names) given = given || d.Has(n);
      if (!given) return InvalidRequest("missing " + names[0]);
      for (const auto& n : names) {
        if (d.Has(n)) in[n] = d.Get(n);
      }
    }
    fw::FieldMap schema;
    AddRoleFieldSchemas(schema);
    ARCA_ASSIGN_OR_RETURN(fw::FieldData sub, fw::FieldData::Create(schema, std::move(in)));
    ARCA_RETURN_IF_ERROR(ApplyRoleFields(sub, *r, false));
    ARCA_RETURN_IF_ERROR(SaveRole(*s, *r));
    return Response{};
  };
  p.operations[Operation::kUpdate] = {
      [change](Request& req, fw::FieldData& d) { return change(req, d, false); }, "Set it."};
  p.operations[Operation::kDelete] = {
      [change](Request& req, fw::FieldData& d) { return change(req, d, true); }, "Reset it."};
  return p;
}

fw::Path RoleId(std::shared_ptr<State> st) {
  fw::Path p;
  p.pattern = RolePattern("/role-id");
  p.help_synopsis = "The role ID of a role.";
  p.fields["role_name"] = Field(fw::FieldType::kString, "Name of the role.");
  p.fields["role_id"] = Field(fw::FieldType::kString, "A custom role ID.");
  p.operations[Operation::kRead] = {
      [](Request& req, fw::FieldData& d) -> Result<Response> {
        ARCA_ASSIGN_OR_RETURN(logical::Storage * s, StorageOf(req));
        ARCA_ASSIGN_OR_RETURN(auto r, LoadRole(*s, Lower(d.GetString("role_name"))));
        if (!r) return EmptyNotFound();
        return Response::WithData(json::object{{"role_id", r->role_id}});
      },
      "Read the role ID."};
  p.operations[Operation::kUpdate] = {
      [st](Request& req, fw::FieldData& d) -> Result<Response> {
        ARCA_ASSIGN_OR_RETURN(logical::Storage * s, StorageOf(req));
        std::lock_guard l(st->RoleMutex());
        ARCA_ASSIGN_OR_RETURN(auto r, LoadRole(*s, Lower(d.GetString("role_name"))));
        if (!r) return InvalidRequest("role does not exist");
        if (!d.Has("role_id")) return InvalidRequest("missing role_id");
        ARCA_RETURN_IF_ERROR(SetRoleId(*st, *s, *r, d.GetString("role_id")));
        ARCA_RETURN_IF_ERROR(SaveRole(*s, *r));
        return Response{};
      },
      "Set a custom role ID."};
  return p;
}

}  // namespace

std::vector<fw::Path> RolePaths(std::shared_ptr<State> st) {
  std::vector<fw::Path> out{RoleList(), RoleCrud(st), RoleId(st)};
  for (const auto& sp : SubPaths()) out.push_back(RoleField(st, sp));
  return out;
}

}  // namespace arca::auth::approle
