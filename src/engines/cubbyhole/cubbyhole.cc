#include "engines/cubbyhole/cubbyhole.h"

#include "logical/framework/framework_backend.h"

namespace arca::engines::cubbyhole {
namespace {

using logical::Operation;
using logical::Request;
using logical::Response;
namespace fw = logical::framework;

Result<std::string> Prefix(const Request& req) {
  if (req.client_token_accessor.empty()) return InvalidRequest("client token empty");
  if (!req.storage) return Internal("no storage");
  return req.client_token_accessor + "/";
}

Result<Response> Read(Request& req, fw::FieldData&) {
  ARCA_ASSIGN_OR_RETURN(std::string prefix, Prefix(req));
  if (req.path.empty()) return InvalidRequest("missing path");
  ARCA_ASSIGN_OR_RETURN(auto v, logical::GetJson(*req.storage, prefix + req.path));
  if (!v) return std::unexpected(Error(ErrorKind::kNotFound, std::vector<std::string>{}));
  if (!v->is_object()) return Internal("corrupt cubbyhole entry");
  return Response::WithData(v->as_object());
}

Result<Response> Write(Request& req, fw::FieldData&) {
  ARCA_ASSIGN_OR_RETURN(std::string prefix, Prefix(req));
  if (req.path.empty()) return InvalidRequest("missing path");
  if (!req.path.empty() && req.path.back() == '/') return InvalidRequest("path cannot end with a slash");
  if (req.data.empty()) return InvalidRequest("missing data fields");
  ARCA_RETURN_IF_ERROR(logical::PutJson(*req.storage, prefix + req.path, req.data));
  return Response{};
}

Result<Response> Delete(Request& req, fw::FieldData&) {
  ARCA_ASSIGN_OR_RETURN(std::string prefix, Prefix(req));
  if (req.path.empty()) return InvalidRequest("missing path");
  ARCA_RETURN_IF_ERROR(req.storage->Delete(prefix + req.path));
  return Response{};
}

Result<Response> List(Request& req, fw::FieldData&) {
  ARCA_ASSIGN_OR_RETURN(std::string prefix, Prefix(req));
  std::string dir = req.path;
  if (!dir.empty() && dir.back() != '/') dir.push_back('/');
  ARCA_ASSIGN_OR_RETURN(auto keys, req.storage->List(prefix + dir));
  return Response::ListResponse(keys);
}

}  // namespace

Result<std::unique_ptr<logical::Backend>> NewCubbyholeBackend(const logical::BackendConfig&) {
  fw::FrameworkBackend::Options opts;
  opts.type = "cubbyhole";
  opts.help = "The cubbyhole backend stores secrets that only the token that wrote them can read.";
  fw::Path all;
  all.pattern = ".*";
  all.help_synopsis = "Pass-through secret storage private to the calling token.";
  all.operations[Operation::kRead] = {Read, "Read a secret."};
  all.operations[Operation::kUpdate] = {Write, "Write a secret."};
  all.operations[Operation::kCreate] = {Write, "Write a secret."};
  all.operations[Operation::kDelete] = {Delete, "Delete a secret."};
  all.operations[Operation::kList] = {List, "List secrets."};
  all.existence_check = [](Request& req, fw::FieldData&) -> Result<bool> {
    ARCA_ASSIGN_OR_RETURN(std::string prefix, Prefix(req));
    ARCA_ASSIGN_OR_RETURN(auto v, req.storage->Get(prefix + req.path));
    return v.has_value();
  };
  opts.paths.push_back(std::move(all));
  return std::make_unique<fw::FrameworkBackend>(std::move(opts));
}

}  // namespace arca::engines::cubbyhole
