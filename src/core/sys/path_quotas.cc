// sys/quotas/rate-limit/:name (CRUD, LIST) and sys/quotas/config.
#include "core/quotas/quota_manager.h"
#include "core/sys/paths.h"

namespace arca::core::sys {
namespace {

using logical::Operation;
using logical::Request;
using logical::Response;
namespace fw = logical::framework;

// A quota path names nothing, a mount ("secret" or "secret/"), a path below a mount, or a
// prefix below a mount ending in '*'. Returns it normalized (mounts end in '/').
Result<std::string> NormalizeQuotaPath(Core& core, std::string path) {
  while (!path.empty() && path.front() == '/') path.erase(path.begin());
  if (path.empty()) return path;
  if (path.find('*') != std::string::npos && (path.back() != '*' || path.find('*') != path.size() - 1)) {
    return InvalidRequest("a quota path may only end in '*'");
  }
  std::string probe = path.back() == '*' ? path.substr(0, path.size() - 1) : path;
  auto match = core.router().Route(probe);
  if (!match) return InvalidRequest("invalid mount path \"" + path + "\"");
  if (match->relative_path.empty() && path.back() != '*') return match->route->router_path();
  return path;
}

}  // namespace

std::vector<fw::Path> QuotaPaths(Core& core) {
  std::vector<fw::Path> paths;
  QuotaManager& quotas = core.quotas();

  fw::Path config;
  config.pattern = "quotas/config";
  config.help_synopsis = "Configure the rate limit quotas.";
  config.fields["rate_limit_exempt_paths"] =
      Field(fw::FieldType::kStringSlice, "Paths no rate limit quota applies to.");
  config.fields["enable_rate_limit_audit_logging"] =
      Field(fw::FieldType::kBool, "Audit-log requests refused by a rate limit quota.");
  config.fields["enable_rate_limit_response_headers"] =
      Field(fw::FieldType::kBool, "Add X-Ratelimit-* headers to responses.");
  config.operations[Operation::kRead] = {[&quotas](Request&, fw::FieldData&) -> Result<Response> {
    return Response::WithData(quotas.Config().ToJson());
  }, "Read the quota configuration."};
  config.operations[Operation::kUpdate] = {[&quotas](Request&, fw::FieldData& d) -> Result<Response> {
    QuotaConfig c = quotas.Config();
    if (d.Has("rate_limit_exempt_paths")) {
      c.rate_limit_exempt_paths = d.GetStringSlice("rate_limit_exempt_paths");
      for (auto& p : c.rate_limit_exempt_paths) {
        while (!p.empty() && p.front() == '/') p.erase(p.begin());
      }
    }
    if (d.Has("enable_rate_limit_audit_logging")) {
      c.enable_rate_limit_audit_logging = d.GetBool("enable_rate_limit_audit_logging");
    }
    if (d.Has("enable_rate_limit_response_headers")) {
      c.enable_rate_limit_response_headers = d.GetBool("enable_rate_limit_response_headers");
    }
    ARCA_RETURN_IF_ERROR(quotas.SetConfig(c));
    return Response{};
  }, "Update the quota configuration."};
  paths.push_back(std::move(config));

  fw::Path list;
  list.pattern = "quotas/rate-limit/?";
  list.help_synopsis = "List the rate limit quotas.";
  list.operations[Operation::kList] = {[&quotas](Request&, fw::FieldData&) -> Result<Response> {
    return Response::ListResponse(quotas.List());
  }, "List rate limit quotas."};
  paths.push_back(std::move(list));

  fw::Path one;
  one.pattern = "quotas/rate-limit/(?<name>[^/]+)";
  one.help_synopsis = "Create, read, update or delete a rate limit quota.";
  one.fields["name"] = Field(fw::FieldType::kString, "Name of the quota.");
  one.fields["path"] = Field(fw::FieldType::kString, "Mount or path the quota applies to; empty for all.");
  one.fields["rate"] = Field(fw::FieldType::kFloat, "Requests allowed per interval (positive).");
  one.fields["interval"] = Field(fw::FieldType::kDuration, "Length of the counting window.", "1s");
  one.fields["block_interval"] =
      Field(fw::FieldType::kDuration, "How long a client over the limit is refused.");
  one.fields["role"] = Field(fw::FieldType::kString, "Login role (not supported by Arca).");
  one.fields["inheritable"] = Field(fw::FieldType::kBool, "Whether namespaces inherit the quota.");
  one.fields["type"] = Field(fw::FieldType::kString, "Always rate-limit.");
  auto write = [&core, &quotas](Request&, fw::FieldData& d) -> Result<Response> {
    const std::string name = d.GetString("name");
    RateLimitQuota q;
    if (auto existing = quotas.Get(name)) q = *existing;
    q.name = name;
    if (!d.GetString("role").empty()) {
      return InvalidRequest("role-based rate limit quotas are not supported");
    }
    if (d.Has("path") || !quotas.Get(name)) {
      ARCA_ASSIGN_OR_RETURN(q.path, NormalizeQuotaPath(core, d.GetString("path")));
    }
    if (d.Has("rate")) {
      q.rate = d.GetFloat("rate");
    } else if (!quotas.Get(name)) {
      return InvalidRequest("missing rate");
    }
    if (d.Has("interval") || !quotas.Get(name)) q.interval = d.GetDuration("interval");
    if (d.Has("block_interval")) q.block_interval = d.GetDuration("block_interval");
    if (d.Has("inheritable")) q.inheritable = d.GetBool("inheritable");
    ARCA_RETURN_IF_ERROR(quotas.Put(q));
    return Response{};
  };
  one.operations[Operation::kUpdate] = {write, "Create or update a rate limit quota."};
  one.operations[Operation::kCreate] = {write, "Create a rate limit quota."};
  one.operations[Operation::kRead] = {[&quotas](Request&, fw::FieldData& d) -> Result<Response> {
    auto q = quotas.Get(d.GetString("name"));
    if (!q) return std::unexpected(Error(ErrorKind::kNotFound, std::vector<std::string>{}));
    return Response::WithData(q->ToJson());
  }, "Read a rate limit quota."};
  one.operations[Operation::kDelete] = {[&quotas](Request&, fw::FieldData& d) -> Result<Response> {
    ARCA_RETURN_IF_ERROR(quotas.Delete(d.GetString("name")));
    return Response{};
  }, "Delete a rate limit quota."};
  paths.push_back(std::move(one));
  return paths;
}

}  // namespace arca::core::sys
