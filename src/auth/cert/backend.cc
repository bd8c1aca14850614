// The cert auth method's backend: the factory, shared storage helpers and the config path.
#include <algorithm>
#include <cctype>

#include "auth/cert/internal.h"
#include "logical/framework/framework_backend.h"

namespace arca::auth::cert {
namespace {

using logical::Operation;
using logical::Request;
using logical::Response;
namespace fw = logical::framework;

constexpr char kConfigKey[] = "config";
constexpr int64_t kMaxOcspCacheSize = 100000;

Status StoreConfig(logical::Storage& s, const Config& c) {
  json::object o;
  o["disable_binding"] = c.disable_binding;
  o["enable_identity_alias_metadata"] = c.enable_identity_alias_metadata;
  o["ocsp_cache_size"] = c.ocsp_cache_size;
  return logical::PutJson(s, kConfigKey, o);
}

}  // namespace

Result<logical::Storage*> StorageOf(const Request& req) {
  if (req.storage == nullptr) return Internal("cert: no storage");
  return req.storage;
}

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

Result<Config> LoadConfig(logical::Storage& s) {
  ARCA_ASSIGN_OR_RETURN(auto v, logical::GetJson(s, kConfigKey));
  Config c;
  if (!v) return c;
  if (!v->is_object()) return Internal("cert: corrupt config entry");
  const json::object& o = v->as_object();
  auto flag = [&](const char* k, bool& dst) -> Status {
    if (const auto* f = o.if_contains(k)) {
      if (!f->is_bool()) return Internal(std::string("cert: corrupt config field ") + k);
      dst = f->as_bool();
    }
    return OkStatus();
  };
  ARCA_RETURN_IF_ERROR(flag("disable_binding", c.disable_binding));
  ARCA_RETURN_IF_ERROR(flag("enable_identity_alias_metadata", c.enable_identity_alias_metadata));
  if (const auto* n = o.if_contains("ocsp_cache_size")) {
    if (!n->is_int64()) return Internal("cert: corrupt config field ocsp_cache_size");
    c.ocsp_cache_size = n->as_int64();
  }
  return c;
}

Result<std::map<std::string, std::set<std::string>>> LoadCrls(State& st, logical::Storage& s) {
  std::lock_guard lock(st.mu);
  if (st.crls) return *st.crls;
  std::map<std::string, std::set<std::string>> all;
  ARCA_ASSIGN_OR_RETURN(auto names, s.List("crls/"));
  for (const auto& name : names) {
    ARCA_ASSIGN_OR_RETURN(auto v, logical::GetJson(s, "crls/" + name));
    if (!v) continue;  // deleted in between
    const json::object* o = v->if_object();
    const json::value* serials = o ? o->if_contains("serials") : nullptr;
    if (o == nullptr || (serials != nullptr && !serials->is_object() && !serials->is_null())) {
      return Internal("cert: corrupt CRL entry \"" + name + "\"");
    }
    auto& set = all[name];
    if (serials != nullptr && serials->is_object()) {
      for (const auto& kv : serials->as_object()) set.emplace(kv.key());
    }
  }
  st.crls = all;
  return all;
}

fw::Path PathConfig() {
  fw::Path p;
  p.pattern = "config";
  p.help_synopsis = "Configure the cert auth method.";
  p.fields["disable_binding"] = {
      .type = fw::FieldType::kBool,
      .description =
          "If set, a renewal does not check that the client presents the login's "
          "certificate again."};
  p.fields["enable_identity_alias_metadata"] = {
      .type = fw::FieldType::kBool,
      .description = "If set, the login's metadata is stored on the identity alias."};
  p.fields["ocsp_cache_size"] = {.type = fw::FieldType::kInt,
                                 .description = "Size of the OCSP response cache (2-100000).",
                                 .default_value = 100};
  p.operations[Operation::kRead] = {
      [](Request& req, fw::FieldData&) -> Result<Response> {
        ARCA_ASSIGN_OR_RETURN(logical::Storage * s, StorageOf(req));
        ARCA_ASSIGN_OR_RETURN(Config c, LoadConfig(*s));
        return Response::WithData(
            {{"disable_binding", c.disable_binding},
             {"enable_identity_alias_metadata", c.enable_identity_alias_metadata},
             {"ocsp_cache_size", c.ocsp_cache_size}});
      },
      "Read the configuration."};
  p.operations[Operation::kUpdate] = {
      [](Request& req, fw::FieldData& d) -> Result<Response> {
        ARCA_ASSIGN_OR_RETURN(logical::Storage * s, StorageOf(req));
        ARCA_ASSIGN_OR_RETURN(Config c, LoadConfig(*s));
        if (d.Has("disable_binding")) c.disable_binding = d.GetBool("disable_binding");
        if (d.Has("enable_identity_alias_metadata")) {
          c.enable_identity_alias_metadata = d.GetBool("enable_identity_alias_metadata");
        }
        if (d.Has("ocsp_cache_size")) {
          int64_t n = d.GetInt("ocsp_cache_size");
          if (n < 2 || n > kMaxOcspCacheSize) {
            return InvalidRequest("invalid cache size, must be >= 2 and <= " +
                                  std::to_string(kMaxOcspCacheSize));
          }
          c.ocsp_cache_size = n;
        }
        ARCA_RETURN_IF_ERROR(StoreConfig(*s, c));
        return Response{};
      },
      "Change the configuration."};
  return p;
}

}  // namespace arca::auth::cert

namespace arca::auth {

Result<std::unique_ptr<logical::Backend>> NewCertBackend(const logical::BackendConfig& config,
                                                         CertOptions options) {
  using namespace cert;
  namespace fw = logical::framework;
  auto st = std::make_shared<State>();
  st->opts = std::move(options);
  st->system = config.system;
  fw::FrameworkBackend::Options o;
  o.type = "cert";
  o.kind = logical::BackendKind::kCredential;
  o.special_paths.unauthenticated = {"login"};
  o.help =
      "The cert auth method authenticates clients by the TLS client certificate of their "
      "connection, checked against trusted CA or client certificates registered under certs/.";
  o.paths = {PathConfig(),  PathLogin(st),  PathCertsList(),
             PathCerts(st), PathCrlsList(), PathCrls(st)};
  std::weak_ptr<State> weak = st;
  o.invalidate = [weak](std::string_view key) {
    if (key.starts_with("crls/")) {
      if (auto s = weak.lock()) s->DropCrls();
    }
  };
  ARCA_ASSIGN_OR_RETURN(auto b, fw::FrameworkBackend::Create(std::move(o)));
  return std::unique_ptr<logical::Backend>(std::move(b));
}

Result<std::unique_ptr<logical::Backend>> NewCertBackend(const logical::BackendConfig& config) {
  return NewCertBackend(config, CertOptions{});
}

}  // namespace arca::auth
