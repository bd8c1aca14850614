// `arca kv patch|undelete|destroy|rollback`: KV v2 version management.
#include <ostream>

#include "api/api_response.h"
#include "cli/commands.h"
#include "cli/kv_args.h"
#include "cli/kv_target.h"
#include "cli/output.h"

namespace arca::cli {
namespace {

// Prints a write result as `kv put` does: the Secret Path and the returned metadata.
int OutputWriteResult(Ctx& ctx, const std::string& path,
                      const std::optional<json::object>& secret) {
  if (!secret.has_value()) {
    if (ctx.format() == "table") ctx.out() << "Success! Data written to: " << path << "\n";
    return 0;
  }
  if (!ctx.global.field.empty()) return PrintSecretField(ctx, *secret, ctx.global.field);
  if (ctx.format() != "table") return OutputSecret(ctx, *secret);
  PrintWarnings(ctx, *secret);
  OutputKvPath(ctx, path, "Secret Path");
  const json::object* meta = KvObjectAt(*secret, "data");
  json::object empty;
  ctx.out() << HeaderForMap("Metadata", meta ? *meta : empty) << "\n";
  return OutputData(ctx, meta ? *meta : empty);
}

// undelete and destroy: POST <mount>/<op>/<key> {"versions":[...]}.
int RunVersionsOp(Ctx& ctx, const std::vector<std::string>& raw_args, std::string_view op,
                  std::string_view op_title) {
  std::string mount, versions;
  ctx.flags.String("mount", &mount, "The KV mount; the argument is then the key in it.");
  ctx.flags.String("versions", &versions, "Comma-separated versions.");
  auto args = ctx.Parse(raw_args);
  if (!args) return args.error();
  if (!ctx.CheckArgs(*args, 1, 1)) return 1;
  json::array list = ParseKvVersions(versions);
  if (list.empty()) {
    ctx.err() << "No versions provided, use the \"-versions\" flag to specify the version to " << op
              << ".\n";
    return 1;
  }
  api::Client* client = ctx.client();
  if (client == nullptr) return 1;
  int code = 0;
  auto t = ResolveKvTarget(ctx, *client, mount, (*args)[0], &code);
  if (!t) return code;
  if (!t->v2()) {
    ctx.err() << op_title << " not supported on KV Version 1\n";
    return 1;
  }
  std::string path = KvFullPath(*t, op);
  auto secret = client->Write(path, json::object{{"versions", std::move(list)}});
  if (!secret) return ServerError(ctx, "Error writing data to " + path, secret.error());
  if (secret->has_value()) PrintWarnings(ctx, **secret);
  ctx.out() << "Success! Data written to: " << path << "\n";
  return 0;
}

}  // namespace

int RunKvUndelete(Ctx& ctx, const std::vector<std::string>& args) {
  return RunVersionsOp(ctx, args, "undelete", "Undelete");
}

int RunKvDestroy(Ctx& ctx, const std::vector<std::string>& args) {
  return RunVersionsOp(ctx, args, "destroy", "Destroy");
}

namespace {

// `kv patch -method=rw`: read the latest version, merge, write it back with check-and-set on
// the version read (Vault's readThenWrite).
int PatchReadThenWrite(Ctx& ctx, api::Client& client, const std::string& path,
                       const json::object& data, const std::vector<std::string>& remove) {
  auto current = client.Read(path);
  if (!current) return ServerError(ctx, "Error doing pre-read at data path", current.error());
  const json::object* cur = current->has_value() ? KvObjectAt(**current, "data") : nullptr;
  const json::object* cur_data = cur ? KvObjectAt(*cur, "data") : nullptr;
  const json::object* cur_meta = cur ? KvObjectAt(*cur, "metadata") : nullptr;
  const json::value* version = cur_meta ? cur_meta->if_contains("version") : nullptr;
  if (cur_data == nullptr || version == nullptr || !version->is_number()) {
    ctx.err() << "No value found at " << path << "\n";
    return 2;
  }
  json::object merged = *cur_data;
  for (const auto& kv : data) merged[kv.key()] = kv.value();
  for (const auto& k : remove) merged.erase(k);
  json::object body{{"data", std::move(merged)},
                    {"options", json::object{{"cas", version->to_number<int64_t>()}}}};
  auto secret = client.Write(path, body);
  if (!secret) return ServerError(ctx, "Error writing data to " + path, secret.error());
  return OutputWriteResult(ctx, path, *secret);
}

}  // namespace

int RunKvPatch(Ctx& ctx, const std::vector<std::string>& raw_args) {
  std::string method;
  std::vector<std::string> remove;
  ctx.flags.String("method", &method,
                   "patch (HTTP PATCH), rw (read, merge, write with check-and-set); default: "
                   "patch, falling back to rw when PATCH is denied.");
  ctx.flags.StringList("remove-data", &remove, "Key to remove from the data; repeatable.");
  int code = 0;
  auto w = ParseKvWrite(ctx, raw_args, "Check-and-set version; -1 disables.", &code,
                        /*allow_no_data=*/true);
  if (!w) return code;
  if (w->data.empty() && remove.empty()) {
    ctx.err() << "Must supply data\n";
    return 1;
  }
  if (!method.empty() && method != "patch" && method != "rw") {
    ctx.err() << "Unsupported method provided to -method flag: " << method << "\n";
    return 2;
  }
  const KvTarget* t = &w->target;
  api::Client* client = w->client;
  int cas = w->cas;
  if (!t->v2()) {
    ctx.err() << "K/V engine mount must be version 2 for patch support\n";
    return 2;
  }
  std::string path = KvFullPath(*t, "data");
  if (method == "rw") return PatchReadThenWrite(ctx, *client, path, w->data, remove);
  json::object data = w->data;
  for (const auto& k : remove) data[k] = nullptr;  // a JSON merge patch deletes null members
  json::object options;
  if (cas > -1) options["cas"] = cas;
  json::object body{{"data", std::move(data)}, {"options", std::move(options)}};
  auto r = client->Request("PATCH", path, &body);
  if (!r) return ServerError(ctx, "Error writing data to " + path, r.error());
  if (r->status == 403 && method.empty()) {
    return PatchReadThenWrite(ctx, *client, path, w->data, remove);
  }
  if (r->status == 404) {
    ctx.err() << "No value found at " << path << "\n";
    return 2;
  }
  if (r->status >= 400) {
    return ServerError(ctx, "Error writing data to " + path, api::ResponseError(*r));
  }
  std::optional<json::object> secret;
  if (r->json.is_object()) secret = r->json.as_object();
  return OutputWriteResult(ctx, path, secret);
}

int RunKvRollback(Ctx& ctx, const std::vector<std::string>& raw_args) {
  std::string mount;
  int version = 0;
  ctx.flags.String("mount", &mount, "The KV mount; the argument is then the key in it.");
  ctx.flags.Int("version", &version, "The version to roll back to.");
  auto args = ctx.Parse(raw_args);
  if (!args) return args.error();
  if (!ctx.CheckArgs(*args, 1, 1)) return 1;
  if (version <= 0) {
    ctx.err() << "Must specify a valid version to roll back to with -version\n";
    return 1;
  }
  api::Client* client = ctx.client();
  if (client == nullptr) return 1;
  int code = 0;
  auto t = ResolveKvTarget(ctx, *client, mount, (*args)[0], &code);
  if (!t) return code;
  if (!t->v2()) {
    ctx.err() << "Rollback not supported on KV Version 1\n";
    return 1;
  }
  std::string path = KvFullPath(*t, "data");
  // The current version becomes the check-and-set value of the write.
  auto current = client->Read(path);
  if (!current) return ServerError(ctx, "Error reading " + path, current.error());
  const json::object* cur_data = current->has_value() ? KvObjectAt(**current, "data") : nullptr;
  const json::object* cur_meta = cur_data ? KvObjectAt(*cur_data, "metadata") : nullptr;
  const json::value* cur_version = cur_meta ? cur_meta->if_contains("version") : nullptr;
  if (cur_version == nullptr || !cur_version->is_number()) {
    ctx.err() << "No value found at " << path << "\n";
    return 2;
  }
  int64_t cas = cur_version->to_number<int64_t>();
  if (version > cas) {
    ctx.err() << "Invalid version provided: " << version << "\n";
    return 2;
  }
  auto old = client->Read(path, {{"version", std::to_string(version)}});
  if (!old) return ServerError(ctx, "Error reading " + path, old.error());
  const json::object* old_data = old->has_value() ? KvObjectAt(**old, "data") : nullptr;
  const json::object* old_meta = old_data ? KvObjectAt(*old_data, "metadata") : nullptr;
  if (old_meta == nullptr) {
    ctx.err() << "No value found at " << path << "\n";
    return 2;
  }
  const json::value* deleted = old_meta->if_contains("deletion_time");
  if (deleted && deleted->is_string() && !deleted->as_string().empty()) {
    ctx.err() << "Cannot roll back to a version that has been deleted\n";
    return 2;
  }
  const json::value* destroyed = old_meta->if_contains("destroyed");
  if (destroyed && destroyed->is_bool() && destroyed->as_bool()) {
    ctx.err() << "Cannot roll back to a version that has been destroyed\n";
    return 2;
  }
  const json::object* inner = KvObjectAt(*old_data, "data");
  json::object body{{"data", inner ? *inner : json::object()},
                    {"options", json::object{{"cas", cas}}}};
  auto secret = client->Write(path, body);
  if (!secret) return ServerError(ctx, "Error writing data to " + path, secret.error());
  return OutputWriteResult(ctx, path, *secret);
}

}  // namespace arca::cli
