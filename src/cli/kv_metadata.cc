// `arca kv metadata get|put|patch|delete`: KV v2 key metadata.
#include <algorithm>
#include <charconv>
#include <ostream>

#include "cli/commands.h"
#include "cli/kv_target.h"
#include "cli/output.h"

namespace arca::cli {
namespace {

// Parses flags and resolves the metadata path; nullopt with *code set on failure.
std::optional<std::string> MetadataPath(Ctx& ctx, const std::vector<std::string>& raw_args,
                                        std::string* mount, api::Client** client, int* code) {
  auto args = ctx.Parse(raw_args);
  if (!args) {
    *code = args.error();
    return std::nullopt;
  }
  if (!ctx.CheckArgs(*args, 1, 1)) {
    *code = 1;
    return std::nullopt;
  }
  *client = ctx.client();
  if (*client == nullptr) {
    *code = 1;
    return std::nullopt;
  }
  auto t = ResolveKvTarget(ctx, **client, *mount, (*args)[0], code);
  if (!t) return std::nullopt;
  if (!t->v2()) {
    ctx.err() << "Metadata not supported on KV Version 1\n";
    *code = 1;
    return std::nullopt;
  }
  return KvFullPath(*t, "metadata");
}

}  // namespace

int RunKvMetadataGet(Ctx& ctx, const std::vector<std::string>& raw_args) {
  std::string mount;
  ctx.flags.String("mount", &mount, "The KV mount; the argument is then the key in it.");
  api::Client* client = nullptr;
  int code = 0;
  auto path = MetadataPath(ctx, raw_args, &mount, &client, &code);
  if (!path) return code;
  auto secret = client->Read(*path);
  if (!secret) return ServerError(ctx, "Error reading " + *path, secret.error());
  if (!secret->has_value()) {
    ctx.err() << "No value found at " << *path << "\n";
    return 2;
  }
  if (!ctx.global.field.empty()) return PrintSecretField(ctx, **secret, ctx.global.field);
  if (ctx.format() != "table") return OutputSecret(ctx, **secret);
  PrintWarnings(ctx, **secret);
  json::object data;
  if (const json::object* d = KvObjectAt(**secret, "data")) data = *d;
  json::object versions;
  if (const json::object* v = KvObjectAt(data, "versions")) versions = *v;
  data.erase("versions");
  OutputKvPath(ctx, *path, "Metadata Path");
  ctx.out() << HeaderForMap("Metadata", data) << "\n";
  OutputData(ctx, data);
  // Versions in numeric order (the keys are decimal strings).
  std::vector<std::pair<int64_t, std::string>> keys;
  for (const auto& kv : versions) {
    int64_t n = 0;
    std::string_view k = kv.key();
    auto [p, ec] = std::from_chars(k.data(), k.data() + k.size(), n);
    if (ec != std::errc() || p != k.data() + k.size()) continue;
    keys.emplace_back(n, std::string(k));
  }
  std::sort(keys.begin(), keys.end());
  for (const auto& [n, k] : keys) {
    const json::value& v = versions.at(k);
    json::object empty;
    const json::object& vo = v.is_object() ? v.as_object() : empty;
    ctx.out() << "\n" << HeaderForMap("Version " + std::to_string(n), vo) << "\n";
    OutputData(ctx, vo);
  }
  return 0;
}

namespace {

// kv metadata put and patch: the same flags; patch also takes -remove-custom-metadata and sends
// a JSON merge patch (removed keys set to null).
int WriteMetadata(Ctx& ctx, const std::vector<std::string>& raw_args, bool patch) {
  std::string mount, delete_after;
  int max_versions = -1;
  bool cas_required = false;
  std::vector<std::string> custom, remove;
  ctx.flags.String("mount", &mount, "The KV mount; the argument is then the key in it.");
  ctx.flags.Int("max-versions", &max_versions, "Versions to keep (0: the mount's default).");
  ctx.flags.Bool("cas-required", &cas_required, "Require check-and-set on writes.");
  ctx.flags.String("delete-version-after", &delete_after, "Delete versions after this duration.");
  ctx.flags.StringList("custom-metadata", &custom, "key=value metadata (repeatable).");
  if (patch) {
    ctx.flags.StringList("remove-custom-metadata", &remove,
                         "Custom metadata key to remove (repeatable).");
  }
  api::Client* client = nullptr;
  int code = 0;
  json::object custom_obj;
  auto path = MetadataPath(ctx, raw_args, &mount, &client, &code);
  if (!path) return code;
  for (const auto& kv : custom) {
    size_t eq = kv.find('=');
    if (eq == std::string::npos || eq == 0) {
      ctx.err() << "Invalid custom metadata \"" << kv << "\": format must be key=value\n";
      return 1;
    }
    custom_obj[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  for (const auto& k : remove) custom_obj[k] = nullptr;
  json::object body;
  if (ctx.flags.IsSet("max-versions")) body["max_versions"] = max_versions;
  if (ctx.flags.IsSet("cas-required")) body["cas_required"] = cas_required;
  if (ctx.flags.IsSet("delete-version-after")) body["delete_version_after"] = delete_after;
  if (!custom_obj.empty()) body["custom_metadata"] = std::move(custom_obj);
  Result<std::optional<json::object>> secret;
  if (patch) {
    auto r = client->Call("PATCH", *path, &body);
    if (!r) return ServerError(ctx, "Error writing data to " + *path, r.error());
    secret = std::optional<json::object>(std::move(*r));
  } else {
    secret = client->Write(*path, body);
    if (!secret) return ServerError(ctx, "Error writing data to " + *path, secret.error());
  }
  if (secret->has_value()) PrintWarnings(ctx, **secret);
  ctx.out() << "Success! Data written to: " << *path << "\n";
  return 0;
}

}  // namespace

int RunKvMetadataPut(Ctx& ctx, const std::vector<std::string>& raw_args) {
  return WriteMetadata(ctx, raw_args, /*patch=*/false);
}

int RunKvMetadataPatch(Ctx& ctx, const std::vector<std::string>& raw_args) {
  return WriteMetadata(ctx, raw_args, /*patch=*/true);
}

int RunKvMetadataDelete(Ctx& ctx, const std::vector<std::string>& raw_args) {
  std::string mount;
  ctx.flags.String("mount", &mount, "The KV mount; the argument is then the key in it.");
  api::Client* client = nullptr;
  int code = 0;
  auto path = MetadataPath(ctx, raw_args, &mount, &client, &code);
  if (!path) return code;
  auto secret = client->Delete(*path);
  if (!secret) return ServerError(ctx, "Error deleting " + *path, secret.error());
  if (secret->has_value()) PrintWarnings(ctx, **secret);
  ctx.out() << "Success! Data deleted (if it existed) at: " << *path << "\n";
  return 0;
}

}  // namespace arca::cli
