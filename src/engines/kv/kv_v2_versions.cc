// KV v2 paths "delete/<path>", "undelete/<path>", "destroy/<path>": act on listed versions.
// Unknown version numbers are ignored (as in Vault); destroyed versions stay destroyed.
#include <vector>

#include "engines/kv/kv_v2_internal.h"

namespace arca::engines::kv::v2 {
namespace {

using logical::Request;
using logical::Response;
using logical::framework::FieldData;
using logical::framework::FieldType;

enum class Action { kDelete, kUndelete, kDestroy };

Result<std::vector<int64_t>> Versions(const FieldData& d) {
  std::vector<int64_t> versions = d.GetIntSlice("versions");
  if (versions.empty()) return InvalidRequest("no version number provided");
  for (int64_t v : versions) {
    if (v < 0) return InvalidRequest("invalid version number " + std::to_string(v));
  }
  return versions;
}

Result<Response> Apply(const State& st, Action action, Request& req, FieldData& d) {
  ARCA_ASSIGN_OR_RETURN(logical::Storage * s, st.StorageFor(req));
  ARCA_ASSIGN_OR_RETURN(std::string path, KeyPath(d.GetString("path")));
  ARCA_ASSIGN_OR_RETURN(std::vector<int64_t> versions, Versions(d));
  auto key_guard = st.LockKey(path);
  ARCA_ASSIGN_OR_RETURN(auto meta, key_guard.Meta(*s));
  if (!meta) return Response{};
  int64_t now = st.NowNs();
  std::vector<int64_t> destroyed;
  bool changed = false;
  for (int64_t n : versions) {
    auto it = meta->versions.find(n);
    if (it == meta->versions.end() || it->second.destroyed) continue;
    VersionMeta& v = it->second;
    switch (action) {
      case Action::kDelete:
        if (IsLive(v, now)) {
          v.deletion_ns = now;
          changed = true;
        }
        break;
      case Action::kUndelete:
        if (v.deletion_ns != 0) {
          v.deletion_ns = 0;
          changed = true;
        }
        break;
      case Action::kDestroy:
        v.destroyed = true;
        destroyed.push_back(n);
        changed = true;
        break;
    }
  }
  if (!changed) return Response{};
  ARCA_RETURN_IF_ERROR(SaveMeta(*s, path, *meta));
  for (int64_t n : destroyed) ARCA_RETURN_IF_ERROR(s->Delete(VersionKey(path, n)));
  return Response{};
}

logical::framework::Path VersionsPath(StatePtr st, std::string prefix, Action action,
                                      std::string summary) {
  logical::framework::Path p;
  p.pattern = prefix + "/(?<path>.*)";
  p.fields["path"] = {.type = FieldType::kString, .description = "Location of the secret."};
  p.fields["versions"] = {.type = FieldType::kCommaIntSlice,
                          .description = "The versions to act on."};
  p.operations[logical::Operation::kUpdate] = {
      [st, action](Request& req, FieldData& d) { return Apply(*st, action, req, d); }, summary};
  p.help_synopsis = summary;
  p.help_description = summary + " Versions that do not exist are ignored.";
  return p;
}

}  // namespace

logical::framework::Path DeletePath(StatePtr st) {
  return VersionsPath(std::move(st), "delete", Action::kDelete,
                      "Soft-delete the given versions of the secret.");
}

logical::framework::Path UndeletePath(StatePtr st) {
  return VersionsPath(std::move(st), "undelete", Action::kUndelete,
                      "Restore soft-deleted versions of the secret.");
}

logical::framework::Path DestroyPath(StatePtr st) {
  return VersionsPath(std::move(st), "destroy", Action::kDestroy,
                      "Permanently remove the data of the given versions of the secret.");
}

}  // namespace arca::engines::kv::v2
