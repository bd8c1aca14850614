// `arca lease lookup|renew|revoke` and `arca unwrap`.
#include <ostream>

#include "cli/commands.h"
#include "cli/output.h"
#include "common/duration.h"

namespace arca::cli {

int RunLeaseLookup(Ctx& ctx, const std::vector<std::string>& raw_args) {
  auto args = ctx.Parse(raw_args);
  if (!args) return args.error();
  if (!ctx.CheckArgs(*args, 1, 1)) return 1;
  api::Client* client = ctx.client();
  if (client == nullptr) return 1;
  json::object body{{"lease_id", (*args)[0]}};
  auto r = client->Call("PUT", "sys/leases/lookup", &body);
  if (!r) return ServerError(ctx, "error looking up lease id " + (*args)[0], r.error());
  if (!ctx.global.field.empty()) return PrintSecretField(ctx, *r, ctx.global.field);
  return OutputSecret(ctx, *r);
}

int RunLeaseRenew(Ctx& ctx, const std::vector<std::string>& raw_args) {
  std::string increment;
  ctx.flags.String("increment", &increment, "Requested lease extension (e.g. 1h).");
  auto args = ctx.Parse(raw_args);
  if (!args) return args.error();
  if (!ctx.CheckArgs(*args, 1, 1)) return 1;
  json::object body{{"lease_id", (*args)[0]}};
  if (ctx.flags.IsSet("increment")) {
    auto d = ParseDuration(increment);
    if (!d) {
      ctx.err() << "invalid value \"" << increment << "\" for flag -increment: parse error: "
                << d.error().message() << "\n";
      return 1;
    }
    body["increment"] = d->count();
  }
  api::Client* client = ctx.client();
  if (client == nullptr) return 1;
  auto r = client->Call("PUT", "sys/leases/renew", &body);
  if (!r) return ServerError(ctx, "Error renewing " + (*args)[0], r.error());
  if (!ctx.global.field.empty()) return PrintSecretField(ctx, *r, ctx.global.field);
  return OutputSecret(ctx, *r);
}

int RunLeaseRevoke(Ctx& ctx, const std::vector<std::string>& raw_args) {
  bool prefix = false, force = false, sync = false;
  ctx.flags.Bool("prefix", &prefix, "Treat the ID as a prefix of lease ids.");
  ctx.flags.Bool("force", &force, "Delete the leases even when the backend cannot revoke them "
                                  "(needs -prefix).");
  ctx.flags.Bool("f", &force, "Shorthand for -force.");
  ctx.flags.Bool("sync", &sync, "Wait for the revocation instead of queueing it.");
  auto args = ctx.Parse(raw_args);
  if (!args) return args.error();
  if (!ctx.CheckArgs(*args, 1, 1)) return 1;
  if (force && !prefix) {
    ctx.err() << "Specifying -force requires also specifying -prefix\n";
    return 1;
  }
  const std::string& id = (*args)[0];
  api::Client* client = ctx.client();
  if (client == nullptr) return 1;
  json::object body{{"sync", sync}};
  Result<json::object> r;
  if (force) {
    r = client->Call("PUT", "sys/leases/revoke-force/" + id);
  } else if (prefix) {
    r = client->Call("PUT", "sys/leases/revoke-prefix/" + id, &body);
  } else {
    body["lease_id"] = id;
    r = client->Call("PUT", "sys/leases/revoke", &body);
  }
  if (!r) {
    return ServerError(ctx, std::string(force ? "Error force revoking leases with prefix "
                                        : prefix ? "Error revoking leases with prefix "
                                                 : "Error revoking lease ") +
                                id,
                       r.error());
  }
  if (force) {
    ctx.out() << "Success! Force revoked any leases with prefix: " << id << "\n";
  } else if (!sync) {
    ctx.out() << "All revocation operations queued successfully!\n";
  } else if (prefix) {
    ctx.out() << "Success! Revoked any leases with prefix: " << id << "\n";
  } else {
    ctx.out() << "Success! Revoked lease: " << id << "\n";
  }
  return 0;
}

int RunUnwrap(Ctx& ctx, const std::vector<std::string>& raw_args) {
  auto args = ctx.Parse(raw_args);
  if (!args) return args.error();
  if (args->size() > 1) {
    ctx.err() << "Too many arguments (expected 0-1, got " << args->size() << ")\n";
    return 1;
  }
  api::Client* client = ctx.client();
  if (client == nullptr) return 1;
  Result<json::object> r;
  if (args->empty()) {
    // The token this command runs with is the wrapping token.
    r = client->Call("PUT", "sys/wrapping/unwrap");
  } else {
    json::object body{{"token", (*args)[0]}};
    r = client->Call("PUT", "sys/wrapping/unwrap", &body);
  }
  if (!r) return ServerError(ctx, "Error unwrapping", r.error());
  if (r->empty()) {
    ctx.err() << "Could not find wrapped response\n";
    return 2;
  }
  if (!ctx.global.field.empty()) return PrintSecretField(ctx, *r, ctx.global.field);
  return OutputSecret(ctx, *r);
}

}  // namespace arca::cli
