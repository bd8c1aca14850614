// role (LIST) and role/:name: which service accounts may log in, and their tokens.
#include <algorithm>
#include <cctype>

#include "auth/kubernetes/internal.h"

namespace arca::auth::kubernetes {
namespace {

using logical::Operation;
using logical::Request;
using logical::Response;

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

fw::FieldSchema Field(fw::FieldType t, const char* desc) {
  return fw::FieldSchema{.type = t, .description = desc};
}

bool Contains(const std::vector<std::string>& v, std::string_view s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

// Applies the fields of `d` onto `r` (creating: a new role) and validates the result; `r` is
// unchanged on error. Warnings go to `warnings`.
Status ApplyRoleFields(const State& st, const fw::FieldData& d, const std::string& name, Role& r,
                       std::vector<std::string>& warnings) {
  Role n = r;
  ARCA_RETURN_IF_ERROR(ParseTokenFields(d, n.token, /*legacy=*/true));
  if (st.system != nullptr) {
    const auto max = st.system->MaxLeaseTtl();
    if (max.count() > 0 && n.token.period > max) {
      return InvalidRequest("token period of '" + std::to_string(n.token.period.count()) +
                            "s' is greater than the backend's maximum lease TTL of '" +
                            std::to_string(max.count()) + "s'");
    }
    if (max.count() > 0 && n.token.max_ttl > max) {
      warnings.push_back(
          "max_ttl is greater than the system or backend mount's maximum TTL value; issued "
          "tokens' max TTL value will be truncated");
    }
  }
  if (d.Has("bound_service_account_names")) {
    n.bound_service_account_names = d.GetStringSlice("bound_service_account_names");
  }
  if (n.bound_service_account_names.empty()) {
    return InvalidRequest("\"bound_service_account_names\" can not be empty");
  }
  if (n.bound_service_account_names.size() > 1 && Contains(n.bound_service_account_names, "*")) {
    return InvalidRequest("can not mix \"*\" with values");
  }
  if (d.Has("bound_service_account_namespaces")) {
    n.bound_service_account_namespaces = d.GetStringSlice("bound_service_account_namespaces");
  }
  if (!d.GetString("bound_service_account_namespace_selector").empty()) {
    return InvalidRequest("bound_service_account_namespace_selector is not supported");
  }
  if (n.bound_service_account_namespaces.empty()) {
    return InvalidRequest(
        "\"bound_service_account_namespaces\" can not be empty if "
        "\"bound_service_account_namespace_selector\" is not set");
  }
  if (n.bound_service_account_namespaces.size() > 1 &&
      Contains(n.bound_service_account_namespaces, "*")) {
    return InvalidRequest("can not mix \"*\" with values");
  }
  if (d.Has("audience")) n.audience = d.GetString("audience");
  if (d.Has("alias_name_source")) {
    n.alias_name_source = d.GetString("alias_name_source");
    if (n.alias_name_source.empty()) n.alias_name_source = kAliasSourceUid;
  }
  if (n.alias_name_source != kAliasSourceUid && n.alias_name_source != kAliasSourceName) {
    return InvalidRequest(
        "invalid alias_name_source, must be one of: serviceaccount_uid, serviceaccount_name");
  }
  bool blank_audience = std::all_of(n.audience.begin(), n.audience.end(),
                                    [](unsigned char c) { return std::isspace(c) != 0; });
  if (blank_audience) {
    warnings.push_back("Role " + name +
                       " does not have an audience configured. While audiences are not "
                       "required, consider specifying one if your use case would benefit from "
                       "additional JWT claim verification.");
  }
  r = std::move(n);
  return OkStatus();
}

}  // namespace

fw::Path RoleListPath() {
  fw::Path p;
  p.pattern = "role/?";
  p.help_synopsis = "Lists the roles.";
  p.operations[Operation::kList] = {[](Request& req, fw::FieldData&) -> Result<Response> {
                                      ARCA_ASSIGN_OR_RETURN(logical::Storage * s, StorageOf(req));
                                      ARCA_ASSIGN_OR_RETURN(auto keys, s->List(kRolePrefix));
                                      return Response::ListResponse(keys);
                                    },
                                    "List the roles."};
  return p;
}

fw::Path RolePath(std::shared_ptr<State> st) {
  using fw::FieldType;
  fw::Path p;
  p.pattern = "role/" + fw::GenericNameRegex("name");
  p.help_synopsis = "Register a role: service accounts bound to token policies and settings.";
  p.fields["name"] = Field(FieldType::kString, "Name of the role.");
  p.fields["bound_service_account_names"] =
      Field(FieldType::kCommaStringSlice,
            "Service account names able to log in with this role (globs); \"*\" for all.");
  p.fields["bound_service_account_namespaces"] =
      Field(FieldType::kCommaStringSlice,
            "Namespaces allowed to log in with this role (globs); \"*\" for all.");
  p.fields["bound_service_account_namespace_selector"] =
      Field(FieldType::kString, "A label selector for namespaces (not supported).");
  p.fields["audience"] = Field(FieldType::kString, "Audience the JWT must be issued for.");
  p.fields["alias_name_source"] = Field(
      FieldType::kString,
      "Source of the identity alias name: serviceaccount_uid (default) or serviceaccount_name "
      "(<namespace>/<name>).");
  AddTokenFieldSchemas(p.fields, /*legacy=*/true);
  p.existence_check = [](Request& req, fw::FieldData& d) -> Result<bool> {
    ARCA_ASSIGN_OR_RETURN(logical::Storage * s, StorageOf(req));
    ARCA_ASSIGN_OR_RETURN(auto r, LoadRole(*s, d.GetString("name")));
    return r.has_value();
  };
  auto write = [st](Request& req, fw::FieldData& d) -> Result<Response> {
    ARCA_ASSIGN_OR_RETURN(logical::Storage * s, StorageOf(req));
    const std::string name = Lower(d.GetString("name"));
    ARCA_ASSIGN_OR_RETURN(auto existing, LoadRole(*s, name));
    Role r = existing.value_or(Role{});
    Response resp;
    ARCA_RETURN_IF_ERROR(ApplyRoleFields(*st, d, name, r, resp.warnings));
    ARCA_RETURN_IF_ERROR(logical::PutJson(*s, kRolePrefix + name, r.ToJson()));
    return resp;
  };
  p.operations[Operation::kCreate] = {write, "Create a role."};
  p.operations[Operation::kUpdate] = {write, "Update a role."};
  p.operations[Operation::kRead] = {
      [](Request& req, fw::FieldData& d) -> Result<Response> {
        ARCA_ASSIGN_OR_RETURN(logical::Storage * s, StorageOf(req));
        ARCA_ASSIGN_OR_RETURN(auto r, LoadRole(*s, d.GetString("name")));
        if (!r) return std::unexpected(Error(ErrorKind::kNotFound, std::vector<std::string>{}));
        json::object data;
        r->token.AddToResponse(data, /*legacy=*/true);
        data["bound_service_account_names"] = ToJsonArray(r->bound_service_account_names);
        data["bound_service_account_namespaces"] = ToJsonArray(r->bound_service_account_namespaces);
        data["bound_service_account_namespace_selector"] = "";
        if (!r->audience.empty()) data["audience"] = r->audience;
        data["alias_name_source"] = r->alias_name_source;
        return Response::WithData(std::move(data));
      },
      "Read a role."};
  p.operations[Operation::kDelete] = {
      [](Request& req, fw::FieldData& d) -> Result<Response> {
        ARCA_ASSIGN_OR_RETURN(logical::Storage * s, StorageOf(req));
        ARCA_RETURN_IF_ERROR(s->Delete(kRolePrefix + Lower(d.GetString("name"))));
        return Response{};
      },
      "Delete a role."};
  return p;
}

}  // namespace arca::auth::kubernetes
