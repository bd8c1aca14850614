// `arca kv get|put|delete|list` for KV version 1 and 2 mounts.
#include <ostream>

#include "cli/commands.h"
#include "cli/kv_args.h"
#include "cli/kv_paths.h"
#include "cli/kv_target.h"
#include "cli/output.h"

namespace arca::cli {

int RunKvGet(Ctx& ctx, const std::vector<std::string>& raw_args) {
  std::string mount;
  int version = 0;
  ctx.flags.String("mount", &mount, "The KV mount; the argument is then the key in it.");
  ctx.flags.Int("version", &version, "The version to return (KV v2).");
  auto args = ctx.Parse(raw_args);
  if (!args) return args.error();
  if (!ctx.CheckArgs(*args, 1, 1)) return 1;
  api::Client* client = ctx.client();
  if (client == nullptr) return 1;
  int code = 0;
  auto t = ResolveKvTarget(ctx, *client, mount, (*args)[0], &code);
  if (!t) return code;
  std::string full = KvFullPath(*t, "data");
  api::QueryParams query;
  if (t->v2() && version > 0) query.emplace_back("version", std::to_string(version));
  auto secret = client->Read(full, query);
  if (!secret) return ServerError(ctx, "Error reading " + full, secret.error());
  if (!secret->has_value()) {
    ctx.err() << "No value found at " << full << "\n";
    return 2;
  }
  const json::object& s = **secret;
  const json::object* data = KvObjectAt(s, "data");

  // A wrapped response: show the wrapping token (as vault kv get does).
  if (const json::value* w = s.if_contains("wrap_info"); w && w->is_object()) {
    if (!ctx.global.field.empty()) return PrintSecretField(ctx, s, ctx.global.field);
    return OutputSecret(ctx, s);
  }
  if (!ctx.global.field.empty()) {
    const std::string& field = ctx.global.field;
    if (!t->v2()) return PrintSecretField(ctx, s, field);
    const json::object* inner = data ? KvObjectAt(*data, "data") : nullptr;
    if (inner == nullptr) {
      ctx.err() << "No data found at " << full << "\n";
      return 2;
    }
    if (field == "data" && !inner->contains("data")) return PrintSecretField(ctx, s, field);
    return PrintMapField(ctx, *inner, field);
  }
  if (ctx.format() != "table") return OutputSecret(ctx, s);
  PrintWarnings(ctx, s);
  if (t->v2()) OutputKvPath(ctx, full, "Secret Path");
  if (const json::object* meta = data ? KvObjectAt(*data, "metadata") : nullptr) {
    ctx.out() << HeaderForMap("Metadata", *meta) << "\n";
    OutputData(ctx, *meta);
    ctx.out() << "\n";
  }
  // v1 prints the secret's data; v2 the "data" inside it (as vault does).
  const json::object* shown = t->v2() ? (data ? KvObjectAt(*data, "data") : nullptr) : data;
  if (const json::object* inner = shown) {
    ctx.out() << HeaderForMap("Data", *inner) << "\n";
    OutputData(ctx, *inner);
  }
  return 0;
}

int RunKvPut(Ctx& ctx, const std::vector<std::string>& raw_args) {
  int code = 0;
  auto w = ParseKvWrite(ctx, raw_args, "Check-and-set version (KV v2); -1 disables.", &code);
  if (!w) return code;
  const KvTarget* t = &w->target;
  api::Client* client = w->client;
  int cas = w->cas;
  auto data = &w->data;
  std::string path = KvFullPath(*t, "data");
  json::object body = *data;
  if (t->v2()) {
    json::object options;
    if (cas > -1) options["cas"] = cas;
    body = json::object{{"data", std::move(*data)}, {"options", std::move(options)}};
  }
  auto secret = client->Write(path, body);
  if (!secret) return ServerError(ctx, "Error writing data to " + path, secret.error());
  if (!secret->has_value()) {
    if (ctx.format() == "table") ctx.out() << "Success! Data written to: " << path << "\n";
    return 0;
  }
  if (!ctx.global.field.empty()) return PrintSecretField(ctx, **secret, ctx.global.field);
  if (ctx.format() != "table") return OutputSecret(ctx, **secret);
  PrintWarnings(ctx, **secret);
  OutputKvPath(ctx, path, "Secret Path");
  const json::object* meta = KvObjectAt(**secret, "data");
  json::object empty;
  ctx.out() << HeaderForMap("Metadata", meta ? *meta : empty) << "\n";
  return OutputData(ctx, meta ? *meta : empty);
}

int RunKvDelete(Ctx& ctx, const std::vector<std::string>& raw_args) {
  std::string mount, versions;
  ctx.flags.String("mount", &mount, "The KV mount; the argument is then the key in it.");
  ctx.flags.String("versions", &versions, "Comma-separated versions to delete (KV v2).");
  auto args = ctx.Parse(raw_args);
  if (!args) return args.error();
  if (!ctx.CheckArgs(*args, 1, 1)) return 1;
  api::Client* client = ctx.client();
  if (client == nullptr) return 1;
  int code = 0;
  auto t = ResolveKvTarget(ctx, *client, mount, (*args)[0], &code);
  if (!t) return code;
  std::string path;
  Result<std::optional<json::object>> secret = std::optional<json::object>();
  if (t->v2() && !versions.empty()) {
    path = KvFullPath(*t, "delete");
    json::array list = ParseKvVersions(versions);
    secret = client->Write(path, json::object{{"versions", std::move(list)}});
  } else {
    path = KvFullPath(*t, "data");
    secret = client->Delete(path);
  }
  if (!secret) return ServerError(ctx, "Error deleting " + path, secret.error());
  if (secret->has_value()) PrintWarnings(ctx, **secret);
  ctx.out() << "Success! Data deleted (if it existed) at: " << path << "\n";
  return 0;
}

int RunKvList(Ctx& ctx, const std::vector<std::string>& raw_args) {
  std::string mount;
  ctx.flags.String("mount", &mount, "The KV mount; the argument is then the path in it.");
  auto args = ctx.Parse(raw_args);
  if (!args) return args.error();
  if (!ctx.CheckArgs(*args, mount.empty() ? 1 : 0, 1)) return 1;
  api::Client* client = ctx.client();
  if (client == nullptr) return 1;
  int code = 0;
  auto t = ResolveKvTarget(ctx, *client, mount, args->empty() ? "" : (*args)[0], &code);
  if (!t) return code;
  return ListAndPrint(ctx, *client, EnsureTrailingSlash(KvFullPath(*t, "metadata")));
}

int RunKvEnableVersioning(Ctx& ctx, const std::vector<std::string>& raw_args) {
  auto args = ctx.Parse(raw_args);
  if (!args) return args.error();
  if (!ctx.CheckArgs(*args, 1, 1)) return 1;
  api::Client* client = ctx.client();
  if (client == nullptr) return 1;
  // Vault's command: tune the mount's options to version 2 (the server upgrades in place).
  std::string mount = EnsureTrailingSlash(SanitizePath((*args)[0]));
  json::object body{{"options", json::object{{"version", "2"}}}};
  auto r = client->Write("sys/mounts/" + mount + "tune", body);
  if (!r) return ServerError(ctx, "Error tuning secrets engine " + mount, r.error());
  ctx.out() << "Success! Tuned the secrets engine at: " << mount << "\n";
  return 0;
}

}  // namespace arca::cli
