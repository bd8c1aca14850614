// `arca secrets move`, `auth move`, `auth help`, `plugin list|info`, `version-history`: thin
// commands over sys/remount, sys/plugins/catalog and sys/version-history, in Vault's layouts.
#include <chrono>
#include <ostream>
#include <thread>

#include "cli/commands.h"
#include "cli/format.h"
#include "cli/output.h"

namespace arca::cli {
namespace {

// sys/remount, then sys/remount/status/:id until the move ends (Vault's secrets|auth move).
int Move(Ctx& ctx, const std::vector<std::string>& raw_args, bool auth) {
  auto args = ctx.Parse(raw_args);
  if (!args) return args.error();
  if (!ctx.CheckArgs(*args, 2, 2)) return 1;
  std::string prefix = auth ? "auth/" : "";
  std::string noun = auth ? "auth method" : "secrets engine";
  std::string from = prefix + EnsureTrailingSlash(SanitizePath((*args)[0]));
  std::string to = prefix + EnsureTrailingSlash(SanitizePath((*args)[1]));
  api::Client* client = ctx.client();
  if (client == nullptr) return 1;
  json::object body{{"from", from}, {"to", to}};
  auto started = client->Call("POST", "sys/remount", &body);
  if (!started) return ServerError(ctx, "Error moving " + noun + " " + from + " to " + to, started.error());
  const json::object* data = GetObject(*started, "data");
  std::string id = CellText(data ? *data : *started, "migration_id");
  std::string what = noun + " " + from + " to " + to + ", with migration ID " + id;
  ctx.out() << "Started moving " << what << "\n";
  for (int attempt = 0;; ++attempt) {
    auto status = client->Call("GET", "sys/remount/status/" + id);
    if (!status) return ServerError(ctx, "Error checking migration status of " + what, status.error());
    const json::object* d = GetObject(*status, "data");
    const json::object* info = GetObject(d ? *d : *status, "migration_info");
    std::string state = info ? CellText(*info, "status") : "";
    if (state == "success") {
      ctx.out() << "Success! Finished moving " << what << "\n";
      return 0;
    }
    if (state == "failure") {
      ctx.err() << "Failure! Error encountered moving " << what << "\n";
      return 2;
    }
    ctx.out() << "Waiting for terminal status in migration of " << what << "\n";
    std::this_thread::sleep_for(std::chrono::seconds(attempt < 5 ? 1 : 5));
  }
}

}  // namespace

int RunSecretsMove(Ctx& ctx, const std::vector<std::string>& args) { return Move(ctx, args, false); }
int RunAuthMove(Ctx& ctx, const std::vector<std::string>& args) { return Move(ctx, args, true); }

int RunAuthHelp(Ctx& ctx, const std::vector<std::string>& raw_args) {
  auto args = ctx.Parse(raw_args);
  if (!args) return args.error();
  if (!ctx.CheckArgs(*args, 1, 1)) return 1;
  // Vault's help for the login side of a method; an enabled path is resolved to its type.
  std::string method = SanitizePath((*args)[0]);
  if (method.find('/') == std::string::npos) {
    api::Client* client = ctx.client();
    if (client == nullptr) return 1;
    if (auto list = client->Call("GET", "sys/auth"); list) {
      const json::object* data = GetObject(*list, "data");
      if (const json::object* m = GetObject(data ? *data : *list, method + "/")) method = CellText(*m, "type");
    }
  }
  struct Help {
    std::string_view method, text;
  };
  static constexpr Help kHelp[] = {
      {"token", "Usage: arca login TOKEN [CONFIG K=V...]\n\n  The token auth method authenticates "
                "with a token. The token is given as the argument, on stdin (-), or prompted for.\n"
                "\nConfiguration:\n\n  token=<string>\n      The token to use for authentication."},
      {"userpass", "Usage: arca login -method=userpass [CONFIG K=V...]\n\n  The userpass auth "
                   "method authenticates with a username and password; the password is prompted "
                   "for when it is not given.\n\nConfiguration:\n\n  password=<string>\n      The "
                   "user's password.\n\n  username=<string>\n      The username (required)."},
      {"ldap", "Usage: arca login -method=ldap [CONFIG K=V...]\n\n  The LDAP auth method "
               "authenticates with an LDAP username and password.\n\nConfiguration:\n\n  "
               "password=<string>\n      The user's password (default: $VAULT_LDAP_PASSWORD, "
               "else prompted for on a terminal).\n\n  username=<string>\n      The LDAP "
               "username (default: $LOGNAME, else $USER)."},
      {"approle", "Usage: arca login -method=approle [CONFIG K=V...]\n\n  The AppRole auth method "
                  "authenticates with a role ID and a secret ID.\n\nConfiguration:\n\n  "
                  "role_id=<string>\n      The role ID (required).\n\n  secret_id=<string>\n      "
                  "The secret ID, when the role binds one."},
      {"jwt", "Usage: arca login -method=jwt [CONFIG K=V...]\n\n  The JWT auth method "
              "authenticates with a signed JSON Web Token.\n\nConfiguration:\n\n  "
              "jwt=<string>\n      The signed JWT (required).\n\n  role=<string>\n      The "
              "role to log in against (default: the mount's default_role)."},
      {"oidc", "Usage: arca login -method=oidc [CONFIG K=V...]\n\n  The OIDC auth method "
               "authenticates through an OpenID Connect provider in the browser: a listener on "
               "localhost receives the provider's redirect, then the login completes.\n\n"
               "Configuration:\n\n  role=<string>\n      The role to log in against (default: "
               "the mount's default_role).\n\n  listenaddress=<string>\n      The address the "
               "callback listener binds (default: localhost).\n\n  port=<string>\n      Its "
               "port (default: 8250).\n\n  callbackmethod=<string>\n      The scheme of the "
               "redirect_uri (default: http).\n\n  callbackhost=<string>\n      The host of the "
               "redirect_uri (default: localhost).\n\n  callbackport=<string>\n      The port "
               "of the redirect_uri (default: the listener's port).\n\n  "
               "skip_browser=<bool>\n      Print the URL instead of opening a browser (default: "
               "false)."},
      {"cert", "Usage: arca login -method=cert [CONFIG K=V...]\n\n  The TLS certificate auth method "
               "authenticates with the client certificate given by -client-cert and "
               "-client-key.\n\nConfiguration:\n\n  name=<string>\n      The certificate role to "
               "authenticate against (optional)."},
      {"kubernetes", "Usage: arca login -method=kubernetes [CONFIG K=V...]\n\n  The Kubernetes "
                     "auth method authenticates with a Kubernetes service account token, which "
                     "the server checks with the Kubernetes TokenReview API.\n\nConfiguration:"
                     "\n\n  jwt=<string>\n      The service account JWT (required).\n\n  "
                     "role=<string>\n      The role to authenticate against (required)."},
  };
  for (const auto& h : kHelp) {
    if (h.method == method) {
      ctx.out() << h.text << "\n";
      return 0;
    }
  }
  ctx.err() << "Error retrieving help for \"" << method
            << "\": no CLI login help for this method; see \"arca path-help auth/<path>/login\"\n";
  return 2;
}

int RunPluginList(Ctx& ctx, const std::vector<std::string>& raw_args) {
  bool detailed = false;
  ctx.flags.Bool("detailed", &detailed, "Print the deprecation status as well.");
  auto args = ctx.Parse(raw_args);
  if (!args) return args.error();
  if (!ctx.CheckArgs(*args, 0, 1)) return 1;
  std::string type = args->empty() ? "" : (*args)[0];
  if (!type.empty() && type != "auth" && type != "database" && type != "secret") {
    ctx.err() << "Error parsing plugin type: " << type << " is not a supported plugin type\n";
    return 1;
  }
  api::Client* client = ctx.client();
  if (client == nullptr) return 1;
  auto r = client->Call("GET", "sys/plugins/catalog");
  if (!r) return ServerError(ctx, "Error listing available plugins", r.error());
  if (ctx.format() != "table") return OutputSecret(ctx, *r);
  const json::object* data = GetObject(*r, "data");
  const json::value* list = data ? data->if_contains("detailed") : nullptr;
  std::vector<std::vector<std::string>> rows;
  rows.push_back(detailed ? std::vector<std::string>{"Name", "Type", "Version", "Deprecation Status"}
                          : std::vector<std::string>{"Name", "Type", "Version"});
  if (list && list->is_array()) {
    for (const auto& p : list->as_array()) {
      if (!p.is_object()) continue;
      const json::object& o = p.as_object();
      if (!type.empty() && CellText(o, "type") != type) continue;
      std::vector<std::string> row{CellText(o, "name"), CellText(o, "type"), CellText(o, "version")};
      if (detailed) row.push_back(CellText(o, "deprecation_status"));
      rows.push_back(std::move(row));
    }
  }
  ctx.out() << TableOutput(std::move(rows));
  return 0;
}

int RunPluginInfo(Ctx& ctx, const std::vector<std::string>& raw_args) {
  auto args = ctx.Parse(raw_args);
  if (!args) return args.error();
  if (!ctx.CheckArgs(*args, 2, 2)) return 1;
  api::Client* client = ctx.client();
  if (client == nullptr) return 1;
  std::string path = "sys/plugins/catalog/" + (*args)[0] + "/" + (*args)[1];
  auto secret = client->Read(path);
  if (!secret) return ServerError(ctx, "Error reading plugin named " + (*args)[1], secret.error());
  if (!secret->has_value()) {
    ctx.err() << "No value found for plugin \"" << (*args)[1] << "\"\n";
    return 2;
  }
  if (!ctx.global.field.empty()) return PrintSecretField(ctx, **secret, ctx.global.field);
  return OutputSecret(ctx, **secret);
}

int RunVersionHistory(Ctx& ctx, const std::vector<std::string>& raw_args) {
  auto args = ctx.Parse(raw_args);
  if (!args) return args.error();
  if (!ctx.CheckArgs(*args, 0, 0)) return 1;
  api::Client* client = ctx.client();
  if (client == nullptr) return 1;
  auto r = client->Call("LIST", "sys/version-history");
  if (!r) return ServerError(ctx, "Error reading version history", r.error());
  if (ctx.format() != "table") return OutputSecret(ctx, *r);
  const json::object* data = GetObject(*r, "data");
  const json::value* keys = data ? data->if_contains("keys") : nullptr;
  const json::object* info = data ? GetObject(*data, "key_info") : nullptr;
  std::vector<std::vector<std::string>> rows{{"Version", "Installation Time", "Build Date"}};
  if (keys && keys->is_array()) {
    for (const auto& k : keys->as_array()) {
      if (!k.is_string()) continue;
      std::string version(k.as_string());
      const json::object* v = info ? GetObject(*info, version) : nullptr;
      rows.push_back({version, v ? CellText(*v, "timestamp_installed") : "",
                      v ? CellText(*v, "build_date") : ""});
    }
  }
  ctx.out() << TableOutput(std::move(rows));
  return 0;
}

}  // namespace arca::cli
