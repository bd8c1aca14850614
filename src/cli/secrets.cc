// `arca secrets enable|disable|list|tune` and `arca auth enable|disable|list|tune`.
#include <algorithm>
#include <ostream>

#include "cli/commands.h"
#include "cli/format.h"
#include "cli/output.h"
#include "common/duration.h"

namespace arca::cli {
namespace {

// -options=k=v (repeatable) -> {"k":"v"}; malformed entries are usage errors.
bool ParseOptions(Ctx& ctx, const std::vector<std::string>& raw, json::object& out) {
  for (const auto& o : raw) {
    size_t eq = o.find('=');
    if (eq == std::string::npos || eq == 0) {
      ctx.err() << "invalid value \"" << o << "\" for flag -options: expected key=value\n";
      return false;
    }
    out[o.substr(0, eq)] = o.substr(eq + 1);
  }
  return true;
}

const json::value kNull;
const json::value& Get(const json::object& o, std::string_view k) {
  const json::value* v = o.if_contains(k);
  return v ? *v : kNull;
}

std::string TtlText(const json::value& v) {
  if (v.is_int64() || v.is_uint64()) {
    int64_t s = v.is_int64() ? v.as_int64() : static_cast<int64_t>(v.as_uint64());
    return s == 0 ? "system" : HumanDuration(s);
  }
  return v.is_null() ? "system" : GoValue(v);
}

// secrets (sys/mounts) and auth (sys/auth) share these commands.
struct MountKind {
  std::string_view api;   // "sys/mounts/"
  std::string_view noun;  // "secrets engine"
  bool is_auth;
};
constexpr MountKind kSecrets{"sys/mounts/", "secrets engine", false};
constexpr MountKind kAuth{"sys/auth/", "auth method", true};

int Enable(Ctx& ctx, const std::vector<std::string>& raw_args, const MountKind& kind);
int Disable(Ctx& ctx, const std::vector<std::string>& raw_args, const MountKind& kind);
int List(Ctx& ctx, const std::vector<std::string>& raw_args, const MountKind& kind);
int Tune(Ctx& ctx, const std::vector<std::string>& raw_args, const MountKind& kind);

}  // namespace

int RunSecretsEnable(Ctx& ctx, const std::vector<std::string>& a) { return Enable(ctx, a, kSecrets); }
int RunSecretsDisable(Ctx& ctx, const std::vector<std::string>& a) { return Disable(ctx, a, kSecrets); }
int RunSecretsList(Ctx& ctx, const std::vector<std::string>& a) { return List(ctx, a, kSecrets); }
int RunSecretsTune(Ctx& ctx, const std::vector<std::string>& a) { return Tune(ctx, a, kSecrets); }
int RunAuthEnable(Ctx& ctx, const std::vector<std::string>& a) { return Enable(ctx, a, kAuth); }
int RunAuthDisable(Ctx& ctx, const std::vector<std::string>& a) { return Disable(ctx, a, kAuth); }
int RunAuthList(Ctx& ctx, const std::vector<std::string>& a) { return List(ctx, a, kAuth); }
int RunAuthTune(Ctx& ctx, const std::vector<std::string>& a) { return Tune(ctx, a, kAuth); }

namespace {

// The mount config flags Vault's `secrets|auth enable` and `tune` share.
struct ConfigListFlags {
  std::vector<std::string> non_hmac_request, non_hmac_response, passthrough, allowed_response;
  std::string token_type;

  void Register(Ctx& ctx, const MountKind& kind) {
    ctx.flags.StringList("audit-non-hmac-request-keys", &non_hmac_request,
                         "Request key the audit devices do not HMAC; repeatable.");
    ctx.flags.StringList("audit-non-hmac-response-keys", &non_hmac_response,
                         "Response key the audit devices do not HMAC; repeatable.");
    ctx.flags.StringList("passthrough-request-headers", &passthrough,
                         "Request header passed to the backend; repeatable.");
    ctx.flags.StringList("allowed-response-headers", &allowed_response,
                         "Response header the backend may set; repeatable.");
    if (kind.is_auth) {
      ctx.flags.String("token-type", &token_type,
                       "Token type of the method's logins: default-service, default-batch, "
                       "service or batch.");
    }
  }

