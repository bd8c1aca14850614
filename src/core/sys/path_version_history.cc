// sys/version-history: the Arca versions that have unsealed this storage, oldest first.
#include "core/expiration/lease_entry.h"
#include "core/version_history.h"
#include "core/barrier/barrier.h"
#include "core/sys/paths.h"

namespace arca::core::sys {

using logical::Operation;
using logical::Request;
using logical::Response;
namespace fw = logical::framework;

std::vector<fw::Path> VersionHistoryPaths(Core& core) {
  fw::Path p;
  p.pattern = "version-history/?";
  p.help_synopsis = "The history of Arca versions installed on this storage.";
  p.operations[Operation::kList] = {[&core](Request&, fw::FieldData&) -> Result<Response> {
    ARCA_ASSIGN_OR_RETURN(auto history, ReadVersionHistory(core.barrier()));
    json::array keys;
    json::object info;
    std::optional<std::string> previous;
    for (const auto& r : history) {
      keys.emplace_back(r.version);
      json::object i;
      i["timestamp_installed"] = UnixToRfc3339Utc(r.timestamp_installed);
      if (previous) i["previous_version"] = *previous;
      else i["previous_version"] = nullptr;
      if (r.build_date) i["build_date"] = *r.build_date;
      else i["build_date"] = nullptr;
      info[r.version] = std::move(i);
      previous = r.version;
    }
    json::object d;
    d["keys"] = std::move(keys);
    d["key_info"] = std::move(info);
    return Response::WithData(std::move(d));
  }, "List the installed versions."};
  std::vector<fw::Path> out;
  out.push_back(std::move(p));
  return out;
}

}  // namespace arca::core::sys
