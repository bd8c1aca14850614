#include "core/token/token_backend.h"

#include <ctime>

#include "core/token/token_store.h"
#include "logical/framework/framework_backend.h"

namespace arca::core {
namespace {

using logical::Operation;
using logical::Request;
using logical::Response;
namespace fw = logical::framework;

std::string UnixToRfc3339(int64_t t) {
  std::time_t tt = static_cast<std::time_t>(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[40];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

json::object LookupData(const TokenEntry& e, std::string_view id) {
  json::object d;
  d["accessor"] = e.accessor;
  d["creation_time"] = e.creation_time;
  d["creation_ttl"] = e.ttl.count();
  d["display_name"] = e.display_name;
  d["entity_id"] = e.entity_id;
  d["expire_time"] = nullptr;
  d["explicit_max_ttl"] = e.explicit_max_ttl.count();
  d["id"] = id;
  d["issue_time"] = UnixToRfc3339(e.creation_time);
  if (e.meta.empty()) {
    d["meta"] = nullptr;
  } else {
    json::object m;
    for (const auto& [k, v] : e.meta) m[k] = v;
    d["meta"] = std::move(m);
  }
  d["num_uses"] = e.num_uses;
  d["orphan"] = e.orphan;
  d["path"] = e.path;
  json::array pol;
  for (const auto& p : e.policies) pol.emplace_back(p);
  d["policies"] = std::move(pol);
  d["renewable"] = false;
  d["ttl"] = e.ttl.count();
  d["type"] = e.type;
  return d;
}

}  // namespace

std::shared_ptr<logical::Backend> NewTokenBackend(TokenStore& store) {
  fw::FrameworkBackend::Options opts;
  opts.type = "token";
  opts.kind = logical::BackendKind::kCredential;
  opts.help = "The token credential backend is always enabled and builtin to Arca.";

  auto lookup_token = [&store](std::string_view token) -> Result<Response> {
    if (token.empty()) return InvalidRequest("missing token");
    ARCA_ASSIGN_OR_RETURN(auto entry, store.Lookup(token));
    if (!entry) return InvalidRequest("bad token");
    return Response::WithData(LookupData(*entry, token));
  };

  fw::Path self;
  self.pattern = "lookup-self";
  self.help_synopsis = "Display information about the calling token.";
  self.operations[Operation::kRead] = {[lookup_token](Request& req, fw::FieldData&) {
    return lookup_token(req.client_token);
  }, "Look up the calling token."};
  opts.paths.push_back(std::move(self));

  fw::Path lookup;
  lookup.pattern = "lookup";
  lookup.help_synopsis = "Display information about a token.";
  lookup.fields["token"] = fw::FieldSchema{fw::FieldType::kString, "Token to look up."};
  auto by_field = [lookup_token](Request&, fw::FieldData& d) {
    return lookup_token(d.GetString("token"));
  };
  lookup.operations[Operation::kUpdate] = {by_field, "Look up a token."};
  lookup.operations[Operation::kRead] = {by_field, "Look up a token (deprecated form)."};
  opts.paths.push_back(std::move(lookup));

  fw::Path accessor;
  accessor.pattern = "lookup-accessor";
  accessor.help_synopsis = "Display information about a token by its accessor.";
  accessor.fields["accessor"] = fw::FieldSchema{fw::FieldType::kString, "Accessor of the token."};
  accessor.operations[Operation::kUpdate] = {[&store](Request&, fw::FieldData& d) -> Result<Response> {
    std::string acc = d.GetString("accessor");
    if (acc.empty()) return InvalidRequest("missing accessor");
    ARCA_ASSIGN_OR_RETURN(auto entry, store.LookupByAccessor(acc));
    if (!entry) return InvalidRequest("invalid accessor");
    return Response::WithData(LookupData(*entry, ""));
  }, "Look up a token by accessor."};
  opts.paths.push_back(std::move(accessor));

  return std::make_shared<fw::FrameworkBackend>(std::move(opts));
}

}  // namespace arca::core
