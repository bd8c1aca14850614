// AcmeServer: config/acme, config/cluster and the external account binding keys
// (acme/new-eab and its directory variants, eab LIST, eab/:key_id DELETE). These are ordinary
// authenticated Vault paths with the JSON envelope.
#include <chrono>

#include "common/encoding.h"
#include "common/uuid.h"
#include "crypto/random.h"
#include "engines/pki/acme/acme_internal.h"

namespace arca::pki::acme {

using logical::Operation;
using logical::Request;
using logical::Response;
using logical::framework::FieldData;
using logical::framework::FieldSchema;
using logical::framework::FieldType;
using logical::framework::Path;

namespace {

bool IsHttpUrl(std::string_view s) {
  return (s.starts_with("http://") && s.size() > 7) || (s.starts_with("https://") && s.size() > 8);
}

}  // namespace

std::vector<Path> AcmeServer::ConfigPaths() {
  std::vector<Path> paths;

  Path acme;
  acme.pattern = "config/acme";
  acme.fields = {
      {"enabled", FieldSchema{FieldType::kBool, "whether ACME is enabled", false}},
      {"allowed_issuers", FieldSchema{FieldType::kCommaStringSlice, "issuers allowed for ACME", json::array{"*"}}},
      {"allowed_roles", FieldSchema{FieldType::kCommaStringSlice, "roles allowed for ACME", json::array{"*"}}},
      {"allow_role_ext_key_usage", FieldSchema{FieldType::kBool, "use the role's ext_key_usage", false}},
      {"default_directory_policy", FieldSchema{FieldType::kString, "forbid, sign-verbatim or role:<name>", "sign-verbatim"}},
      {"dns_resolver", FieldSchema{FieldType::kString, "host:port of a DNS resolver", ""}},
      {"eab_policy", FieldSchema{FieldType::kString, "not-required, new-account-required or always-required", "always-required"}},
      {"max_ttl", FieldSchema{FieldType::kDuration, "the longest TTL of an ACME certificate (0 = the role's)", 0}},
  };
  acme.operations[Operation::kRead] = {
      [](Request& req, FieldData&) -> Result<Response> {
        ARCA_ASSIGN_OR_RETURN(AcmeConfig c, LoadAcmeConfig(*req.storage));
        return Response::WithData(AcmeConfigJson(c));
      },
      "Read the ACME configuration."};
  acme.operations[Operation::kUpdate] = {
      [](Request& req, FieldData& f) -> Result<Response> {
        ARCA_ASSIGN_OR_RETURN(AcmeConfig c, LoadAcmeConfig(*req.storage));
        if (f.Has("enabled")) c.enabled = f.GetBool("enabled");
        if (f.Has("allowed_issuers")) c.allowed_issuers = f.GetStringSlice("allowed_issuers");
        if (f.Has("allowed_roles")) c.allowed_roles = f.GetStringSlice("allowed_roles");
        if (f.Has("allow_role_ext_key_usage")) c.allow_role_ext_key_usage = f.GetBool("allow_role_ext_key_usage");
        if (f.Has("default_directory_policy")) c.default_directory_policy = f.GetString("default_directory_policy");
        if (f.Has("dns_resolver")) c.dns_resolver = f.GetString("dns_resolver");
        if (f.Has("eab_policy")) c.eab_policy = f.GetString("eab_policy");
        if (f.Has("max_ttl")) c.max_ttl_seconds = f.GetDuration("max_ttl").count();
        const std::string& policy = c.default_directory_policy;
        if (policy != "forbid" && policy != "sign-verbatim" &&
            !(policy.starts_with("role:") && policy.size() > 5)) {
          return std::unexpected(InvalidRequest(
              "invalid default_directory_policy \"" + policy +
              "\": use forbid, sign-verbatim or role:<role name>"));
        }
        if (policy.starts_with("role:")) {
          const std::string role = policy.substr(5);
          bool allowed = false;
          for (const auto& r : c.allowed_roles) allowed = allowed || r == "*" || r == role;
          if (!allowed) {
            return std::unexpected(InvalidRequest("default directory policy " + policy +
                                                  " was not specified in allowed_roles"));
          }
        }
        if (c.eab_policy != "not-required" && c.eab_policy != "new-account-required" &&
            c.eab_policy != "always-required") {
          return std::unexpected(InvalidRequest(
              "invalid eab_policy \"" + c.eab_policy +
              "\": use not-required, new-account-required or always-required"));
        }
        if (c.allowed_issuers.empty()) return std::unexpected(InvalidRequest("allowed_issuers may not be empty"));
        if (c.allowed_roles.empty()) return std::unexpected(InvalidRequest("allowed_roles may not be empty"));
        if (c.max_ttl_seconds < 0) return std::unexpected(InvalidRequest("max_ttl may not be negative"));
        if (!c.dns_resolver.empty() && c.dns_resolver.rfind(':') == std::string::npos) {
          return std::unexpected(InvalidRequest("dns_resolver must be <host>:<port>"));
        }
        ARCA_RETURN_IF_ERROR(SaveAcmeConfig(*req.storage, c));
        return Response::WithData(AcmeConfigJson(c));
      },
      "Configure ACME."};
  acme.help_synopsis = "Configuration of the ACME server.";
  paths.push_back(std::move(acme));

  Path cluster;
  cluster.pattern = "config/cluster";
  cluster.fields = {
      {"path", FieldSchema{FieldType::kString, "this mount's URL as clients reach it, e.g. https://arca:8200/v1/pki"}},
      {"aia_path", FieldSchema{FieldType::kString, "the URL used in AIA templating"}},
  };
  cluster.operations[Operation::kRead] = {
      [](Request& req, FieldData&) -> Result<Response> {
        ARCA_ASSIGN_OR_RETURN(ClusterConfig c, LoadClusterConfig(*req.storage));
        return Response::WithData({{"path", c.path}, {"aia_path", c.aia_path}});
      },
      "Read the cluster URLs."};
  cluster.operations[Operation::kUpdate] = {
      [](Request& req, FieldData& f) -> Result<Response> {
        ARCA_ASSIGN_OR_RETURN(ClusterConfig c, LoadClusterConfig(*req.storage));
        if (f.Has("path")) c.path = f.GetString("path");
        if (f.Has("aia_path")) c.aia_path = f.GetString("aia_path");
        for (const auto& [name, value] : {std::pair<const char*, const std::string&>{"path", c.path},
                                          {"aia_path", c.aia_path}}) {
          if (!value.empty() && !IsHttpUrl(value)) {
            return std::unexpected(InvalidRequest(std::string(name) + " must be an http:// or https:// URL"));
          }
        }
        ARCA_RETURN_IF_ERROR(SaveClusterConfig(*req.storage, c));
        return Response::WithData({{"path", c.path}, {"aia_path", c.aia_path}});
      },
      "Set the cluster URLs."};
  cluster.help_synopsis = "The URLs this mount is reached at (used by ACME and AIA).";
  paths.push_back(std::move(cluster));

  Path new_eab;
  new_eab.pattern = R"((?:issuer/(?<issuer_ref>\w[\w.-]*)/)?(?:roles/(?<role>\w[\w.-]*)/)?acme/new-eab)";
  new_eab.fields = {{"issuer_ref", FieldSchema{FieldType::kString, "issuer reference"}},
                    {"role", FieldSchema{FieldType::kString, "role name"}}};
  new_eab.operations[Operation::kUpdate] = {
      [this](Request& req, FieldData& f) -> Result<Response> {
        EabKey k;
        k.id = GenerateUuid();
        k.key = crypto::RandomBytesString(32);
        if (std::string issuer = f.GetString("issuer_ref"); !issuer.empty()) k.directory += "issuer/" + issuer + "/";
        if (std::string role = f.GetString("role"); !role.empty()) k.directory += "roles/" + role + "/";
        k.created = Now();
        ARCA_RETURN_IF_ERROR(SaveEab(*req.storage, k));
        return Response::WithData({{"id", k.id},
                                   {"key_type", "hs"},
                                   {"key", Base64UrlEncode(k.key)},
                                   {"acme_directory", k.directory + "acme/directory"},
                                   {"created_on", FormatRfc3339(k.created)}});
      },
      "Create an external account binding key."};
  new_eab.help_synopsis = "Create an ACME external account binding (EAB) key.";
  paths.push_back(std::move(new_eab));

  Path list_eab;
  list_eab.pattern = "eab/?";
  list_eab.operations[Operation::kList] = {
      [](Request& req, FieldData&) -> Result<Response> {
        ARCA_ASSIGN_OR_RETURN(std::vector<std::string> ids, ListEabIds(*req.storage));
        json::object info;
        for (const auto& id : ids) {
          ARCA_ASSIGN_OR_RETURN(auto k, LoadEab(*req.storage, id));
          if (!k) continue;
          info[id] = json::object{{"key_type", "hs"},
                                  {"acme_directory", k->directory + "acme/directory"},
                                  {"created_on", FormatRfc3339(k->created)}};
        }
        Response r = Response::ListResponse(ids);
        if (!ids.empty()) r.data["key_info"] = std::move(info);
        return r;
      },
      "List the unused external account binding keys."};
  list_eab.help_synopsis = "ACME external account binding keys not yet used.";
  paths.push_back(std::move(list_eab));

  Path eab;
  eab.pattern = R"(eab/(?<key_id>[\w-]+))";
  eab.fields = {{"key_id", FieldSchema{FieldType::kString, "EAB key id"}}};
  eab.operations[Operation::kDelete] = {
      [](Request& req, FieldData& f) -> Result<Response> {
        ARCA_RETURN_IF_ERROR(DeleteEab(*req.storage, f.GetString("key_id")));
        return Response{};
      },
      "Delete an unused external account binding key."};
  eab.help_synopsis = "An ACME external account binding key.";
  paths.push_back(std::move(eab));
  return paths;
}

}  // namespace arca::pki::acme