  void Apply(Ctx& ctx, json::object& config) const {
    auto list = [&](const char* flag, const char* key, const std::vector<std::string>& v) {
      if (!ctx.flags.IsSet(flag)) return;
      json::array a;
      for (const auto& x : v) a.emplace_back(json::string(x));
      config[key] = std::move(a);
    };
    list("audit-non-hmac-request-keys", "audit_non_hmac_request_keys", non_hmac_request);
    list("audit-non-hmac-response-keys", "audit_non_hmac_response_keys", non_hmac_response);
    list("passthrough-request-headers", "passthrough_request_headers", passthrough);
    list("allowed-response-headers", "allowed_response_headers", allowed_response);
    if (!token_type.empty()) config["token_type"] = token_type;
  }
};

int Enable(Ctx& ctx, const std::vector<std::string>& raw_args, const MountKind& kind) {
  std::string path, description, default_ttl, max_ttl, plugin_version, listing_visibility;
  bool force_no_cache = false, local = false, seal_wrap = false, entropy = false;
  int version = 0;
  std::vector<std::string> options;
  ctx.flags.String("path", &path, "Mount path (default: the engine type).");
  ctx.flags.String("description", &description, "Human-friendly description.");
  ctx.flags.String("default-lease-ttl", &default_ttl, "Default lease TTL.");
  ctx.flags.String("max-lease-ttl", &max_ttl, "Maximum lease TTL.");
  ctx.flags.Bool("force-no-cache", &force_no_cache, "Disable caching.");
  ctx.flags.Bool("local", &local, "Mark the mount as local-only.");
  ctx.flags.Bool("seal-wrap", &seal_wrap, "Enable seal wrapping.");
  ctx.flags.Bool("external-entropy-access", &entropy, "Allow external entropy access.");
  ctx.flags.Int("version", &version, "Engine version (kv: 1 or 2).");
  ctx.flags.StringList("options", &options, "Engine option key=value; repeatable.");
  ctx.flags.String("plugin-version", &plugin_version, "Plugin version.");
  ctx.flags.String("listing-visibility", &listing_visibility, "\"unauth\" or \"hidden\".");
  ConfigListFlags lists;
  lists.Register(ctx, kind);
  auto args = ctx.Parse(raw_args);
  if (!args) return args.error();
  if (!ctx.CheckArgs(*args, 1, 1)) return 1;
  std::string engine = SanitizePath((*args)[0]);
  json::object opts;
  if (!ParseOptions(ctx, options, opts)) return 1;
  std::string dflt, mx;
  if (!DurationFlag(ctx, "default-lease-ttl", default_ttl, dflt)) return 1;
  if (!DurationFlag(ctx, "max-lease-ttl", max_ttl, mx)) return 1;
  std::string mount = EnsureTrailingSlash(SanitizePath(path.empty() ? engine : path));
  std::string type = engine;
  if (type == "kv-v2") {
    type = "kv";
    opts["version"] = "2";
  }
  if (version > 0) opts["version"] = std::to_string(version);

  json::object config;
  if (!dflt.empty()) config["default_lease_ttl"] = dflt;
  if (!mx.empty()) config["max_lease_ttl"] = mx;
  if (force_no_cache) config["force_no_cache"] = true;
  if (!listing_visibility.empty()) config["listing_visibility"] = listing_visibility;
  lists.Apply(ctx, config);
  json::object body{{"type", type},           {"description", description},
                    {"config", config},       {"local", local},
                    {"seal_wrap", seal_wrap}, {"external_entropy_access", entropy}};
  if (!opts.empty()) body["options"] = opts;
  if (!plugin_version.empty()) body["plugin_version"] = plugin_version;

  api::Client* client = ctx.client();
  if (client == nullptr) return 1;
  auto r = client->Call("POST", std::string(kind.api) + mount, &body);
  if (!r) return ServerError(ctx, "Error enabling", r.error());
  std::string thing = engine + " " + std::string(kind.noun);
  if (!plugin_version.empty()) thing += " version " + plugin_version;
  if (kind.is_auth) {
    ctx.out() << "Success! Enabled " << thing << " at: " << mount << "\n";
  } else {
    ctx.out() << "Success! Enabled the " << thing << " at: " << mount << "\n";
  }
  return 0;
}

int Disable(Ctx& ctx, const std::vector<std::string>& raw_args, const MountKind& kind) {
  auto args = ctx.Parse(raw_args);
  if (!args) return args.error();
  if (!ctx.CheckArgs(*args, 1, 1)) return 1;
  std::string mount = EnsureTrailingSlash(SanitizePath((*args)[0]));
  api::Client* client = ctx.client();
  if (client == nullptr) return 1;
  auto r = client->Call("DELETE", std::string(kind.api) + mount);
  if (!r) {
    return ServerError(ctx, "Error disabling " + std::string(kind.noun) + " at " + mount, r.error());
  }
  ctx.out() << "Success! Disabled the " << kind.noun << " (if it existed) at: " << mount << "\n";
  return 0;
}

int List(Ctx& ctx, const std::vector<std::string>& raw_args, const MountKind& kind) {
  bool detailed = false;
  ctx.flags.Bool("detailed", &detailed, "Print detailed information such as TTLs and UUIDs.");
  auto args = ctx.Parse(raw_args);
  if (!args) return args.error();
  if (!ctx.CheckArgs(*args, 0, 0)) return 1;
  api::Client* client = ctx.client();
  if (client == nullptr) return 1;
  auto r = client->Call("GET", kind.api.substr(0, kind.api.size() - 1));
  if (!r) {
    return ServerError(ctx, kind.is_auth ? "Error listing enabled authentications"
                                         : "Error listing secrets engines",
                       r.error());
  }
  json::object mounts;
  if (const json::value* d = r->if_contains("data"); d && d->is_object()) {
    mounts = d->as_object();
  } else {
    for (const auto& kv : *r) {
      if (kv.value().is_object() && kv.key().ends_with("/")) mounts[kv.key()] = kv.value();
    }
  }
  if (ctx.format() != "table") return OutputData(ctx, mounts);

  std::vector<std::string> paths;
  for (const auto& kv : mounts) paths.emplace_back(kv.key());
  std::sort(paths.begin(), paths.end());
  std::vector<std::vector<std::string>> rows;
  if (detailed) {
    rows.push_back({"Path", "Plugin", "Accessor", "Default TTL", "Max TTL", "Force No Cache",
                    "Replication", "Seal Wrap", "External Entropy Access", "Options", "Description",
                    "UUID", "Version", "Running Version"});
  } else {
    rows.push_back({"Path", "Type", "Accessor", "Description"});
  }
  for (const auto& p : paths) {
    const json::value& v = mounts.at(p);
    if (!v.is_object()) continue;
    const json::object& m = v.as_object();
    if (!detailed) {
      rows.push_back({p, CellText(m, "type"), CellText(m, "accessor"), CellText(m, "description")});
      continue;
    }
    json::object config;
    if (const json::value& c = Get(m, "config"); c.is_object()) config = c.as_object();
    const json::value& force = Get(config, "force_no_cache");
    const json::value& opts = Get(m, "options");
    rows.push_back(
        {p, CellText(m, "type"), CellText(m, "accessor"), TtlText(Get(config, "default_lease_ttl")),
         TtlText(Get(config, "max_lease_ttl")),
         force.is_bool() && force.as_bool() ? "true" : "false",
         Get(m, "local").is_bool() && Get(m, "local").as_bool() ? "local" : "replicated",
         Get(m, "seal_wrap").is_bool() && Get(m, "seal_wrap").as_bool() ? "true" : "false",
         Get(m, "external_entropy_access").is_bool() && Get(m, "external_entropy_access").as_bool()
             ? "true"
             : "false",
         opts.is_null() ? "map[]" : GoValue(opts), CellText(m, "description"), CellText(m, "uuid"),
         CellText(m, "plugin_version"), CellText(m, "running_plugin_version")});
  }
  ctx.out() << TableOutput(std::move(rows));
  return 0;
}

int Tune(Ctx& ctx, const std::vector<std::string>& raw_args, const MountKind& kind) {
  std::string description, default_ttl, max_ttl, listing_visibility, plugin_version;
  int version = 0;
  std::vector<std::string> options;
  ctx.flags.String("description", &description, "New description.");
  ctx.flags.String("default-lease-ttl", &default_ttl, "Default lease TTL.");
  ctx.flags.String("max-lease-ttl", &max_ttl, "Maximum lease TTL.");
  ctx.flags.String("listing-visibility", &listing_visibility, "\"unauth\" or \"hidden\".");
  ctx.flags.String("plugin-version", &plugin_version, "Plugin version.");
  ctx.flags.Int("version", &version, "Engine version (kv: 2 upgrades).");
  ctx.flags.StringList("options", &options, "Engine option key=value; repeatable.");
  // Auth methods: the mount's user_lockout_config.
  std::string lockout_threshold, lockout_duration, lockout_reset;
  bool lockout_disable = false;
  if (kind.is_auth) {
    ctx.flags.String("user-lockout-threshold", &lockout_threshold,
                     "Failed logins after which a user is locked out.");
    ctx.flags.String("user-lockout-duration", &lockout_duration, "How long a lockout lasts.");
    ctx.flags.String("user-lockout-counter-reset-duration", &lockout_reset,
                     "Quiet time after which the failure count starts over.");
    ctx.flags.Bool("user-lockout-disable", &lockout_disable, "Disable user lockout.");
  }
  ConfigListFlags lists;
  lists.Register(ctx, kind);
  auto args = ctx.Parse(raw_args);
  if (!args) return args.error();
  if (!ctx.CheckArgs(*args, 1, 1)) return 1;
  std::string mount = EnsureTrailingSlash(SanitizePath((*args)[0]));
  json::object lockout;
  if (!lockout_threshold.empty()) lockout["lockout_threshold"] = lockout_threshold;
  std::string lockout_duration_s, lockout_reset_s;
  if (!DurationFlag(ctx, "user-lockout-duration", lockout_duration, lockout_duration_s)) return 1;
  if (!DurationFlag(ctx, "user-lockout-counter-reset-duration", lockout_reset, lockout_reset_s)) {
    return 1;
  }
  if (!lockout_duration_s.empty()) lockout["lockout_duration"] = lockout_duration_s;
  if (!lockout_reset_s.empty()) lockout["lockout_counter_reset"] = lockout_reset_s;
  if (ctx.flags.IsSet("user-lockout-disable")) lockout["lockout_disable"] = lockout_disable;
  json::object opts;
  if (!ParseOptions(ctx, options, opts)) return 1;
  if (version > 0) opts["version"] = std::to_string(version);
  std::string dflt, mx;
  if (!DurationFlag(ctx, "default-lease-ttl", default_ttl, dflt)) return 1;
  if (!DurationFlag(ctx, "max-lease-ttl", max_ttl, mx)) return 1;
  json::object body;
  if (!dflt.empty()) body["default_lease_ttl"] = dflt;
  if (!mx.empty()) body["max_lease_ttl"] = mx;
  if (ctx.flags.IsSet("description")) body["description"] = description;
  if (!listing_visibility.empty()) body["listing_visibility"] = listing_visibility;
  if (!plugin_version.empty()) body["plugin_version"] = plugin_version;
  if (!opts.empty()) body["options"] = opts;
  if (!lockout.empty()) body["user_lockout_config"] = std::move(lockout);
  lists.Apply(ctx, body);
  api::Client* client = ctx.client();
  if (client == nullptr) return 1;
  auto r = client->Call("POST", std::string(kind.api) + mount + "tune", &body);
  if (!r) return ServerError(ctx, "Error tuning " + std::string(kind.noun) + " " + mount, r.error());
  ctx.out() << "Success! Tuned the " << kind.noun << " at: " << mount << "\n";
  return 0;
}

}  // namespace
}  // namespace arca::cli
