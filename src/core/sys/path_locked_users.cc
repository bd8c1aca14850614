// sys/locked-users (GET, optional mount_accessor) and
// sys/locked-users/:mount_accessor/unlock/:alias_identifier (POST): the user lockout state the
// auth methods keep in logical::LockoutRegistry::Global().
#include "core/sys/paths.h"
#include "logical/lockout.h"

namespace arca::core::sys {

using logical::Operation;
using logical::Request;
using logical::Response;
namespace fw = logical::framework;

std::vector<fw::Path> LockedUserPaths(Core& core) {
  std::vector<fw::Path> paths;
  auto& registry = logical::LockoutRegistry::Global();

  fw::Path list;
  list.pattern = "locked-users";
  list.help_synopsis = "Report the locked user count metrics, by namespace and mount.";
  list.fields["mount_accessor"] = Field(fw::FieldType::kString, "Only this auth mount.");
  list.operations[Operation::kRead] = {[&registry](Request&, fw::FieldData& d) -> Result<Response> {
    return Response::WithData(registry.LockedUsersResponse(
        d.GetString("mount_accessor"), logical::LockoutRegistry::Clock::now()));
  }, "List locked users."};
  paths.push_back(std::move(list));

  fw::Path unlock;
  unlock.pattern = "locked-users/(?<mount_accessor>[^/]+)/unlock/(?<alias_identifier>.+)";
  unlock.help_synopsis = "Unlock a locked user.";
  unlock.fields["mount_accessor"] = Field(fw::FieldType::kString, "Accessor of the auth mount.");
  unlock.fields["alias_identifier"] =
      Field(fw::FieldType::kString, "The locked alias (for userpass: the username).");
  unlock.operations[Operation::kUpdate] = {[&core, &registry](Request&, fw::FieldData& d) -> Result<Response> {
    const std::string accessor = d.GetString("mount_accessor");
    const std::string alias = d.GetString("alias_identifier");
    bool known = false;
    for (const auto& route : core.router().All()) {
      if (route->accessor() == accessor && route->entry().is_auth) known = true;
    }
    if (!known) return InvalidRequest("no auth mount with accessor \"" + accessor + "\"");
    registry.Unlock(accessor, alias);
    return Response{};
  }, "Unlock a user."};
  paths.push_back(std::move(unlock));
  return paths;
}

}  // namespace arca::core::sys
