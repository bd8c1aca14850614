// sys/config/state/sanitized: the server configuration with secrets left out (built by
// config::SanitizedJson and handed over in CoreConfig).
#include "core/sys/paths.h"

namespace arca::core::sys {

using logical::Operation;
using logical::Request;
using logical::Response;
namespace fw = logical::framework;

std::vector<fw::Path> ConfigStatePaths(Core& core) {
  fw::Path p;
  p.pattern = "config/state/sanitized";
  p.help_synopsis = "The sanitized server configuration.";
  p.operations[Operation::kRead] = {[&core](Request&, fw::FieldData&) -> Result<Response> {
    return Response::WithData(core.config().sanitized_config);
  }, "Read the sanitized configuration."};
  std::vector<fw::Path> out;
  out.push_back(std::move(p));
  return out;
}

}  // namespace arca::core::sys
