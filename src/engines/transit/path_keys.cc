// keys, keys/:name, keys/:name/config, keys/:name/rotate, keys/:name/trim.
#include <fmt/format.h>

#include "engines/transit/internal.h"

namespace arca::engines::transit {
namespace {

using logical::Operation;
using logical::Request;
using logical::Response;
using logical::framework::FieldMap;
using logical::framework::FieldType;
using logical::framework::GenericNameRegex;

FieldMap NameField() {
  return {{"name", {.type = FieldType::kString, .description = "Name of the key."}}};
}

Result<Response> ListKeys(State& st, Request& req, FieldData&) {
  ARCA_ASSIGN_OR_RETURN(logical::Storage * s, st.StorageFor(req));
  ARCA_ASSIGN_OR_RETURN(auto keys, st.keys.List(*s));
  return Response::ListResponse(keys);
}

Result<Response> ReadKey(State& st, Request& req, FieldData& d) {
  ARCA_ASSIGN_OR_RETURN(logical::Storage * s, st.StorageFor(req));
  ARCA_ASSIGN_OR_RETURN(PolicyPtr p, st.keys.Get(*s, d.GetString("name")));
  if (!p) return std::unexpected(Error(ErrorKind::kNotFound, std::vector<std::string>{}));
  return KeyResponse(*p);
}

Result<KeyOptions> OptionsFrom(FieldData& d) {
  KeyOptions o;
  ARCA_ASSIGN_OR_RETURN(o.type, ParseKeyType(d.GetString("type")));
  o.derived = d.GetBool("derived");
  o.convergent = d.GetBool("convergent_encryption");
  o.exportable = d.GetBool("exportable");
  o.allow_plaintext_backup = d.GetBool("allow_plaintext_backup");
  o.auto_rotate_period = d.GetDuration("auto_rotate_period").count();
  o.key_size = d.GetInt("key_size");
  return o;
}

Result<Response> CreateKey(State& st, Request& req, FieldData& d) {
  ARCA_ASSIGN_OR_RETURN(logical::Storage * s, st.StorageFor(req));
  const std::string name = d.GetString("name");
  ARCA_ASSIGN_OR_RETURN(KeyOptions opts, OptionsFrom(d));
  bool created = false;
  ARCA_ASSIGN_OR_RETURN(
      PolicyPtr p,
      st.keys.GetOrCreate(
          *s, name, [&] { return Policy::Create(name, opts, st.keys.Now()); }, &created));
  Response resp = KeyResponse(*p);
  if (!created) resp.warnings.push_back(fmt::format("key {} already existed", name));
  return resp;
}

Result<Response> DeleteKey(State& st, Request& req, FieldData& d) {
  ARCA_ASSIGN_OR_RETURN(logical::Storage * s, st.StorageFor(req));
  const std::string name = d.GetString("name");
  ARCA_ASSIGN_OR_RETURN(PolicyPtr p, st.keys.Get(*s, name));
  if (!p) return InvalidRequest("could not delete key; not found");
  if (!p->deletion_allowed) return InvalidRequest("deletion is not allowed for this key");
  ARCA_RETURN_IF_ERROR(st.keys.Delete(*s, name));
  return Response{};
}

Status ApplyConfig(Policy& p, FieldData& d) {
  if (d.Has("min_decryption_version")) {
    int64_t v = d.GetInt("min_decryption_version");
    if (v < 0) return InvalidRequest("min decryption version must be a positive integer");
    if (v == 0) v = 1;
    if (v > p.latest_version) {
      return InvalidRequest(
          fmt::format("cannot set min decryption version of {}, latest key version is {}", v,
                      p.latest_version));
    }
    if (v < p.min_available_version) {
      return InvalidRequest("min decryption version should not be less than min available version");
    }
    p.min_decryption_version = v;
  }
  if (d.Has("min_encryption_version")) {
    int64_t v = d.GetInt("min_encryption_version");
    if (v < 0) return InvalidRequest("min encryption version must be a positive integer");
    if (v > p.latest_version) {
      return InvalidRequest(
          fmt::format("cannot set min encryption version of {}, latest key version is {}", v,
                      p.latest_version));
    }
    p.min_encryption_version = v;
  }
  if (p.min_encryption_version > 0 && p.min_encryption_version < p.min_decryption_version) {
    return InvalidRequest("min encryption version should not be less than min decryption version");
  }
  if (d.Has("deletion_allowed")) p.deletion_allowed = d.GetBool("deletion_allowed");
  if (d.Has("exportable")) {
    bool v = d.GetBool("exportable");
    if (p.exportable && !v)
      return InvalidRequest("exportable key setting cannot be disabled once enabled");
    p.exportable = v;
  }
  if (d.Has("allow_plaintext_backup")) {
    bool v = d.GetBool("allow_plaintext_backup");
    if (p.allow_plaintext_backup && !v) {
      return InvalidRequest("allow_plaintext_backup cannot be disabled once enabled");
    }
    p.allow_plaintext_backup = v;
  }
  if (d.Has("auto_rotate_period")) {
    int64_t v = d.GetDuration("auto_rotate_period").count();
    if (v != 0 && v < 3600) {
      return InvalidRequest("auto rotate period must be 0 to disable or at least an hour");
    }
    p.auto_rotate_period = v;
  }
  return OkStatus();
}

Result<Response> ConfigKey(State& st, Request& req, FieldData& d) {
  ARCA_ASSIGN_OR_RETURN(logical::Storage * s, st.StorageFor(req));
  ARCA_ASSIGN_OR_RETURN(PolicyPtr p, st.keys.Update(*s, d.GetString("name"),
                                                    [&](Policy& q) { return ApplyConfig(q, d); }));
  return KeyResponse(*p);
}

Result<Response> RotateKey(State& st, Request& req, FieldData& d) {
  ARCA_ASSIGN_OR_RETURN(logical::Storage * s, st.StorageFor(req));
  ARCA_ASSIGN_OR_RETURN(PolicyPtr p, st.keys.Update(*s, d.GetString("name"), [&](Policy& q) {
    return q.Rotate(st.keys.Now());
  }));
  return KeyResponse(*p);
}

Result<Response> TrimKey(State& st, Request& req, FieldData& d) {
  ARCA_ASSIGN_OR_RETURN(logical::Storage * s, st.StorageFor(req));
  if (!d.Has("min_available_version")) return InvalidRequest("missing min_available_version");
  const int64_t v = d.GetInt("min_available_version");
  ARCA_ASSIGN_OR_RETURN(
      PolicyPtr p, st.keys.Update(*s, d.GetString("name"), [&](Policy& q) { return q.Trim(v); }));
  return KeyResponse(*p);
}

}  // namespace

std::vector<Path> KeyPaths(const StatePtr& st) {
  auto bind = [st](auto fn) {
    return [st, fn](Request& req, FieldData& d) { return fn(*st, req, d); };
  };
  std::vector<Path> paths;

  Path list;
  list.pattern = "keys/?";
  list.operations[Operation::kList] = {bind(ListKeys), "List the named keys."};
  list.help_synopsis = "Manage named encryption keys.";
  paths.push_back(std::move(list));

  Path config;
  config.pattern = "keys/" + GenericNameRegex("name") + "/config";
  config.fields = NameField();
  config.fields["min_decryption_version"] = {
      .type = FieldType::kInt, .description = "Minimum key version allowed for decryption."};
  config.fields["min_encryption_version"] = {
      .type = FieldType::kInt,
      .description = "Minimum key version used for encryption (0 = latest)."};
  config.fields["deletion_allowed"] = {.type = FieldType::kBool,
                                       .description = "Whether the key may be deleted."};
  config.fields["exportable"] = {.type = FieldType::kBool,
                                 .description = "Enables export; cannot be disabled again."};
  config.fields["allow_plaintext_backup"] = {
      .type = FieldType::kBool,
      .description = "Enables plaintext backup; cannot be disabled again."};
  config.fields["auto_rotate_period"] = {
      .type = FieldType::kDuration, .description = "Automatic rotation period (0 = off, >= 1h)."};
  config.operations[Operation::kUpdate] = {bind(ConfigKey), "Configure a named key."};
  config.help_synopsis = "Configure a named encryption key.";
  paths.push_back(std::move(config));

  Path rotate;
  rotate.pattern = "keys/" + GenericNameRegex("name") + "/rotate";
  rotate.fields = NameField();
  rotate.operations[Operation::kUpdate] = {bind(RotateKey), "Rotate a named key."};
  rotate.help_synopsis = "Rotate a named encryption key.";
  paths.push_back(std::move(rotate));

  Path trim;
  trim.pattern = "keys/" + GenericNameRegex("name") + "/trim";
  trim.fields = NameField();
  trim.fields["min_available_version"] = {.type = FieldType::kInt,
                                          .description = "Versions below this one are deleted."};
  trim.operations[Operation::kUpdate] = {bind(TrimKey), "Trim old key versions."};
  trim.help_synopsis = "Trim key versions of a named key.";
  paths.push_back(std::move(trim));

  Path key;
  key.pattern = "keys/" + GenericNameRegex("name");
  key.fields = NameField();
  key.fields["type"] = {.type = FieldType::kString,
                        .description = "Type of the key.",
                        .default_value = "aes256-gcm96"};
  key.fields["derived"] = {.type = FieldType::kBool,
                           .description = "Enables key derivation (requires a context)."};
  key.fields["convergent_encryption"] = {
      .type = FieldType::kBool, .description = "Deterministic encryption (needs derived)."};
  key.fields["exportable"] = {.type = FieldType::kBool, .description = "Enables key export."};
  key.fields["allow_plaintext_backup"] = {.type = FieldType::kBool,
                                          .description = "Enables plaintext backup."};
  key.fields["auto_rotate_period"] = {.type = FieldType::kDuration,
                                      .description = "Automatic rotation period (0 = off, >= 1h)."};
  key.fields["key_size"] = {.type = FieldType::kInt,
                            .description = "HMAC key size in bytes (32..512)."};
  key.fields["context"] = {.type = FieldType::kString, .description = "Unused (legacy)."};
  key.operations[Operation::kRead] = {bind(ReadKey), "Read a named key."};
  key.operations[Operation::kUpdate] = {bind(CreateKey), "Create a named key."};
  key.operations[Operation::kDelete] = {bind(DeleteKey), "Delete a named key."};
  // No existence check: as in Vault, creating a key needs the update capability.
  key.help_synopsis = "Manage a named encryption key.";
  paths.push_back(std::move(key));
  return paths;
}

}  // namespace arca::engines::transit
