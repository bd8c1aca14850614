// KV v2 path "config": mount-wide max_versions, cas_required, delete_version_after.
#include "common/duration.h"
#include "engines/kv/kv_v2_internal.h"

namespace arca::engines::kv::v2 {
namespace {

using logical::Request;
using logical::Response;
using logical::framework::FieldData;
using logical::framework::FieldType;

Result<Response> ReadConfig(const State& st, Request& req, FieldData&) {
  ARCA_ASSIGN_OR_RETURN(logical::Storage * s, st.StorageFor(req));
  ARCA_ASSIGN_OR_RETURN(MountConfig c, st.Config(*s));
  return Response::WithData(
      json::object{{"max_versions", c.max_versions},
                   {"cas_required", c.cas_required},
                   {"delete_version_after", FormatGoDuration(Seconds(c.delete_version_after))}});
}

Result<Response> WriteConfig(const State& st, Request& req, FieldData& d) {
  ARCA_ASSIGN_OR_RETURN(logical::Storage * s, st.StorageFor(req));
  std::lock_guard lock(st.ConfigLock());
  ARCA_ASSIGN_OR_RETURN(MountConfig c, LoadConfig(*s));
  if (d.Has("max_versions")) {
    if (d.GetInt("max_versions") < 0) return InvalidRequest("max_versions must not be negative");
    c.max_versions = d.GetInt("max_versions");
  }
  if (d.Has("cas_required")) c.cas_required = d.GetBool("cas_required");
  if (d.Has("delete_version_after")) {
    c.delete_version_after = d.GetDuration("delete_version_after").count();
  }
  if (Status saved = SaveConfig(*s, c); !saved) {
    st.SetConfig(*s, std::nullopt);  // the write's outcome is unknown: reload next time
    return std::unexpected(saved.error());
  }
  st.SetConfig(*s, c);
  return Response{};
}

}  // namespace

logical::framework::Path ConfigPath(StatePtr st) {
  auto bind = [st](auto fn) {
    return [st, fn](Request& req, FieldData& d) { return fn(*st, req, d); };
  };
  logical::framework::Path p;
  p.pattern = "config";
  p.fields["max_versions"] = {.type = FieldType::kInt,
                              .description = "Versions kept per key (0 = 10)."};
  p.fields["cas_required"] = {.type = FieldType::kBool,
                              .description = "Require check-and-set on every write."};
  p.fields["delete_version_after"] = {
      .type = FieldType::kDuration,
      .description = "Soft-delete versions this long after they are written (0 = never)."};
  p.operations[logical::Operation::kRead] = {bind(ReadConfig), "Read the backend configuration."};
  p.operations[logical::Operation::kUpdate] = {bind(WriteConfig), "Configure the backend."};
  p.help_synopsis = "Configures settings for the KV store.";
  p.help_description =
      "max_versions, cas_required and delete_version_after apply to every key "
      "that does not override them in its metadata.";
  return p;
}

}  // namespace arca::engines::kv::v2
