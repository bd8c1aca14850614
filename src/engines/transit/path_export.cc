// export/:type/:name(/:version), backup/:name, restore(/:name), cache-config.
#include <charconv>

#include "common/encoding.h"
#include "engines/transit/internal.h"

namespace arca::engines::transit {
namespace {

using logical::Operation;
using logical::Request;
using logical::Response;
using logical::framework::FieldType;
using logical::framework::GenericNameRegex;
using logical::framework::OptionalParamRegex;

constexpr char kCacheConfigKey[] = "config/cache";

// The exported text of one version for `kind`.
Result<std::string> ExportVersion(const Policy& p, const KeyVersion& v, const std::string& kind) {
  if (kind == "hmac-key") {
    return Base64Encode(p.type == KeyType::kHmac ? v.key.view() : v.hmac_key.view());
  }
  if (kind == "encryption-key") {
    if (!SupportsEncryption(p.type)) return InvalidRequest("encryption not supported for the key");
    if (IsRsa(p.type)) return PrivateKeyText(p.type, v.pkey.get());
    return Base64Encode(v.key.view());
  }
  if (kind == "signing-key") {
    if (!SupportsSigning(p.type)) return InvalidRequest("signing not supported for the key");
    return PrivateKeyText(p.type, v.pkey.get());
  }
  if (kind == "public-key") {
    if (!IsAsymmetric(p.type)) return InvalidRequest("public key not available for key type");
    return PublicKeyText(p.type, v.pkey.get());
  }
  return InvalidRequest("invalid export type: " + kind);
}

Result<Response> HandleExport(State& st, Request& req, FieldData& d) {
  const std::string kind = d.GetString("type");
  if (kind != "encryption-key" && kind != "signing-key" && kind != "hmac-key" &&
      kind != "public-key") {
    return InvalidRequest("invalid export type: " + kind);
  }
  ARCA_ASSIGN_OR_RETURN(logical::Storage * s, st.StorageFor(req));
  ARCA_ASSIGN_OR_RETURN(PolicyPtr p, st.keys.Get(*s, d.GetString("name")));
  if (!p) return std::unexpected(Error(ErrorKind::kNotFound, std::vector<std::string>{}));
  if (!p->exportable && kind != "public-key") {
    return InvalidRequest("private key material is not exportable");
  }
  json::object keys;
  const std::string version = d.GetString("version");
  if (version.empty()) {
    for (const auto& [n, v] : p->versions) {
      ARCA_ASSIGN_OR_RETURN(std::string text, ExportVersion(*p, v, kind));
      keys[std::to_string(n)] = std::move(text);
    }
  } else {
    int64_t n = 0;
    if (version == "latest") {
      n = p->latest_version;
    } else {
      auto [ptr, ec] = std::from_chars(version.data(), version.data() + version.size(), n);
      if (ec != std::errc() || ptr != version.data() + version.size()) {
        return InvalidRequest("invalid key version");
      }
    }
    const KeyVersion* v = p->Version(n);
    if (v == nullptr) return InvalidRequest("version does not exist or cannot be found");
    ARCA_ASSIGN_OR_RETURN(std::string text, ExportVersion(*p, *v, kind));
    keys[std::to_string(n)] = std::move(text);
  }
  Response resp;
  resp.data["name"] = p->name;
  resp.data["type"] = KeyTypeName(p->type);
  resp.data["keys"] = std::move(keys);
  return resp;
}

Result<Response> HandleBackup(State& st, Request& req, FieldData& d) {
  ARCA_ASSIGN_OR_RETURN(logical::Storage * s, st.StorageFor(req));
  ARCA_ASSIGN_OR_RETURN(PolicyPtr p, st.keys.Get(*s, d.GetString("name")));
  if (!p) return InvalidRequest("key \"" + d.GetString("name") + "\" not found");
  if (!p->exportable) return InvalidRequest("exporting is disallowed on the policy");
  if (!p->allow_plaintext_backup) {
    return InvalidRequest("plaintext backup is disallowed on the policy");
  }
  json::object doc;
  doc["format"] = "arca-transit-backup-v1";
  doc["policy"] = p->ToStorageJson();
  std::string text = json::serialize(doc);
  Response resp;
  resp.data["backup"] = Base64Encode(text);
  SecureWipe(text);
  return resp;
}

Result<Response> HandleRestore(State& st, Request& req, FieldData& d) {
  ARCA_ASSIGN_OR_RETURN(logical::Storage * s, st.StorageFor(req));
  const std::string b64 = d.GetString("backup");
  if (b64.empty()) return InvalidRequest("'backup' must be supplied");
  auto text = Base64Decode(b64);
  if (!text) return InvalidRequest("failed to base64-decode backup");
  auto doc = ParseJsonObject(*text);
  SecureWipe(*text);
  if (!doc || !doc->contains("policy"))
    return InvalidRequest("invalid backup: not a transit backup");
  auto policy = Policy::FromStorageJson(doc->at("policy"));
  if (!policy || policy->versions.empty()) return InvalidRequest("invalid backup: corrupt key");
  std::string name = d.GetString("name");
  if (name.empty()) name = policy->name;
  if (name.find('/') != std::string::npos) return InvalidRequest("invalid key name");
  policy->name = name;
  ARCA_ASSIGN_OR_RETURN(PolicyPtr existing, st.keys.Get(*s, name));
  if (existing && !d.GetBool("force")) {
    return InvalidRequest("key \"" + name + "\" already exists");
  }
  ARCA_RETURN_IF_ERROR(st.keys.Put(*s, std::move(*policy)));
  return Response{};
}

Result<Response> ReadCacheConfig(State& st, Request&, FieldData&) {
  Response resp;
  resp.data["size"] = static_cast<int64_t>(st.keys.CacheSize());
  return resp;
}

Result<Response> WriteCacheConfig(State& st, Request& req, FieldData& d) {
  ARCA_ASSIGN_OR_RETURN(logical::Storage * s, st.StorageFor(req));
  const int64_t size = d.GetInt("size");
  if (size != 0 && size < 10) {
    return InvalidRequest("size must be 0 or a value greater or equal to 10");
  }
  json::object o;
  o["size"] = size;
  ARCA_RETURN_IF_ERROR(logical::PutJson(*s, kCacheConfigKey, o));
  st.keys.SetCacheSize(static_cast<size_t>(size));
  return ReadCacheConfig(st, req, d);
}

}  // namespace

std::vector<Path> ExportPaths(const StatePtr& st) {
  auto bind = [st](auto fn) {
    return [st, fn](Request& req, FieldData& d) { return fn(*st, req, d); };
  };
  std::vector<Path> paths;

  Path exp;
  exp.pattern = "export/" + GenericNameRegex("type") + "/" + GenericNameRegex("name") +
                OptionalParamRegex("version");
  exp.fields["type"] = {.type = FieldType::kString,
                        .description = "encryption-key, signing-key, hmac-key or public-key."};
  exp.fields["name"] = {.type = FieldType::kString, .description = "Name of the key."};
  exp.fields["version"] = {.type = FieldType::kString, .description = "Version or \"latest\"."};
  exp.operations[Operation::kRead] = {bind(HandleExport), "Export a named key."};
  exp.help_synopsis = "Export named encryption or signing key material.";
  paths.push_back(std::move(exp));

  Path backup;
  backup.pattern = "backup/" + GenericNameRegex("name");
  backup.fields["name"] = {.type = FieldType::kString, .description = "Name of the key."};
  backup.operations[Operation::kRead] = {bind(HandleBackup), "Back up a named key."};
  backup.help_synopsis = "Back up a named key (plaintext).";
  paths.push_back(std::move(backup));

  Path restore;
  restore.pattern = "restore" + OptionalParamRegex("name");
  restore.fields["name"] = {.type = FieldType::kString, .description = "New name of the key."};
  restore.fields["backup"] = {.type = FieldType::kString, .description = "Backup value."};
  restore.fields["force"] = {.type = FieldType::kBool, .description = "Overwrite a key."};
  restore.operations[Operation::kUpdate] = {bind(HandleRestore), "Restore a key backup."};
  restore.help_synopsis = "Restore a named key from a backup.";
  paths.push_back(std::move(restore));

  Path cache;
  cache.pattern = "cache-config";
  cache.fields["size"] = {.type = FieldType::kInt,
                          .description = "Cache size in keys (0 = unlimited, else >= 10)."};
  cache.operations[Operation::kRead] = {bind(ReadCacheConfig), "Read the cache size."};
  cache.operations[Operation::kUpdate] = {bind(WriteCacheConfig), "Set the cache size."};
  cache.help_synopsis = "Configure the key cache.";
  paths.push_back(std::move(cache));
  return paths;
}

}  // namespace arca::engines::transit
