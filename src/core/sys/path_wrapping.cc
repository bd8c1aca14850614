// sys/wrapping/wrap, unwrap, lookup, rewrap (the wrapping itself is in core/wrapping.cc).
#include "core/sys/paths.h"

namespace arca::core::sys {
namespace {

using logical::Operation;
using logical::Request;
using logical::Response;
namespace fw = logical::framework;

// The wrapping token: the "token" field, else the token the request came with.
Result<std::string> TokenArg(const Request& req, fw::FieldData& d) {
  std::string t = d.GetString("token");
  if (t.empty()) t = req.client_token;
  if (t.empty()) return InvalidRequest("no wrapping token given");
  return t;
}

fw::Path TokenPath(std::string pattern, std::string synopsis,
                   std::function<Result<Response>(const Request&, const std::string&)> fn) {
  fw::Path p;
  p.pattern = std::move(pattern);
  p.help_synopsis = std::move(synopsis);
  p.fields["token"] = Field(fw::FieldType::kString, "The wrapping token.");
  p.operations[Operation::kUpdate] = {[fn](Request& req, fw::FieldData& d) -> Result<Response> {
    ARCA_ASSIGN_OR_RETURN(std::string token, TokenArg(req, d));
    return fn(req, token);
  }, p.help_synopsis};
  return p;
}

}  // namespace

std::vector<fw::Path> WrappingPaths(Core& core) {
  std::vector<fw::Path> paths;

  fw::Path wrap;
  wrap.pattern = "wrapping/wrap";
  wrap.help_synopsis = "Response-wraps an arbitrary JSON object.";
  wrap.takes_arbitrary_input = true;
  wrap.operations[Operation::kUpdate] = {[](Request& req, fw::FieldData&) -> Result<Response> {
    if (req.wrap_ttl.count() == 0) {
      return InvalidRequest("wrapping requires a wrap TTL (X-Vault-Wrap-TTL header)");
    }
    if (req.data.empty()) return InvalidRequest("no data to wrap");
    return Response::WithData(req.data);
  }, "Wrap the request body."};
  paths.push_back(std::move(wrap));

  paths.push_back(TokenPath(
      "wrapping/unwrap", "Unwraps a response-wrapped token (once).",
      [&core](const Request&, const std::string& token) -> Result<Response> {
        ARCA_ASSIGN_OR_RETURN(std::string envelope, core.Unwrap(token));
        Response r;
        r.raw = logical::RawBody{200, "application/json", std::move(envelope)};
        return r;
      }));
  paths.push_back(TokenPath(
      "wrapping/lookup", "Looks up the properties of a response-wrapped token.",
      [&core](const Request&, const std::string& token) -> Result<Response> {
        ARCA_ASSIGN_OR_RETURN(json::object meta, core.WrapLookup(token));
        return Response::WithData(std::move(meta));
      }));
  paths.push_back(TokenPath(
      "wrapping/rewrap", "Moves a wrapped response to a new wrapping token.",
      [&core](const Request&, const std::string& token) -> Result<Response> {
        ARCA_ASSIGN_OR_RETURN(logical::WrapInfo info, core.Rewrap(token));
        Response r;
        r.wrap_info = std::move(info);
        return r;
      }));
  return paths;
}

}  // namespace arca::core::sys
