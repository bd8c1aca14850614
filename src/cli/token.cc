// `arca token create|lookup|renew|revoke|capabilities`.
#include <algorithm>
#include <ostream>

#include "cli/commands.h"
#include "cli/output.h"
#include "common/duration.h"

namespace arca::cli {
namespace {

// Prints a secret, or only -field of it.
int OutputTokenSecret(Ctx& ctx, const json::object& secret) {
  if (!ctx.global.field.empty()) return PrintSecretField(ctx, secret, ctx.global.field);
  return OutputSecret(ctx, secret);
}

}  // namespace

int RunTokenCreate(Ctx& ctx, const std::vector<std::string>& raw_args) {
  std::string id, display_name, ttl, explicit_max_ttl, period, role, type, entity_alias;
  bool orphan = false, no_default_policy = false, renewable = true;
  int use_limit = 0;
  std::vector<std::string> policies, metadata;
  ctx.flags.String("id", &id, "Explicit token ID (root only).");
  ctx.flags.String("display-name", &display_name, "Name to associate with the token.");
  ctx.flags.String("ttl", &ttl, "Initial TTL of the token.");
  ctx.flags.String("explicit-max-ttl", &explicit_max_ttl, "Hard maximum lifetime.");
  ctx.flags.String("period", &period, "Periodic token renewal period.");
  ctx.flags.String("role", &role, "Token role to create the token against.");
  ctx.flags.String("type", &type, "Token type: service or batch.");
  ctx.flags.String("entity-alias", &entity_alias,
                   "Name of the entity alias to associate the token with (needs -role).");
  ctx.flags.Bool("orphan", &orphan, "Create the token with no parent.");
  ctx.flags.Bool("no-default-policy", &no_default_policy, "Do not attach the default policy.");
  ctx.flags.Bool("renewable", &renewable, "Allow the token to be renewed (default true).");
  ctx.flags.Int("use-limit", &use_limit, "Number of uses (0: unlimited).");
  ctx.flags.StringList("policy", &policies, "Policy to attach; repeatable or comma-separated.");
  ctx.flags.StringList("metadata", &metadata, "Metadata key=value; repeatable.");
  auto args = ctx.Parse(raw_args);
  if (!args) return args.error();
  if (!ctx.CheckArgs(*args, 0, 0)) return 1;

  std::string ttl_s, max_s, period_s;
  if (!DurationFlag(ctx, "ttl", ttl, ttl_s, /*omit_zero=*/true)) return 1;
  if (!DurationFlag(ctx, "explicit-max-ttl", explicit_max_ttl, max_s, /*omit_zero=*/true)) return 1;
  if (!DurationFlag(ctx, "period", period, period_s, /*omit_zero=*/true)) return 1;
  json::object meta;
  for (const auto& m : metadata) {
    size_t eq = m.find('=');
    if (eq == std::string::npos || eq == 0) {
      ctx.err() << "invalid value \"" << m << "\" for flag -metadata: expected key=value\n";
      return 1;
    }
    meta[m.substr(0, eq)] = m.substr(eq + 1);
  }
  json::array policy_list;
  for (const auto& p : policies) {  // Go's StringSliceVar splits on commas.
    size_t start = 0;
    while (start <= p.size()) {
      size_t comma = p.find(',', start);
      if (comma == std::string::npos) comma = p.size();
      std::string one = TrimSpace(std::string_view(p).substr(start, comma - start));
      if (!one.empty()) policy_list.emplace_back(one);
      start = comma + 1;
    }
  }

  // Field names and omissions follow Vault's api.TokenCreateRequest.
  json::object body;
  if (!id.empty()) body["id"] = id;
  if (!policy_list.empty()) body["policies"] = policy_list;
  if (!meta.empty()) body["meta"] = meta;
  if (!ttl_s.empty()) body["ttl"] = ttl_s;
  if (!max_s.empty()) body["explicit_max_ttl"] = max_s;
  if (!period_s.empty()) body["period"] = period_s;
  if (orphan) body["no_parent"] = true;
  if (no_default_policy) body["no_default_policy"] = true;
  body["display_name"] = display_name;
  body["num_uses"] = use_limit;
  body["renewable"] = renewable;
  if (!type.empty()) body["type"] = type;
  if (!entity_alias.empty()) body["entity_alias"] = entity_alias;

  api::Client* client = ctx.client();
  if (client == nullptr) return 1;
  std::string path = role.empty() ? "auth/token/create" : "auth/token/create/" + role;
  auto r = client->Call("POST", path, &body);
  if (!r) return ServerError(ctx, "Error creating token", r.error());
  return OutputTokenSecret(ctx, *r);
}

int RunTokenLookup(Ctx& ctx, const std::vector<std::string>& raw_args) {
  bool accessor = false;
  ctx.flags.Bool("accessor", &accessor, "Treat the argument as an accessor instead of a token.");
  auto args = ctx.Parse(raw_args);
  if (!args) return args.error();
  if (accessor && args->empty()) {
    ctx.err() << "Not enough arguments with -accessor (expected 1, got 0)\n";
    return 1;
  }
  if (args->size() > 1) {
    ctx.err() << "Too many arguments (expected 0-1, got " << args->size() << ")\n";
    return 1;
  }
  std::string token = args->empty() ? "" : TrimSpace((*args)[0]);
  api::Client* client = ctx.client();
  if (client == nullptr) return 1;
  Result<json::object> r;
  if (token.empty()) {
    r = client->Call("GET", "auth/token/lookup-self");
  } else if (accessor) {
    json::object body{{"accessor", token}};
    r = client->Call("POST", "auth/token/lookup-accessor", &body);
  } else {
    json::object body{{"token", token}};
    r = client->Call("POST", "auth/token/lookup", &body);
  }
  if (!r) return ServerError(ctx, "Error looking up token", r.error());
  return OutputTokenSecret(ctx, *r);
}

int RunTokenRenew(Ctx& ctx, const std::vector<std::string>& raw_args) {
  std::string increment;
  bool accessor = false;
  ctx.flags.String("increment", &increment, "Requested extension of the TTL (e.g. 30m).");
  ctx.flags.String("i", &increment, "Shorthand for -increment.");
  ctx.flags.Bool("accessor", &accessor, "Treat the argument as an accessor.");
  auto args = ctx.Parse(raw_args);
  if (!args) return args.error();
  if (args->size() > 1) {
    ctx.err() << "Too many arguments (expected 0-1, got " << args->size() << ")\n";
    return 1;
  }
  if (accessor && args->empty()) {
    ctx.err() << "Not enough arguments with -accessor (expected 1, got 0)\n";
    return 1;
  }
  std::string inc_s;
  if (!DurationFlag(ctx, "increment", increment, inc_s, /*omit_zero=*/true)) return 1;
  if (inc_s.empty() && ctx.flags.IsSet("i")) {
    if (!DurationFlag(ctx, "i", increment, inc_s, /*omit_zero=*/true)) return 1;
  }
  std::string token = args->empty() ? "" : TrimSpace((*args)[0]);
  api::Client* client = ctx.client();
  if (client == nullptr) return 1;
  json::object body;
  if (!inc_s.empty()) body["increment"] = inc_s;
  Result<json::object> r;
  if (token.empty()) {
    r = client->Call("PUT", "auth/token/renew-self", &body);
  } else if (accessor) {
    body["accessor"] = token;
    r = client->Call("PUT", "auth/token/renew-accessor", &body);
  } else {
    body["token"] = token;
    r = client->Call("PUT", "auth/token/renew", &body);
  }
  if (!r) return ServerError(ctx, "Error renewing token", r.error());
  return OutputTokenSecret(ctx, *r);
}

int RunTokenRevoke(Ctx& ctx, const std::vector<std::string>& raw_args) {
  bool self = false, accessor = false;
  std::string mode;
  ctx.flags.Bool("self", &self, "Revoke the token used by this command.");
  ctx.flags.Bool("accessor", &accessor, "Treat the argument as an accessor.");
  ctx.flags.String("mode", &mode,
                   "\"orphan\": revoke only this token, keeping its children; \"path\": revoke "
                   "every token created under the login path given as the argument.");
  auto args = ctx.Parse(raw_args);
  if (!args) return args.error();
  size_t n = args->size();
  std::string error;
  if (!mode.empty() && mode != "orphan" && mode != "path") {
    error = "Invalid mode: " + mode;
  } else if (self && n > 0) {
    error = "Too many arguments with -self (expected 0, got " + std::to_string(n) + ")";
  } else if (!self && n > 1) {
    error = "Too many arguments (expected 1 or -self, got " + std::to_string(n) + ")";
  } else if (!self && n < 1) {
    error = "Not enough arguments (expected 1 or -self, got 0)";
  } else if (self && accessor) {
    error = "Cannot use -self with -accessor!";
  } else if (self && !mode.empty()) {
    error = "Cannot use -self with -mode!";
  } else if (accessor && mode == "orphan") {
    error = "Cannot use -accessor with -mode=orphan!";
  } else if (accessor && mode == "path") {
    error = "Cannot use -accessor with -mode=path!";
  }
  if (!error.empty()) {
    ctx.err() << error << "\n";
    return 1;
  }
  std::string token = n > 0 ? TrimSpace((*args)[0]) : "";
  api::Client* client = ctx.client();
  if (client == nullptr) return 1;
  Result<json::object> r;
  if (self) {
    r = client->Call("POST", "auth/token/revoke-self");
  } else if (mode == "path") {
    // Vault's -mode=path: revoke by prefix (the tokens' leases live under auth/<path>).
    r = client->Call("PUT", "sys/leases/revoke-prefix/" + SanitizePath(token));
  } else if (accessor) {
    json::object body{{"accessor", token}};
    r = client->Call("POST", "auth/token/revoke-accessor", &body);
  } else {
    json::object body{{"token", token}};
    r = client->Call("POST", mode == "orphan" ? "auth/token/revoke-orphan" : "auth/token/revoke",
                     &body);
  }
  if (!r) return ServerError(ctx, "Error revoking token", r.error());
  ctx.out() << "Success! Revoked token (if it existed)\n";
  return 0;
}

int RunTokenCapabilities(Ctx& ctx, const std::vector<std::string>& raw_args) {
  auto args = ctx.Parse(raw_args);
  if (!args) return args.error();
  if (args->empty() || args->size() > 2) {
    ctx.err() << (args->empty() ? "Not enough" : "Too many") << " arguments (expected 1-2, got "
              << args->size() << ")\n";
    return 1;
  }
  std::string token = args->size() == 2 ? (*args)[0] : "";
  std::string path = args->back();
  api::Client* client = ctx.client();
  if (client == nullptr) return 1;
  json::object body{{"paths", json::array{json::value(path)}}};
  Result<json::object> r;
  if (token.empty()) {
    r = client->Call("POST", "sys/capabilities-self", &body);
  } else {
    body["token"] = token;
    r = client->Call("POST", "sys/capabilities", &body);
  }
  if (!r) return ServerError(ctx, "Error listing capabilities", r.error());
  // Vault reads res[path], falling back to res["capabilities"]; Arca may also nest them in data.
  const json::value* caps = nullptr;
  for (const json::object* o :
       {&*r, r->if_contains("data") && r->at("data").is_object() ? &r->at("data").as_object()
                                                                 : nullptr}) {
    if (o == nullptr || caps != nullptr) continue;
    if (const json::value* v = o->if_contains(path); v && v->is_array()) caps = v;
    if (const json::value* v = o->if_contains("capabilities"); !caps && v && v->is_array()) {
      caps = v;
    }
  }
  if (caps == nullptr) {
    ctx.err() << "No capabilities found\n";
    return 1;
  }
  std::vector<std::string> list;
  for (const auto& c : caps->as_array()) {
    if (c.is_string()) list.emplace_back(c.as_string());
  }
  if (ctx.format() != "table") {
    json::array out;
    for (const auto& c : list) out.emplace_back(c);
    return OutputData(ctx, out);
  }
  std::sort(list.begin(), list.end());
  std::string joined;
  for (const auto& c : list) joined += (joined.empty() ? "" : ", ") + c;
  ctx.out() << joined << "\n";
  return 0;
}

}  // namespace arca::cli
