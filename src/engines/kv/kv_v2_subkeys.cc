// KV v2 path "subkeys/<path>": the structure of a version's data with every leaf value null.
// depth limits the nesting (0 = unlimited; at the limit, objects are shown as null).
#include "engines/kv/kv_v2_internal.h"

namespace arca::engines::kv::v2 {
namespace {

using logical::Request;
using logical::Response;
using logical::framework::FieldData;
using logical::framework::FieldType;

json::object Subkeys(const json::object& data, int64_t depth, int64_t level) {
  json::object out;
  for (const auto& [k, v] : data) {
    if (v.is_object() && (depth == 0 || level < depth)) {
      out[k] = Subkeys(v.as_object(), depth, level + 1);
    } else {
      out[k] = nullptr;
    }
  }
  return out;
}

Result<Response> HandleRead(const State& st, Request& req, FieldData& d) {
  ARCA_ASSIGN_OR_RETURN(logical::Storage * s, st.StorageFor(req));
  ARCA_ASSIGN_OR_RETURN(std::string path, KeyPath(d.GetString("path")));
  ARCA_ASSIGN_OR_RETURN(int64_t requested, NonNegativeInt(d.Get("version"), "version"));
  ARCA_ASSIGN_OR_RETURN(int64_t depth, NonNegativeInt(d.Get("depth"), "depth"));
  ARCA_ASSIGN_OR_RETURN(auto meta, LoadMeta(*s, path));
  if (!meta) return NotFoundEmpty();
  int64_t version = requested == 0 ? meta->current_version : requested;
  auto it = meta->versions.find(version);
  if (it == meta->versions.end()) return NotFoundEmpty();

  json::object md = VersionMetadataJson(*meta, version);
  if (!IsLive(it->second, st.NowNs())) {
    Response r =
        Response::WithData(json::object{{"subkeys", nullptr}, {"metadata", std::move(md)}});
    r.status_code = 404;
    return r;
  }
  ARCA_ASSIGN_OR_RETURN(auto raw, s->Get(VersionKey(path, version)));
  if (!raw) return NotFoundEmpty();
  auto parsed = ParseJson(*raw);
  if (!parsed || !parsed->is_object()) return Internal("kv: stored version is not a JSON object");
  return Response::WithData(json::object{{"subkeys", Subkeys(parsed->as_object(), depth, 1)},
                                         {"metadata", std::move(md)}});
}

}  // namespace

logical::framework::Path SubkeysPath(StatePtr st) {
  logical::framework::Path p;
  p.pattern = "subkeys/(?<path>.*)";
  p.fields["path"] = {.type = FieldType::kString, .description = "Location of the secret."};
  p.fields["version"] = {.type = FieldType::kInt, .description = "Version (0 = latest)."};
  p.fields["depth"] = {.type = FieldType::kInt, .description = "Nesting depth (0 = unlimited)."};
  p.operations[logical::Operation::kRead] = {
      [st](Request& req, FieldData& d) { return HandleRead(*st, req, d); },
      "Read the key structure of a version, without values."};
  p.help_synopsis = "Read the structure of a secret without its values.";
  p.help_description = "Leaf values are returned as null; depth 0 means unlimited.";
  return p;
}

}  // namespace arca::engines::kv::v2
