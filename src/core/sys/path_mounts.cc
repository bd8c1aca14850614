// sys/mounts, sys/auth (list, enable, read, disable, tune), sys/internal/ui/mounts.
#include "core/sys/paths.h"

#include "common/duration.h"
#include "core/policy/acl.h"
#include "core/policy_store.h"

namespace arca::core::sys {
namespace {

using logical::Operation;
using logical::Request;
using logical::Response;
namespace fw = logical::framework;

// A TTL given as a duration string, a number of seconds, or "system" (= 0, the default).
Result<std::chrono::seconds> ParseTtlValue(const json::value& v, std::string_view name) {
  if (v.is_int64() && v.as_int64() < 0) {
    return InvalidRequest(std::string(name) + " must not be negative");
  }
  if (v.is_int64() || v.is_uint64()) {
    auto d = DurationFromNumber(v);
    if (!d) return InvalidRequest("invalid " + std::string(name) + ": " + d.error().message());
    return *d;
  }
  if (v.is_string()) {
    std::string_view s = v.as_string();
    if (s == "system" || s.empty()) return std::chrono::seconds(0);
    auto d = ParseDuration(s);
    if (!d) return InvalidRequest("invalid " + std::string(name) + ": " + d.error().message());
    return *d;
  }
  return InvalidRequest(std::string(name) + " must be a duration string or a number of seconds");
}

// Whether a token with `acl` may see the mount at `mount_path` ("secret/", "auth/userpass/")
// in sys/internal/ui/mounts: some capability on the mount path itself, or some rule that grants
// something below it (as Vault's hasMountAccess).
bool HasMountAccess(const policy::Acl& acl, std::string_view mount_path) {
  const uint32_t caps = acl.Capabilities(mount_path);
  if (caps != 0 && (caps & policy::kDeny) == 0) return true;
  return acl.AnyAllowedUnder(mount_path);
}

Result<std::vector<std::string>> StringList(const json::value& v, std::string_view name) {
  std::vector<std::string> out;
  if (v.is_string()) {
    std::string_view s = v.as_string();
    size_t start = 0;
    while (start <= s.size() && !s.empty()) {
      size_t comma = s.find(',', start);
      std::string_view part = s.substr(start, comma == std::string_view::npos ? s.npos : comma - start);
      if (!part.empty()) out.emplace_back(part);
      if (comma == std::string_view::npos) break;
      start = comma + 1;
    }
    return out;
  }
  if (!v.is_array()) return InvalidRequest(std::string(name) + " must be a list of strings");
  for (const auto& e : v.as_array()) {
    if (!e.is_string()) return InvalidRequest(std::string(name) + " must be a list of strings");
    out.emplace_back(e.as_string());
  }
  return out;
}

// Vault's user_lockout_config object: lockout_threshold (number or numeric string),
// lockout_duration and lockout_counter_reset (durations), lockout_disable (bool). Keys not
// given keep `base`'s values.
Result<logical::LockoutConfig> ParseUserLockout(const json::value& v,
                                                const logical::LockoutConfig& base) {
  if (!v.is_object()) return InvalidRequest("user_lockout_config must be an object");
  logical::LockoutConfig c = base;
  for (const auto& kv : v.as_object()) {
    std::string_view k = kv.key();
    const json::value& x = kv.value();
    if (k == "lockout_threshold") {
      int64_t n = -1;
      if (x.is_int64()) {
        n = x.as_int64();
      } else if (x.is_uint64()) {
        n = static_cast<int64_t>(x.as_uint64());
      } else if (x.is_string()) {
        std::string_view s = x.as_string();
        n = (!s.empty() && s.size() < 10 &&
             s.find_first_not_of("0123456789") == std::string_view::npos)
                ? std::stoll(std::string(s))
                : -1;
      }
      if (n < 0) return InvalidRequest("lockout_threshold must be a non-negative integer");
      c.threshold = n;
    } else if (k == "lockout_duration") {
      ARCA_ASSIGN_OR_RETURN(c.duration, ParseTtlValue(x, k));
    } else if (k == "lockout_counter_reset") {
      ARCA_ASSIGN_OR_RETURN(c.counter_reset, ParseTtlValue(x, k));
    } else if (k == "lockout_disable") {
      if (x.is_bool()) {
        c.disable = x.as_bool();
      } else if (x.is_string() && (x.as_string() == "true" || x.as_string() == "false")) {
        c.disable = x.as_string() == "true";
      } else {
        return InvalidRequest("lockout_disable must be a boolean");
      }
    } else {
      return InvalidRequest("unknown user_lockout_config key \"" + std::string(k) + "\"");
    }
  }
  return c;
}

// Applies the keys of a mount "config" object (enable) or a tune request to `c`.
Status ApplyConfig(const json::object& in, MountConfig& c, bool is_auth) {
  for (const auto& kv : in) {
    std::string_view k = kv.key();
    const json::value& v = kv.value();
    if (k == "default_lease_ttl") {
      ARCA_ASSIGN_OR_RETURN(c.default_lease_ttl, ParseTtlValue(v, k));
    } else if (k == "max_lease_ttl") {
      ARCA_ASSIGN_OR_RETURN(c.max_lease_ttl, ParseTtlValue(v, k));
    } else if (k == "force_no_cache") {
      if (!v.is_bool()) return InvalidRequest("force_no_cache must be a boolean");
      c.force_no_cache = v.as_bool();
    } else if (k == "list_filter_by_acl") {
      if (v.is_bool()) {
        c.list_filter_by_acl = v.as_bool();
      } else if (v.is_string() && (v.as_string() == "true" || v.as_string() == "false")) {
        c.list_filter_by_acl = v.as_string() == "true";
      } else {
        return InvalidRequest("list_filter_by_acl must be a boolean");
      }
    } else if (k == "listing_visibility") {
      if (!v.is_string()) return InvalidRequest("listing_visibility must be a string");
      std::string_view lv = v.as_string();
      if (lv != "" && lv != "unauth" && lv != "hidden") {
        return InvalidRequest("invalid listing_visibility " + std::string(lv));
      }
      c.listing_visibility = std::string(lv);
    } else if (k == "audit_non_hmac_request_keys") {
      ARCA_ASSIGN_OR_RETURN(c.audit_non_hmac_request_keys, StringList(v, k));
    } else if (k == "audit_non_hmac_response_keys") {
      ARCA_ASSIGN_OR_RETURN(c.audit_non_hmac_response_keys, StringList(v, k));
    } else if (k == "passthrough_request_headers") {
      ARCA_ASSIGN_OR_RETURN(c.passthrough_request_headers, StringList(v, k));
    } else if (k == "allowed_response_headers") {
      ARCA_ASSIGN_OR_RETURN(c.allowed_response_headers, StringList(v, k));
    } else if (k == "token_type" && is_auth) {
      if (!v.is_string()) return InvalidRequest("token_type must be a string");
      std::string_view t = v.as_string();
      if (t != "default-service" && t != "default-batch" && t != "service" && t != "batch") {
        return InvalidRequest("invalid value for \"token_type\": " + std::string(t));
      }
      c.token_type = std::string(t);
    } else if (k == "user_lockout_config" && is_auth) {
      ARCA_ASSIGN_OR_RETURN(
          c.user_lockout,
          ParseUserLockout(v, c.user_lockout.value_or(logical::LockoutConfig{})));
    } else if (k == "user_lockout_config") {
      return InvalidRequest("user_lockout_config applies to auth mounts only");
    } else if (k == "plugin_version" || k == "description" || k == "options" ||
               k == "delegated_auth_accessors" || k == "plugin_name") {
      // handled elsewhere or accepted without effect
    } else {
      return InvalidRequest("unknown mount configuration key \"" + std::string(k) + "\"");
    }
  }
  if (c.default_lease_ttl.count() > 0 && c.max_lease_ttl.count() > 0 &&
      c.default_lease_ttl > c.max_lease_ttl) {
    return InvalidRequest("default lease TTL cannot be greater than max lease TTL");
  }
  return OkStatus();
}

Result<std::map<std::string, std::string>> ParseOptions(const json::object& o) {
  std::map<std::string, std::string> out;
  for (const auto& kv : o) {
    const auto& v = kv.value();
    if (v.is_string()) out[std::string(kv.key())] = std::string(v.as_string());
    else if (v.is_int64()) out[std::string(kv.key())] = std::to_string(v.as_int64());
    else if (v.is_bool()) out[std::string(kv.key())] = v.as_bool() ? "true" : "false";
    else return InvalidRequest("options values must be strings");
  }
  return out;
}

json::object TuneJson(const MountEntry& e, const MountRoute& r) {
  json::object d;
  d["description"] = e.description;
  d["default_lease_ttl"] = r.DefaultLeaseTtl().count();
  d["max_lease_ttl"] = r.MaxLeaseTtl().count();
  d["force_no_cache"] = e.config.force_no_cache;
  if (!e.config.listing_visibility.empty()) d["listing_visibility"] = e.config.listing_visibility;
  d["list_filter_by_acl"] = e.config.list_filter_by_acl;
  if (e.is_auth) d["token_type"] = e.config.token_type.empty() ? "default-service" : e.config.token_type;
  if (e.config.user_lockout) {
    json::object l = e.config.user_lockout->ToJson();
    // Vault reads them back as strings ("5", "900s").
    l["lockout_threshold"] = std::to_string(e.config.user_lockout->threshold);
    l["lockout_duration"] = std::to_string(e.config.user_lockout->duration.count()) + "s";
    l["lockout_counter_reset"] = std::to_string(e.config.user_lockout->counter_reset.count()) + "s";
    d["user_lockout_config"] = std::move(l);
  }
  if (!e.options.empty()) {
    json::object o;
    for (const auto& [k, v] : e.options) o[k] = v;
    d["options"] = std::move(o);
  }
  return d;
}

std::string NormalizeMountPath(std::string p) {
  while (!p.empty() && p.front() == '/') p.erase(p.begin());
  if (!p.empty() && p.back() != '/') p.push_back('/');
  return p;
}

// The paths for one table: sys/mounts (is_auth=false) or sys/auth (is_auth=true).
void AddTablePaths(Core& core, bool is_auth, std::vector<fw::Path>& paths) {
  const std::string base = is_auth ? "auth" : "mounts";

  fw::Path list;
  list.pattern = base;
  list.help_synopsis = is_auth ? "List the currently enabled credential backends."
                               : "List the currently mounted backends.";
  list.operations[Operation::kRead] = {[&core, is_auth](Request&, fw::FieldData&) -> Result<Response> {
    json::object d;
    for (const auto& r : core.router().All()) {
      MountEntry e = r->entry();
      if (e.is_auth != is_auth) continue;
      d[e.path] = e.ToApiJson();
    }
    Response resp = Response::WithData(std::move(d));
    resp.data_at_top_level = true;
    return resp;
  }, "List mounts."};
  paths.push_back(std::move(list));

  fw::Path tune;
  tune.pattern = base + "/(?<path>.+?)/tune";
  tune.help_synopsis = "Tune backend configuration parameters for this mount.";
  tune.fields["path"] = Field(fw::FieldType::kString, "The path of the mount.");
  for (const char* f : {"default_lease_ttl", "max_lease_ttl", "description", "options",
                        "listing_visibility", "force_no_cache", "audit_non_hmac_request_keys",
                        "audit_non_hmac_response_keys", "passthrough_request_headers",
                        "allowed_response_headers", "token_type", "plugin_version",
                        "user_lockout_config", "list_filter_by_acl"}) {
    tune.fields[f] = Field(fw::FieldType::kString, "See Vault's sys/mounts tune documentation.");
  }
  // Tune fields are validated by ApplyConfig from the raw body (they mix types).
  for (const char* f : {"options", "user_lockout_config"}) tune.fields[f].type = fw::FieldType::kMap;
  for (const char* f : {"audit_non_hmac_request_keys", "audit_non_hmac_response_keys",
                        "passthrough_request_headers", "allowed_response_headers"}) {
    tune.fields[f].type = fw::FieldType::kCommaStringSlice;
  }
  for (const char* f : {"force_no_cache", "list_filter_by_acl"}) {
    tune.fields[f].type = fw::FieldType::kBool;
  }
  auto find_route = [&core, is_auth](const std::string& raw) -> Result<std::shared_ptr<MountRoute>> {
    std::string p = NormalizeMountPath(raw);
    std::string router_path = is_auth ? "auth/" + p : p;
    auto r = core.router().Find(router_path);
    if (!r) return InvalidRequest("cannot fetch sysview for path \"" + router_path + "\"");
    return r;
  };
  tune.operations[Operation::kRead] = {[find_route](Request&, fw::FieldData& d) -> Result<Response> {
    ARCA_ASSIGN_OR_RETURN(auto r, find_route(d.GetString("path")));
    Response resp = Response::WithData(TuneJson(r->entry(), *r));
    resp.data_at_top_level = true;
    return resp;
  }, "Read tuning parameters."};
  tune.operations[Operation::kUpdate] = {[&core, find_route, is_auth](Request& req, fw::FieldData& d) -> Result<Response> {
    ARCA_ASSIGN_OR_RETURN(auto r, find_route(d.GetString("path")));
    MountEntry e = r->entry();
    json::object body = req.data;
    body.erase("path");
    ARCA_RETURN_IF_ERROR(ApplyConfig(body, e.config, is_auth));
    if (auto it = body.find("description"); it != body.end()) {
      if (!it->value().is_string()) return InvalidRequest("description must be a string");
      e.description = std::string(it->value().as_string());
    }
    if (auto it = body.find("options"); it != body.end() && !it->value().is_null()) {
      if (!it->value().is_object()) return InvalidRequest("options must be an object");
      ARCA_ASSIGN_OR_RETURN(auto opts, ParseOptions(it->value().as_object()));
      for (auto& [k, v] : opts) {
        if (k == "version" && e.type == "kv") {
          auto cur = e.options.count("version") ? e.options["version"] : "1";
          if (v != "1" && v != "2") {
            return InvalidRequest("invalid kv version \"" + v + "\": must be 1 or 2");
          }
          if (cur == "2" && v == "1") {
            return InvalidRequest("cannot downgrade a KV mount from version 2 to version 1");
          }
        }
        e.options[k] = v;
      }
    }
    std::string router_path = r->router_path();
    r.reset();  // TuneMount may wait for the route's other holders (in-flight requests)
    ARCA_RETURN_IF_ERROR(core.TuneMount(router_path, e));
    return Response{};
  }, "Tune the mount."};
  paths.push_back(std::move(tune));

  fw::Path one;
  one.pattern = base + "/(?<path>.+)";
  one.help_synopsis = is_auth ? "Enable a new credential backend with a name."
                              : "Mount a new backend at a new path.";
  one.fields["path"] = Field(fw::FieldType::kString, "The path to mount to.");
  one.fields["type"] = Field(fw::FieldType::kString, "The type of the backend.");
  one.fields["description"] = Field(fw::FieldType::kString, "User-friendly description for this mount.");
  one.fields["config"] = Field(fw::FieldType::kMap, "Configuration for this mount, such as default_lease_ttl and max_lease_ttl.");
  one.fields["options"] = Field(fw::FieldType::kMap, "The options to pass into the backend, such as version=2.");
  one.fields["local"] = Field(fw::FieldType::kBool, "Mark the mount as local (not replicated).");
  one.fields["seal_wrap"] = Field(fw::FieldType::kBool, "Whether to turn on seal wrapping for the mount.");
  one.fields["external_entropy_access"] = Field(fw::FieldType::kBool, "Whether to give the mount access to external entropy.");
  one.fields["plugin_name"] = Field(fw::FieldType::kString, "Name of the plugin (deprecated alias of type).");
  one.fields["plugin_version"] = Field(fw::FieldType::kString, "The semantic version of the plugin to use.");
  one.operations[Operation::kRead] = {[&core, is_auth](Request&, fw::FieldData& d) -> Result<Response> {
    std::string p = NormalizeMountPath(d.GetString("path"));
    auto r = core.router().Find(is_auth ? "auth/" + p : p);
    if (!r) return InvalidRequest("No " + std::string(is_auth ? "auth" : "secret") + " engine mount at " + p);
    Response resp = Response::WithData(r->entry().ToApiJson());
    resp.data_at_top_level = true;
    return resp;
  }, "Read the mount."};
  auto enable = [&core, is_auth](Request&, fw::FieldData& d) -> Result<Response> {
    MountEntry e;
    e.is_auth = is_auth;
    e.path = NormalizeMountPath(d.GetString("path"));
    e.type = d.GetString("type");
    if (e.type.empty()) e.type = d.GetString("plugin_name");
    if (e.type.empty()) return InvalidRequest("backend type must be specified as a string");
    e.description = d.GetString("description");
    ARCA_RETURN_IF_ERROR(ApplyConfig(d.GetMap("config"), e.config, is_auth));
    ARCA_ASSIGN_OR_RETURN(e.options, ParseOptions(d.GetMap("options")));
    if (!is_auth && e.type == "kv-v2") {
      e.type = "kv";
      e.options["version"] = "2";
    }
    if (!is_auth && e.type == "generic") {  // Vault's old name of KV version 1
      e.type = "kv";
      if (!e.options.count("version")) e.options["version"] = "1";
    }
    if (!is_auth && e.type == "kv" && e.options.count("version")) {
      const std::string& v = e.options["version"];
      if (v != "1" && v != "2") return InvalidRequest("invalid KV version \"" + v + "\": must be 1 or 2");
    }
    e.local = d.GetBool("local");
    e.seal_wrap = d.GetBool("seal_wrap");
    e.external_entropy_access = d.GetBool("external_entropy_access");
    e.plugin_version = d.GetString("plugin_version");
    ARCA_RETURN_IF_ERROR(core.EnableMount(std::move(e)));
    return Response{};
  };
  one.operations[Operation::kUpdate] = {enable, "Enable a mount."};
  one.operations[Operation::kDelete] = {[&core, is_auth](Request&, fw::FieldData& d) -> Result<Response> {
    ARCA_RETURN_IF_ERROR(core.DisableMount(NormalizeMountPath(d.GetString("path")), is_auth));
    return Response{};
  }, "Disable the mount."};
  paths.push_back(std::move(one));
}

}  // namespace

std::vector<fw::Path> MountPaths(Core& core) {
  std::vector<fw::Path> paths;
  AddTablePaths(core, false, paths);
  AddTablePaths(core, true, paths);

  // The UI listing uses the same entry shape as sys/mounts.
  auto mount_info = [](const MountEntry& e) { return e.ToApiJson(); };

  fw::Path ui;
  ui.pattern = "internal/ui/mounts";
  ui.help_synopsis = "Information about mounts visible to the caller, for the UI and CLI.";
  ui.operations[Operation::kRead] = {[&core, mount_info](Request& req, fw::FieldData&) -> Result<Response> {
    // Unauthenticated (no valid token): the mounts tuned listing_visibility="unauth", with
    // their type, description and options only. With a token: those and the mounts the
    // token has some capability under, in full (Vault's rule).
    const bool authed = !req.client_token_accessor.empty();
    std::shared_ptr<const policy::Acl> acl;
    if (authed && !req.is_root_token) {
      ARCA_ASSIGN_OR_RETURN(acl, core.policies().AclFor(req.policies, req.entity_id));
    }
    json::object secret, auth;
    for (const auto& r : core.router().All()) {
      const MountEntry& e = r->entry();
      const bool listed = e.config.listing_visibility == "unauth";
      if (!listed && !(authed && (!acl || HasMountAccess(*acl, e.RouterPath())))) continue;
      json::object info;
      if (authed) {
        info = mount_info(e);
      } else {
        info["type"] = e.type;
        info["description"] = e.description;
        json::object options;
        for (const auto& [k, v] : e.options) options[k] = v;
        info["options"] =
            e.options.empty() ? json::value(nullptr) : json::value(std::move(options));
      }
      (e.is_auth ? auth : secret)[e.path] = std::move(info);
    }
    json::object d;
    d["secret"] = std::move(secret);
    d["auth"] = std::move(auth);
    return Response::WithData(std::move(d));
  }, "List visible mounts."};
  paths.push_back(std::move(ui));

  fw::Path ui_one;
  ui_one.pattern = "internal/ui/mounts/(?<path>.+)";
  ui_one.help_synopsis = "Information about the mount that serves a path.";
  ui_one.fields["path"] = Field(fw::FieldType::kString, "A path served by the mount.");
  ui_one.operations[Operation::kRead] = {[&core, mount_info](Request& req, fw::FieldData& d) -> Result<Response> {
    std::string p = d.GetString("path");
    while (!p.empty() && p.front() == '/') p.erase(p.begin());
    if (!p.ends_with('/')) p.push_back('/');
    // One answer (403) for "no such mount" and "no access", so that the path cannot be used
    // to find out which mounts exist (Vault's rule).
    const auto denied = [&p] {
      return PermissionDenied(
          "preflight capability check returned 403, please ensure client's policies grant "
          "access to path \"" + p + "\"");
    };
    if (req.client_token_accessor.empty()) return denied();
    auto match = core.router().Route(p);
    if (!match) return denied();
    MountEntry e = match->route->entry();
    if (!req.is_root_token) {
      ARCA_ASSIGN_OR_RETURN(auto acl, core.policies().AclFor(req.policies, req.entity_id));
      if (!HasMountAccess(*acl, e.RouterPath())) return denied();
    }
    json::object m = mount_info(e);
    m["path"] = e.RouterPath();
    return Response::WithData(std::move(m));
  }, "Read the mount of a path."};
  paths.push_back(std::move(ui_one));
  return paths;
}

}  // namespace arca::core::sys
