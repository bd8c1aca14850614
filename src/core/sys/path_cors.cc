// sys/config/cors: read, enable (allowed_origins, allowed_headers) and disable CORS. The HTTP
// layer applies the settings (src/http/cors.h).
#include "core/cors_store.h"
#include "core/barrier/barrier.h"
#include "core/sys/paths.h"

namespace arca::core::sys {

using logical::Operation;
using logical::Request;
using logical::Response;
namespace fw = logical::framework;

std::vector<fw::Path> CorsPaths(Core& core) {
  fw::Path p;
  p.pattern = "config/cors";
  p.help_synopsis = "Configures the CORS settings of the API.";
  p.fields["allowed_origins"] = Field(fw::FieldType::kCommaStringSlice,
                                      "The origins allowed to make cross-origin requests; * for any.");
  p.fields["allowed_headers"] = Field(fw::FieldType::kCommaStringSlice,
                                      "Headers allowed in cross-origin requests, on top of the defaults.");
  p.operations[Operation::kRead] = {[&core](Request&, fw::FieldData&) -> Result<Response> {
    json::object d;
    auto c = core.cors().Get();
    d["enabled"] = c != nullptr;
    if (c) {
      json::array origins, headers;
      for (const auto& o : c->allowed_origins) origins.emplace_back(o);
      for (const auto& h : c->allowed_headers) headers.emplace_back(h);
      d["allowed_origins"] = std::move(origins);
      d["allowed_headers"] = std::move(headers);
    }
    return Response::WithData(std::move(d));
  }, "Read the CORS settings."};
  p.operations[Operation::kUpdate] = {[&core](Request&, fw::FieldData& d) -> Result<Response> {
    ARCA_RETURN_IF_ERROR(core.cors().Enable(core.barrier(), d.GetStringSlice("allowed_origins"),
                                            d.GetStringSlice("allowed_headers")));
    return Response{};
  }, "Enable CORS with these settings."};
  p.operations[Operation::kDelete] = {[&core](Request&, fw::FieldData&) -> Result<Response> {
    ARCA_RETURN_IF_ERROR(core.cors().Disable(core.barrier()));
    return Response{};
  }, "Disable CORS."};
  std::vector<fw::Path> out;
  out.push_back(std::move(p));
  return out;
}

}  // namespace arca::core::sys
