// KV v2 path "data/<path>": read a version, write a new version (with check-and-set), patch the
// latest version (JSON merge patch), soft-delete the latest version.
#include "engines/kv/kv_v2_internal.h"

namespace arca::engines::kv::v2 {
namespace {

using logical::Request;
using logical::Response;
using logical::framework::FieldData;
using logical::framework::FieldType;

constexpr int64_t kNanosPerSecond = 1'000'000'000;

// The "options" object of a write body (absent or null -> empty).
Result<json::object> WriteOptions(const FieldData& d) {
  const json::value& raw = d.GetRaw("options");
  if (raw.is_null()) return json::object{};
  return d.GetMap("options");
}

// The "data" object of a write body; absent or null -> 400.
Result<json::object> WriteData(const FieldData& d) {
  if (d.GetRaw("data").is_null()) return InvalidRequest("no data provided");
  return d.GetMap("data");
}

// Writes `data` as the next version of `path`. The caller holds the key's lock (`guard`) and has
// loaded `meta` (nullopt for a new key) and the mount config. The new version's data, the
// metadata and the deletion of pruned versions are one storage batch (one physical write on
// transactional storage), or, past kMaxBatchOps, the data and metadata first and the pruned
// versions after (a crash in between leaves unreferenced version data, never a dangling version).
Result<Response> WriteVersion(const State& st, logical::Storage& s, State::KeyGuard& guard,
                              const std::string& path, json::object data,
                              const json::object& options, std::optional<KeyMeta> meta,
                              const MountConfig& cfg) {
  bool cas_required = cfg.cas_required || (meta && meta->cas_required);
  const json::value* cas_raw = options.if_contains("cas");
  if (cas_raw != nullptr && cas_raw->is_null()) cas_raw = nullptr;
  if (cas_raw == nullptr && cas_required) {
    return InvalidRequest("check-and-set parameter required for this call");
  }
  if (cas_raw != nullptr) {
    // A negative version can never be the current one: Vault's mismatch message, not a type
    // error (clients match on it).
    if ((cas_raw->is_int64() && cas_raw->as_int64() < 0) ||
        (cas_raw->is_double() && cas_raw->as_double() < 0)) {
      return InvalidRequest("check-and-set parameter did not match the current version");
    }
    ARCA_ASSIGN_OR_RETURN(int64_t cas, NonNegativeInt(*cas_raw, "cas"));
    int64_t current = meta ? meta->current_version : 0;
    if (cas != current) {
      return InvalidRequest("check-and-set parameter did not match the current version");
    }
  }

  int64_t now = st.NowNs();
  if (!meta) meta = KeyMeta{.created_ns = now};
  int64_t version = meta->current_version + 1;
  int64_t after = EffectiveDeleteAfter(cfg, *meta);
  VersionMeta vm{.created_ns = now, .deletion_ns = after > 0 ? now + after * kNanosPerSecond : 0};
  meta->versions[version] = vm;
  meta->current_version = version;
  meta->updated_ns = now;

  // Prune versions older than the newest max_versions.
  int64_t cutoff = version - EffectiveMaxVersions(cfg, *meta) + 1;
  std::vector<int64_t> pruned;
  while (!meta->versions.empty() && meta->versions.begin()->first < cutoff) {
    pruned.push_back(meta->versions.begin()->first);
    meta->versions.erase(meta->versions.begin());
  }
  if (!pruned.empty()) meta->oldest_version = meta->versions.begin()->first;

  using logical::WriteOp;
  std::vector<WriteOp> ops;
  ops.reserve(2 + pruned.size());
  ops.push_back({.kind = WriteOp::Kind::kPut,
                 .key = VersionKey(path, version),
                 .value = json::serialize(data)});
  ops.push_back({.kind = WriteOp::Kind::kPut, .key = MetaKey(path), .value = EncodeMeta(*meta)});
  for (int64_t n : pruned) {
    ops.push_back({.kind = WriteOp::Kind::kDelete, .key = VersionKey(path, n)});
  }
  for (size_t begin = 0; begin < ops.size();) {
    // The first batch always holds the data and the metadata together.
    size_t end = std::min(ops.size(), begin + kMaxBatchOps);
    ARCA_RETURN_IF_ERROR(
        s.Commit(std::span<const WriteOp>(ops.data() + begin, ops.data() + end)));
    begin = end;
  }

  json::object out = VersionMetadataJson(*meta, version);
  auto cached = std::make_shared<CachedKey>();
  cached->data_version = version;
  cached->data = std::make_shared<const json::object>(std::move(data));
  cached->data_metadata = out;
  cached->meta = std::move(*meta);
  guard.Publish(s, std::move(cached));
  return Response::WithData(std::move(out));
}

Result<Response> HandleRead(const State& st, Request& req, FieldData& d) {
  ARCA_ASSIGN_OR_RETURN(logical::Storage * s, st.StorageFor(req));
  ARCA_ASSIGN_OR_RETURN(std::string path, KeyPath(d.GetString("path")));
  ARCA_ASSIGN_OR_RETURN(int64_t requested, NonNegativeInt(d.Get("version"), "version"));
  ARCA_ASSIGN_OR_RETURN(auto key, st.ReadKey(*s, path));
  if (!key) return NotFoundEmpty();
  const KeyMeta& meta = key->meta;
  int64_t version = requested == 0 ? meta.current_version : requested;
  auto it = meta.versions.find(version);
  if (it == meta.versions.end()) return NotFoundEmpty();

  const bool cached = version == key->data_version;
  json::object md = cached ? key->data_metadata : VersionMetadataJson(meta, version);
  if (!IsLive(it->second, st.NowNs())) {
    Response r = Response::WithData(json::object{{"data", nullptr}, {"metadata", std::move(md)}});
    r.status_code = 404;
    return r;
  }
  if (cached) {
    return Response::WithData(json::object{{"data", *key->data}, {"metadata", std::move(md)}});
  }
  ARCA_ASSIGN_OR_RETURN(auto raw, s->Get(VersionKey(path, version)));
  if (!raw) return NotFoundEmpty();
  auto parsed = ParseJson(*raw);
  if (!parsed || !parsed->is_object()) return Internal("kv: stored version is not a JSON object");
  return Response::WithData(
      json::object{{"data", std::move(*parsed)}, {"metadata", std::move(md)}});
}

Result<Response> HandleWrite(const State& st, Request& req, FieldData& d) {
  ARCA_ASSIGN_OR_RETURN(logical::Storage * s, st.StorageFor(req));
  ARCA_ASSIGN_OR_RETURN(std::string path, KeyPath(d.GetString("path")));
  ARCA_ASSIGN_OR_RETURN(json::object data, WriteData(d));
  ARCA_ASSIGN_OR_RETURN(json::object options, WriteOptions(d));
  auto key_guard = st.LockKey(path);
  ARCA_ASSIGN_OR_RETURN(MountConfig cfg, st.Config(*s));
  ARCA_ASSIGN_OR_RETURN(auto meta, key_guard.Meta(*s));
  return WriteVersion(st, *s, key_guard, path, std::move(data), options, std::move(meta), cfg);
}

Result<Response> HandlePatch(const State& st, Request& req, FieldData& d) {
  ARCA_ASSIGN_OR_RETURN(logical::Storage * s, st.StorageFor(req));
  ARCA_ASSIGN_OR_RETURN(std::string path, KeyPath(d.GetString("path")));
  ARCA_ASSIGN_OR_RETURN(json::object patch, WriteData(d));
  ARCA_ASSIGN_OR_RETURN(json::object options, WriteOptions(d));
  auto key_guard = st.LockKey(path);
  ARCA_ASSIGN_OR_RETURN(MountConfig cfg, st.Config(*s));
  ARCA_ASSIGN_OR_RETURN(auto meta, key_guard.Meta(*s));
  if (!meta) return NotFoundEmpty();
  auto it = meta->versions.find(meta->current_version);
  if (it == meta->versions.end() || !IsLive(it->second, st.NowNs())) return NotFoundEmpty();
  ARCA_ASSIGN_OR_RETURN(auto raw, s->Get(VersionKey(path, meta->current_version)));
  if (!raw) return NotFoundEmpty();
  auto current = ParseJson(*raw);
  if (!current || !current->is_object()) {
    return Internal("kv: stored version is not a JSON object");
  }
  json::value merged = MergePatch(*current, patch);
  return WriteVersion(st, *s, key_guard, path, std::move(merged.as_object()), options,
                      std::move(meta), cfg);
}

Result<Response> HandleDelete(const State& st, Request& req, FieldData& d) {
  ARCA_ASSIGN_OR_RETURN(logical::Storage * s, st.StorageFor(req));
  ARCA_ASSIGN_OR_RETURN(std::string path, KeyPath(d.GetString("path")));
  auto key_guard = st.LockKey(path);
  ARCA_ASSIGN_OR_RETURN(auto meta, key_guard.Meta(*s));
  if (!meta) return Response{};
  auto it = meta->versions.find(meta->current_version);
  int64_t now = st.NowNs();
  if (it == meta->versions.end() || !IsLive(it->second, now)) return Response{};
  it->second.deletion_ns = now;
  ARCA_RETURN_IF_ERROR(SaveMeta(*s, path, *meta));
  return Response{};
}

Result<bool> Exists(const State& st, Request& req, FieldData& d) {
  ARCA_ASSIGN_OR_RETURN(logical::Storage * s, st.StorageFor(req));
  ARCA_ASSIGN_OR_RETURN(bool exists, st.KeyExists(*s, d.GetString("path")));
  return exists;
}

}  // namespace

logical::framework::Path DataPath(StatePtr st) {
  auto bind = [st](auto fn) {
    return [st, fn](Request& req, FieldData& d) { return fn(*st, req, d); };
  };
  logical::framework::Path p;
  p.pattern = "data/(?<path>.*)";
  p.fields["path"] = {.type = FieldType::kString, .description = "Location of the secret."};
  p.fields["version"] = {.type = FieldType::kInt, .description = "Version to read (0 = latest)."};
  p.fields["data"] = {.type = FieldType::kMap, .description = "The secret's keys and values."};
  p.fields["options"] = {.type = FieldType::kMap,
                         .description = "Write options: cas (check-and-set version)."};
  using logical::Operation;
  p.operations[Operation::kRead] = {bind(HandleRead), "Read a version of the secret."};
  p.operations[Operation::kUpdate] = {bind(HandleWrite), "Write a new version of the secret."};
  p.operations[Operation::kPatch] = {bind(HandlePatch),
                                     "Merge-patch the latest version into a new version."};
  p.operations[Operation::kDelete] = {bind(HandleDelete), "Soft-delete the latest version."};
  p.existence_check = bind(Exists);
  p.help_synopsis = "Write, patch, read and delete versioned secrets.";
  p.help_description =
      "A write creates a new version; options.cas makes it conditional on the current version "
      "(0 = only if the key does not exist). Reads return the latest version unless version is "
      "given. Deleted or destroyed versions read as 404 with their metadata.";
  return p;
}

}  // namespace arca::engines::kv::v2
