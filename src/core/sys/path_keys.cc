// sys/rotate and sys/key-status.
#include "core/barrier/barrier.h"
#include "core/sys/paths.h"

namespace arca::core::sys {

using logical::Operation;
using logical::Request;
using logical::Response;
namespace fw = logical::framework;

std::vector<fw::Path> KeyPaths(Core& core) {
  std::vector<fw::Path> paths;

  fw::Path rotate;
  rotate.pattern = "rotate";
  rotate.help_synopsis = "Rotates the backend encryption key used to persist data.";
  rotate.operations[Operation::kUpdate] = {[&core](Request&, fw::FieldData&) -> Result<Response> {
    ARCA_RETURN_IF_ERROR(core.barrier().Rotate());
    return Response{};
  }, "Rotate the barrier key."};
  paths.push_back(std::move(rotate));

  fw::Path status;
  status.pattern = "key-status";
  status.help_synopsis = "Provides information about the backend encryption key.";
  status.operations[Operation::kRead] = {[&core](Request&, fw::FieldData&) -> Result<Response> {
    ARCA_ASSIGN_OR_RETURN(KeyStatus ks, core.barrier().GetKeyStatus());
    json::object d;
    d["term"] = static_cast<int64_t>(ks.term);
    d["install_time"] = ks.install_time;
    d["encryptions"] = static_cast<int64_t>(ks.encryptions);
    Response resp = Response::WithData(std::move(d));
    resp.data_at_top_level = true;
    return resp;
  }, "Key status."};
  paths.push_back(std::move(status));
  return paths;
}

}  // namespace arca::core::sys
