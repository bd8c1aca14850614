// `arca login [TOKEN]` / `arca login -method=M [K=V...]`: authenticates with a token (verified
// with auth/token/lookup-self) or an auth method's login path, and stores the token in the
// token helper file (~/.arca-token).
#include <algorithm>
#include <istream>
#include <iterator>
#include <ostream>

#include "api/client_config.h"
#include "cli/commands.h"
#include "cli/format.h"
#include "cli/login_methods.h"
#include "cli/output.h"

namespace arca::cli {

void ApplyLdapLoginDefaults(Ctx& ctx, json::object& body);  // login_ldap.cc

namespace {

const json::value kNull;
const json::value& Get(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v ? *v : kNull;
}

json::array StringArray(const json::value& v) {
  json::array out;
  if (!v.is_array()) return out;
  for (const auto& s : v.as_array()) {
    if (s.is_string()) out.push_back(s);
  }
  return out;
}

// Reads the token: "-" reads stdin, "" prompts on a terminal or reads a line of stdin.
Result<std::string> ObtainToken(Ctx& ctx, std::string token) {
  if (token == "-") {
    std::string all((std::istreambuf_iterator<char>(ctx.in())), std::istreambuf_iterator<char>());
    token = all;
  } else if (token.empty()) {
    if (ctx.env().stdin_is_terminal) {
      if (ctx.global.non_interactive) {
        return InvalidRequest(
            "a token must be passed to auth (-non-interactive forbids prompting)");
      }
      ctx.err() << "Token (will be hidden): " << std::flush;
      auto line = ctx.env().read_hidden_line ? ctx.env().read_hidden_line()
                                             : Result<std::string>(InvalidRequest("no terminal"));
      ctx.err() << "\n";
      if (!line) {
        return InvalidRequest(
            "An error occurred attempting to ask for a token. The raw error message is shown "
            "below, but usually this is because you attempted to pipe a value into the command "
            "or you are executing outside of a terminal (tty). If you want to pipe the value, "
            "pass \"-\" as the argument to read from stdin. The raw error was: " +
            line.error().message());
      }
      token = *line;
    } else {
      std::getline(ctx.in(), token);
    }
  }
  token = TrimSpace(token);
  if (token.empty()) {
    return InvalidRequest(
        "a token must be passed to auth, please view the help for more information");
  }
  return token;
}

// The lookup-self data shaped like an auth method's response (Vault's token CLI handler).
json::object AuthFromLookup(const std::string& token, const json::object& lookup) {
  json::object data;
  if (const json::value& d = Get(lookup, "data"); d.is_object()) data = d.as_object();
  json::array token_policies = StringArray(Get(data, "policies"));
  json::array identity_policies = StringArray(Get(data, "identity_policies"));
  std::vector<std::string> all;
  for (const auto* list : {&token_policies, &identity_policies}) {
    for (const auto& p : *list) all.emplace_back(p.as_string());
  }
  std::sort(all.begin(), all.end());
  all.erase(std::unique(all.begin(), all.end()), all.end());
  json::array policies;
  for (const auto& p : all) policies.emplace_back(p);

  const json::value& id = Get(data, "id");
  json::object auth;
  auth["client_token"] = id.is_string() && !id.as_string().empty() ? id : json::value(token);
  auth["accessor"] = Get(data, "accessor").is_string() ? Get(data, "accessor") : json::value("");
  auth["policies"] = policies;
  auth["token_policies"] = token_policies;
  auth["identity_policies"] = identity_policies;
  if (const json::value& meta = Get(data, "meta"); meta.is_object()) auth["metadata"] = meta;
  const json::value& ttl = Get(data, "ttl");
  auth["lease_duration"] = ttl.is_int64() || ttl.is_uint64() ? ttl : json::value(0);
  auth["renewable"] = Get(data, "renewable").is_bool() && Get(data, "renewable").as_bool();
  json::object secret;
  secret["request_id"] = Get(lookup, "request_id");
  secret["auth"] = auth;
  return secret;
}

// Logs in with an auth method other than token: userpass-style methods post the password to
// login/<username> (prompting for it, hidden, when it is not given); others post their K=V
// arguments to login. Fills *token and *secret; returns 0 or the exit code.
int LoginWithMethod(Ctx& ctx, const std::string& method, std::string path,
                    const std::vector<std::string>& args, std::string* token,
                    json::object* secret) {
  json::object body;
  for (const std::string& a : args) {
    size_t eq = a.find('=');
    if (eq == std::string::npos || eq == 0) {
      ctx.err() << "Error parsing configuration: format must be key=value: " << a << "\n";
      return 1;
    }
    body[a.substr(0, eq)] = a.substr(eq + 1);
  }
  if (path.empty()) path = method;
  path = SanitizePath(path);
  if (method == "oidc") return LoginWithOidc(ctx, path, body, token, secret);
  std::string login_path = "auth/" + path + "/login";
  if (method == "ldap") ApplyLdapLoginDefaults(ctx, body);
  const bool by_username = method == "userpass" || method == "ldap" || method == "radius" ||
                           method == "okta";
  if (by_username) {
    auto user = body.find("username");
    if (user == body.end() || !user->value().is_string() || user->value().as_string().empty()) {
      ctx.err() << "Error authenticating: 'username' must be specified\n";
      return 1;
    }
    login_path += "/" + std::string(user->value().as_string());
    body.erase("username");
    if (!body.contains("password")) {
      if (!ctx.env().stdin_is_terminal || ctx.global.non_interactive) {
        ctx.err() << "Error authenticating: 'password' must be specified\n";
        return 1;
      }
      ctx.err() << "Password (will be hidden): " << std::flush;
      auto line = ctx.env().read_hidden_line ? ctx.env().read_hidden_line()
                                             : Result<std::string>(InvalidRequest("no terminal"));
      ctx.err() << "\n";
      if (!line) {
        ctx.err() << "Error authenticating: error reading password: " << line.error().message()
                  << "\n";
        return 2;
      }
      body["password"] = *line;
    }
  }
  api::Client* client = ctx.client();
  if (client == nullptr) return 1;
  client->SetToken("");  // a login needs no token
  auto r = client->Call("PUT", login_path, &body);
  if (!r) return ServerError(ctx, "Error authenticating", r.error());
  const json::value* auth = r->if_contains("auth");
  const json::value* t =
      auth && auth->is_object() ? auth->as_object().if_contains("client_token") : nullptr;
  if (t == nullptr || !t->is_string() || t->as_string().empty()) {
    ctx.err() << "Error authenticating: no token returned by " << login_path << "\n";
    return 2;
  }
  *token = std::string(t->as_string());
  *secret = std::move(*r);
  return 0;
}

}  // namespace

int RunLogin(Ctx& ctx, const std::vector<std::string>& raw_args) {
  std::string method = "token", path;
  bool no_store = false, no_print = false, token_only = false;
  ctx.flags.String("method", &method, "Auth method: token (default), userpass, approle, ...");
  ctx.flags.String("path", &path, "Mount path of the auth method (default: the method name).");
  ctx.flags.Bool("no-store", &no_store, "Do not store the token in the token helper.");
  ctx.flags.Bool("no-print", &no_print, "Do not print the token or its information.");
  ctx.flags.Bool("token-only", &token_only, "Print only the token; implies -no-store.");
  auto args = ctx.Parse(raw_args);
  if (!args) return args.error();
  if (token_only) {
    no_store = true;
    ctx.global.field = "token";
  }
  if (no_store && no_print) {
    ctx.err() << "-no-store and -no-print cannot be used together\n";
    return 1;
  }
  std::string auth_method = SanitizePath(method);
  if (auth_method.empty()) auth_method = "token";
  // The methods this CLI knows how to log in with (Vault's CLI also fails locally for others).
  static constexpr std::string_view kKnownMethods[] = {
      "token", "userpass", "ldap",   "radius",     "okta",  "approle",
      "cert",  "jwt",      "oidc",   "kubernetes", "github"};
  if (std::find(std::begin(kKnownMethods), std::end(kKnownMethods), auth_method) ==
      std::end(kKnownMethods)) {
    ctx.err() << WrapAtLength("Unknown auth method: " + auth_method +
                              ". Use \"arca auth list\" to see the complete list of auth "
                              "methods. Additionally, some auth methods are only available via "
                              "the HTTP API.")
              << "\n";
    return 1;
  }
  std::string token;
  json::object secret;
  if (auth_method != "token") {
    int code = LoginWithMethod(ctx, auth_method, path, *args, &token, &secret);
    if (code != 0) return code;
  } else {

  // Vault's token handler config: TOKEN, token=TOKEN, lookup=BOOL.
  bool lookup = true;
  for (size_t i = 0; i < args->size(); ++i) {
    const std::string& a = (*args)[i];
    size_t eq = a.find('=');
    if (i == 0 && eq == std::string::npos) {
      token = a;
    } else if (eq == std::string::npos) {
      ctx.err() << "Error parsing configuration: format must be key=value: " << a << "\n";
      return 1;
    } else if (a.substr(0, eq) == "token") {
      token = a.substr(eq + 1);
    } else if (a.substr(0, eq) == "lookup") {
      auto b = api::ParseGoBool(a.substr(eq + 1));
      if (!b) {
        ctx.err() << "Error authenticating: Failed to parse \"lookup\" as boolean\n";
        return 2;
      }
      lookup = *b;
    }
  }

  api::Client* client = ctx.client();
  if (client == nullptr) return 1;
  auto obtained = ObtainToken(ctx, token);
  if (!obtained) return ServerError(ctx, "Error authenticating", obtained.error());
  token = *obtained;

  if (lookup) {
    client->SetToken(token);
    auto r = client->Call("GET", "auth/token/lookup-self");
    if (!r) {
      ctx.err() << "Error authenticating: error looking up token: " << r.error().message() << "\n";
      return 2;
    }
    secret = AuthFromLookup(token, *r);
  } else {
    secret["auth"] = json::object{{"client_token", token}};
  }
  }  // the token method

  if (!no_store) {
    Status stored = api::StoreToken(token, ctx.env().getenv);
    if (!stored) {
      ctx.err() << WrapAtLength("Error storing token: " + stored.error().message()) << "\n\n"
                << WrapAtLength(
                       "Authentication was successful, but the token was not persisted. The "
                       "resulting token is shown below for your records.")
                << "\n";
      OutputSecret(ctx, secret);
      return 2;
    }
    for (const char* var : {"ARCA_TOKEN", "VAULT_TOKEN"}) {
      if (auto v = ctx.env().getenv(var); v && !v->empty()) {
        ctx.err() << WrapAtLength(std::string("WARNING! The ") + var +
                                  " environment variable is set! The value of this variable "
                                  "will take precedence; if this is unwanted please unset " +
                                  var + " or update its value accordingly.")
                  << "\n\n";
        break;
      }
    }
  } else if (!token_only) {
    ctx.err() << WrapAtLength(
                     "The token was not stored in token helper. Set the ARCA_TOKEN environment "
                     "variable or pass the token below with each request to Arca.")
              << "\n\n";
  }
  if (no_print) return 0;
  if (!ctx.global.field.empty()) return PrintSecretField(ctx, secret, ctx.global.field);
  if (ctx.format() == "table") {
    ctx.out() << WrapAtLength(
                     "Success! You are now authenticated. The token information displayed below "
                     "is already stored in the token helper. You do NOT need to run \"arca "
                     "login\" again. Future Arca requests will automatically use this token.")
              << "\n\n";
  }
  return OutputSecret(ctx, secret);
}

int RunPrintToken(Ctx& ctx, const std::vector<std::string>& raw_args) {
  auto args = ctx.Parse(raw_args);
  if (!args) return args.error();
  if (!ctx.CheckArgs(*args, 0, 0)) return 1;
  for (const char* var : {"ARCA_TOKEN", "VAULT_TOKEN"}) {
    if (auto v = ctx.env().getenv(var); v && !v->empty()) {
      ctx.out() << *v << "\n";
      return 0;
    }
  }
  auto stored = api::GetStoredToken(ctx.env().getenv);
  if (!stored) {
    ctx.err() << stored.error().message() << "\n";
    return 2;
  }
  ctx.out() << *stored << "\n";
  return 0;
}

}  // namespace arca::cli
