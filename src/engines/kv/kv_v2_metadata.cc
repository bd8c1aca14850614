// KV v2 path "metadata/<path>": read, write, patch and delete a key's metadata (deleting it
// removes every version), and list keys.
#include "common/duration.h"
#include "engines/kv/kv_v2_internal.h"

namespace arca::engines::kv::v2 {
namespace {

using logical::Request;
using logical::Response;
using logical::framework::FieldData;
using logical::framework::FieldType;

Result<Response> HandleRead(const State& st, Request& req, FieldData& d) {
  ARCA_ASSIGN_OR_RETURN(logical::Storage * s, st.StorageFor(req));
  ARCA_ASSIGN_OR_RETURN(std::string path, KeyPath(d.GetString("path")));
  ARCA_ASSIGN_OR_RETURN(auto meta, LoadMeta(*s, path));
  if (!meta) return NotFoundEmpty();
  json::object versions;
  for (const auto& [n, v] : meta->versions) {
    versions[std::to_string(n)] = json::object{{"created_time", FormatTime(v.created_ns)},
                                               {"deletion_time", FormatTime(v.deletion_ns)},
                                               {"destroyed", v.destroyed}};
  }
  return Response::WithData(
      json::object{{"cas_required", meta->cas_required},
                   {"created_time", FormatTime(meta->created_ns)},
                   {"current_version", meta->current_version},
                   {"custom_metadata", CustomMetadataJson(*meta)},
                   {"delete_version_after", FormatGoDuration(Seconds(meta->delete_version_after))},
                   {"max_versions", meta->max_versions},
                   {"oldest_version", meta->oldest_version},
                   {"updated_time", FormatTime(meta->updated_ns)},
                   {"versions", std::move(versions)}});
}

// Applies the given fields to `meta`; `merge` selects PATCH semantics for custom_metadata.
Status ApplyFields(const FieldData& d, bool merge, KeyMeta& meta) {
  if (d.Has("max_versions")) {
    if (d.GetInt("max_versions") < 0) return InvalidRequest("max_versions must not be negative");
  }
  json::object custom = meta.custom_metadata;
  if (d.Has("custom_metadata")) {
    json::object given = d.GetMap("custom_metadata");
    custom = merge ? MergePatch(custom, given).as_object() : given;
    ARCA_RETURN_IF_ERROR(ValidateCustomMetadata(custom));
  }
  // Validation done: nothing below fails.
  if (d.Has("max_versions")) meta.max_versions = d.GetInt("max_versions");
  if (d.Has("cas_required")) meta.cas_required = d.GetBool("cas_required");
  if (d.Has("delete_version_after")) {
    meta.delete_version_after = d.GetDuration("delete_version_after").count();
  }
  meta.custom_metadata = std::move(custom);
  return OkStatus();
}

Result<Response> Write(const State& st, Request& req, FieldData& d, bool patch) {
  ARCA_ASSIGN_OR_RETURN(logical::Storage * s, st.StorageFor(req));
  ARCA_ASSIGN_OR_RETURN(std::string path, KeyPath(d.GetString("path")));
  auto key_guard = st.LockKey(path);
  ARCA_ASSIGN_OR_RETURN(auto meta, key_guard.Meta(*s));
  int64_t now = st.NowNs();
  if (!meta) {
    if (patch) return NotFoundEmpty();
    meta = KeyMeta{.created_ns = now};
  }
  ARCA_RETURN_IF_ERROR(ApplyFields(d, patch, *meta));
  meta->updated_ns = now;
  ARCA_RETURN_IF_ERROR(SaveMeta(*s, path, *meta));
  return Response{};
}

Result<Response> HandleWrite(const State& st, Request& req, FieldData& d) {
  return Write(st, req, d, /*patch=*/false);
}

Result<Response> HandlePatch(const State& st, Request& req, FieldData& d) {
  return Write(st, req, d, /*patch=*/true);
}

Result<Response> HandleDelete(const State& st, Request& req, FieldData& d) {
  ARCA_ASSIGN_OR_RETURN(logical::Storage * s, st.StorageFor(req));
  ARCA_ASSIGN_OR_RETURN(std::string path, KeyPath(d.GetString("path")));
  auto key_guard = st.LockKey(path);
  ARCA_ASSIGN_OR_RETURN(auto meta, key_guard.Meta(*s));
  if (meta) ARCA_RETURN_IF_ERROR(DeleteKey(*s, path, *meta));
  return Response{};
}

Result<Response> HandleList(const State& st, Request& req, FieldData& d) {
  ARCA_ASSIGN_OR_RETURN(logical::Storage * s, st.StorageFor(req));
  std::string prefix = d.GetString("path");
  if (!prefix.empty() && !prefix.ends_with('/')) prefix += '/';
  ARCA_ASSIGN_OR_RETURN(auto keys, s->List("metadata/" + prefix));
  return Response::ListResponse(keys);
}

Result<bool> Exists(const State& st, Request& req, FieldData& d) {
  ARCA_ASSIGN_OR_RETURN(logical::Storage * s, st.StorageFor(req));
  ARCA_ASSIGN_OR_RETURN(auto meta, LoadMeta(*s, d.GetString("path")));
  return meta.has_value();
}

}  // namespace

logical::framework::Path MetadataPath(StatePtr st) {
  auto bind = [st](auto fn) {
    return [st, fn](Request& req, FieldData& d) { return fn(*st, req, d); };
  };
  logical::framework::Path p;
  p.pattern = "metadata(?:/(?<path>.*))?";
  p.fields["path"] = {.type = FieldType::kString, .description = "Location of the secret."};
  p.fields["max_versions"] = {.type = FieldType::kInt,
                              .description = "Versions kept for this key (0 = the mount's)."};
  p.fields["cas_required"] = {.type = FieldType::kBool,
                              .description = "Require check-and-set on writes of this key."};
  p.fields["delete_version_after"] = {
      .type = FieldType::kDuration,
      .description = "Soft-delete versions this long after they are written (0 = the mount's)."};
  p.fields["custom_metadata"] = {
      .type = FieldType::kMap,
      .description = "String keys and values (at most 64 keys, 128-byte keys, 512-byte values)."};
  using logical::Operation;
  p.operations[Operation::kRead] = {bind(HandleRead), "Read the key's metadata and versions."};
  p.operations[Operation::kUpdate] = {bind(HandleWrite), "Write the key's metadata."};
  p.operations[Operation::kPatch] = {bind(HandlePatch), "Patch the key's metadata."};
  p.operations[Operation::kDelete] = {bind(HandleDelete),
                                      "Delete the key's metadata and all its versions."};
  p.operations[Operation::kList] = {bind(HandleList), "List keys one level below the path."};
  p.existence_check = bind(Exists);
  p.help_synopsis = "Configure and read a key's metadata; list keys.";
  p.help_description =
      "Deleting the metadata removes every version of the key permanently. custom_metadata is "
      "replaced by a write and merged by a patch (null removes a key).";
  return p;
}

}  // namespace arca::engines::kv::v2
