// `arca kv get|put|delete|list` for KV version 1 and 2 mounts.
#include <ostream>

#include "cli/commands.h"
#include "cli/kv_args.h"
#include "cli/kv_paths.h"
#include "cli/output.h"

namespace arca::cli {
namespace {

// Where a kv command operates: resolved from either "-mount=M KEY" or "MOUNT/KEY".
struct KvTarget {
  KvMount mount;
  std::string partial;  // the key, including the mount path for v2 / no-mount-flag forms
  bool mount_flag = false;
  bool v2() const { return mount.version == 2; }
};

std::optional<KvTarget> Resolve(Ctx& ctx, api::Client& client, const std::string& mount_flag,
                                const std::string& arg, int* code) {
  KvTarget t;
  t.partial = SanitizePath(arg);
  t.mount_flag = !mount_flag.empty();
  auto m = KvPreflight(client, t.mount_flag ? SanitizePath(mount_flag) : t.partial);
  if (!m) {
    ctx.err() << m.error().message() << "\n";
    *code = 2;
    return std::nullopt;
  }
  t.mount = *m;
  if (t.mount_flag) {
    if (t.v2()) {
      t.partial = PathJoin({t.mount.mount_path, t.partial});
    } else {
      // v1 with -mount: the mount path as given (the preflight may be unavailable).
      std::string mount =
          t.mount.mount_path.empty() ? SanitizePath(mount_flag) : t.mount.mount_path;
      t.partial = PathJoin({mount, t.partial});
    }
  }
  return t;
}

std::string FullPath(const KvTarget& t, std::string_view api_prefix) {
  if (!t.v2()) return t.partial;
  return AddPrefixToKvPath(t.partial, t.mount.mount_path, api_prefix);
}

// "== Secret Path ==\n<path>\n\n"
void OutputPath(Ctx& ctx, const std::string& path, std::string_view title) {
  ctx.out() << PadEqualSigns(title, path.size()) << "\n" << path << "\n\n";
}

const json::object* ObjectAt(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v && v->is_object() ? &v->as_object() : nullptr;
}

}  // namespace

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
  auto t = Resolve(ctx, *client, mount, (*args)[0], &code);
  if (!t) return code;
  std::string full = FullPath(*t, "data");
  api::QueryParams query;
  if (t->v2() && version > 0) query.emplace_back("version", std::to_string(version));
  auto secret = client->Read(full, query);
  if (!secret) return ServerError(ctx, "Error reading " + full, secret.error());
  if (!secret->has_value()) {
    ctx.err() << "No value found at " << full << "\n";
    return 2;
  }
  const json::object& s = **secret;
  const json::object* data = ObjectAt(s, "data");

  if (!ctx.global.field.empty()) {
    const std::string& field = ctx.global.field;
    if (!t->v2()) return PrintSecretField(ctx, s, field);
    const json::object* inner = data ? ObjectAt(*data, "data") : nullptr;
    if (inner == nullptr) {
      ctx.err() << "No data found at " << full << "\n";
      return 2;
    }
    if (field == "data" && !inner->contains("data")) return PrintSecretField(ctx, s, field);
    return PrintMapField(ctx, *inner, field);
  }
  if (ctx.format() != "table" || (s.contains("wrap_info") && !s.at("wrap_info").is_null())) {
    return OutputSecret(ctx, s);
  }
  PrintWarnings(ctx, s);
  if (t->v2()) OutputPath(ctx, full, "Secret Path");
  if (const json::object* meta = data ? ObjectAt(*data, "metadata") : nullptr) {
    ctx.out() << HeaderForMap("Metadata", *meta) << "\n";
    OutputData(ctx, *meta);
    ctx.out() << "\n";
  }
  // v1 prints the secret's data; v2 the "data" inside it (as vault does).
  const json::object* shown = t->v2() ? (data ? ObjectAt(*data, "data") : nullptr) : data;
  if (const json::object* inner = shown) {
    ctx.out() << HeaderForMap("Data", *inner) << "\n";
    OutputData(ctx, *inner);
  }
  return 0;
}

int RunKvPut(Ctx& ctx, const std::vector<std::string>& raw_args) {
  std::string mount;
  int cas = -1;
  ctx.flags.String("mount", &mount, "The KV mount; the argument is then the key in it.");
  ctx.flags.Int("cas", &cas, "Check-and-set version (KV v2); -1 disables.");
  auto args = ctx.Parse(raw_args);
  if (!args) return args.error();
  if (args->empty()) {
    ctx.err() << "Not enough arguments (expected >1, got 0)\n";
    return 1;
  }
  if (args->size() == 1) {
    ctx.err() << "Must supply data\n";
    return 1;
  }
  auto data = ParseKvArgs({args->begin() + 1, args->end()}, &ctx.in());
  if (!data) {
    ctx.err() << "Failed to parse K=V data: " << data.error().message() << "\n";
    return 1;
  }
  api::Client* client = ctx.client();
  if (client == nullptr) return 1;
  int code = 0;
  auto t = Resolve(ctx, *client, mount, (*args)[0], &code);
  if (!t) return code;
  std::string path = FullPath(*t, "data");
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
  OutputPath(ctx, path, "Secret Path");
  const json::object* meta = ObjectAt(**secret, "data");
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
  auto t = Resolve(ctx, *client, mount, (*args)[0], &code);
  if (!t) return code;
  std::string path;
  Result<std::optional<json::object>> secret = std::optional<json::object>();
  if (t->v2() && !versions.empty()) {
    path = FullPath(*t, "delete");
    json::array list;
    size_t pos = 0;
    while (pos <= versions.size()) {
      size_t comma = versions.find(',', pos);
      std::string v = versions.substr(pos, comma == std::string::npos ? comma : comma - pos);
      if (!v.empty()) list.emplace_back(v);
      if (comma == std::string::npos) break;
      pos = comma + 1;
    }
    secret = client->Write(path, json::object{{"versions", std::move(list)}});
  } else {
    path = FullPath(*t, "data");
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
  auto t = Resolve(ctx, *client, mount, args->empty() ? "" : (*args)[0], &code);
  if (!t) return code;
  return ListAndPrint(ctx, *client, EnsureTrailingSlash(FullPath(*t, "metadata")));
}

}  // namespace arca::cli
