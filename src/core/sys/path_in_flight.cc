// sys/in-flight-req: the requests being handled right now (this one included), keyed by
// request id, in Vault's shape (the map at the top level of the body).
#include "core/expiration/lease_entry.h"
#include "core/in_flight.h"
#include "core/sys/paths.h"

namespace arca::core::sys {

using logical::Operation;
using logical::Request;
using logical::Response;
namespace fw = logical::framework;

std::vector<fw::Path> InFlightPaths(Core& core) {
  fw::Path p;
  p.pattern = "in-flight-req";
  p.help_synopsis = "The requests the server is handling now.";
  p.operations[Operation::kRead] = {[&core](Request&, fw::FieldData&) -> Result<Response> {
    json::object d;
    for (const auto& r : core.in_flight().Snapshot()) {
      json::object o;
      o["start_time"] = UnixToRfc3339Utc(r.start_unix_ns / 1000000000);
      o["client_remote_address"] = r.remote_address;
      o["request_path"] = "/v1/" + r.path;
      o["request_method"] = r.method;
      o["client_id"] = r.client_id;
      d[r.id] = std::move(o);
    }
    Response resp = Response::WithData(std::move(d));
    resp.data_at_top_level = true;
    return resp;
  }, "List the requests in flight."};
  std::vector<fw::Path> out;
  out.push_back(std::move(p));
  return out;
}

}  // namespace arca::core::sys
