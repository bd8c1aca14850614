// sys/metrics: Prometheus text with format=prometheus, Vault's in-memory JSON shape otherwise.
#include "common/metrics.h"
#include "core/sys/paths.h"

namespace arca::core::sys {

using logical::Operation;
using logical::Request;
using logical::Response;
namespace fw = logical::framework;

std::vector<fw::Path> MetricsPaths(Core&) {
  fw::Path p;
  p.pattern = "metrics";
  p.help_synopsis = "Export the metrics aggregated for telemetry purposes.";
  p.fields["format"] =
      Field(fw::FieldType::kString, "Format to export metrics into: prometheus, or JSON when empty.");
  p.operations[Operation::kRead] = {[](Request&, fw::FieldData& d) -> Result<Response> {
    const std::string format = d.GetString("format");
    Response r;
    if (format == "prometheus") {
      r.raw = logical::RawBody{200, "text/plain; version=0.0.4; charset=utf-8",
                               metrics::Registry::Global().Prometheus()};
    } else if (format.empty() || format == "json") {
      r.raw = logical::RawBody{200, "application/json",
                               json::serialize(metrics::Registry::Global().Json())};
    } else {
      return InvalidRequest("unknown metrics format \"" + format +
                            "\"; supported: prometheus, json");
    }
    return r;
  }, "Export the metrics."};
  std::vector<fw::Path> out;
  out.push_back(std::move(p));
  return out;
}

}  // namespace arca::core::sys
