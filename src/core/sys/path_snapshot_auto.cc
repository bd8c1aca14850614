// sys/storage/raft/snapshot-auto/config/:name (create/update, read, delete), LIST
// sys/storage/raft/snapshot-auto/config and sys/storage/raft/snapshot-auto/status/:name: Vault
// Enterprise's scheduled snapshots, with storage_type "local" (core/auto_snapshots.h).
#include "core/auto_snapshots.h"
#include "core/sys/paths.h"

namespace arca::core::sys {

using logical::Operation;
using logical::Request;
using logical::Response;
namespace fw = logical::framework;

std::vector<fw::Path> SnapshotAutoPaths(Core& core) {
  std::vector<fw::Path> paths;

  fw::Path list;
  list.pattern = "storage/raft/snapshot-auto/config/?";
  list.help_synopsis = "List the scheduled snapshot configurations.";
  list.operations[Operation::kList] = {[&core](Request&, fw::FieldData&) -> Result<Response> {
    ARCA_ASSIGN_OR_RETURN(auto names, core.auto_snapshots().List());
    return Response::ListResponse(names);
  }, "List the configurations."};
  paths.push_back(std::move(list));

  fw::Path config;
  config.pattern = "storage/raft/snapshot-auto/config/(?<name>[^/]+)";
  config.help_synopsis = "Configure scheduled snapshots.";
  config.fields["name"] = Field(fw::FieldType::kNameString, "Name of the configuration.");
  config.fields["interval"] = Field(
      fw::FieldType::kDuration, "Time between snapshots: seconds, or a duration string (24h).");
  config.fields["retain"] = Field(fw::FieldType::kInt, "How many snapshots to keep.", 1);
  config.fields["path_prefix"] =
      Field(fw::FieldType::kString, "For storage_type=local: the directory of the snapshots.");
  config.fields["file_prefix"] = Field(fw::FieldType::kString,
                                       "The start of the snapshot file names.", "vault-snapshot");
  config.fields["storage_type"] =
      Field(fw::FieldType::kString, "Where snapshots are written: only \"local\" is supported.");
  config.fields["local_max_space"] = Field(
      fw::FieldType::kInt,
      "For storage_type=local: the most bytes this configuration's snapshots may use (0: no "
      "limit).",
      0);
  config.fields["autoload_enabled"] =
      Field(fw::FieldType::kBool, "Not allowed for storage_type=local.", false);
  auto write = [&core](Request&, fw::FieldData& d) -> Result<Response> {
    const std::string name = d.GetString("name");
    AutoSnapshotConfig c;
    auto existing = core.auto_snapshots().Get(name);
    if (existing) {
      c = *existing;
    } else if (existing.error().kind() != ErrorKind::kNotFound) {
      return std::unexpected(existing.error());
    } else {
      if (!d.Has("interval")) return InvalidRequest("interval is required");
      if (!d.Has("storage_type")) return InvalidRequest("storage_type is required");
      if (!d.Has("path_prefix")) return InvalidRequest("path_prefix is required");
    }
    if (d.Has("interval")) c.interval = d.GetDuration("interval");
    if (d.Has("retain")) c.retain = d.GetInt("retain");
    if (d.Has("path_prefix")) c.path_prefix = d.GetString("path_prefix");
    if (d.Has("file_prefix")) c.file_prefix = d.GetString("file_prefix");
    if (d.Has("storage_type")) c.storage_type = d.GetString("storage_type");
    if (d.Has("local_max_space")) c.local_max_space = d.GetInt("local_max_space");
    if (d.GetBool("autoload_enabled")) {
      return InvalidRequest("autoload_enabled is not allowed for storage_type=local");
    }
    ARCA_RETURN_IF_ERROR(core.auto_snapshots().Put(name, c));
    return Response{};
  };
  config.operations[Operation::kCreate] = {write, "Create a configuration."};
  config.operations[Operation::kUpdate] = {write, "Update a configuration."};
  config.operations[Operation::kRead] = {[&core](Request&, fw::FieldData& d) -> Result<Response> {
    ARCA_ASSIGN_OR_RETURN(AutoSnapshotConfig c, core.auto_snapshots().Get(d.GetString("name")));
    return Response::WithData(c.ToJson());
  }, "Read a configuration."};
  config.operations[Operation::kDelete] = {[&core](Request&, fw::FieldData& d) -> Result<Response> {
    ARCA_RETURN_IF_ERROR(core.auto_snapshots().Delete(d.GetString("name")));
    return Response{};
  }, "Delete a configuration (its snapshot files stay)."};
  paths.push_back(std::move(config));

  fw::Path status;
  status.pattern = "storage/raft/snapshot-auto/status/(?<name>[^/]+)";
  status.help_synopsis = "Status of a scheduled snapshot configuration.";
  status.fields["name"] = Field(fw::FieldType::kNameString, "Name of the configuration.");
  status.operations[Operation::kRead] = {[&core](Request&, fw::FieldData& d) -> Result<Response> {
    ARCA_ASSIGN_OR_RETURN(AutoSnapshotStatus st,
                          core.auto_snapshots().GetStatus(d.GetString("name")));
    return Response::WithData(st.ToJson());
  }, "Read the status of a configuration."};
  paths.push_back(std::move(status));
  return paths;
}

}  // namespace arca::core::sys
