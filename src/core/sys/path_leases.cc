// sys/leases/*, sys/renew, sys/revoke, sys/revoke-prefix, sys/revoke-force.
#include "core/sys/path_leases.h"

#include <algorithm>
#include <charconv>

namespace arca::core::sys {
namespace {

using logical::Operation;
using logical::Request;
using logical::Response;
namespace fw = logical::framework;

constexpr int64_t kDefaultIrrevocableLimit = 10000;

fw::FieldSchema F(fw::FieldType t, std::string desc, json::value def = nullptr) {
  fw::FieldSchema s;
  s.type = t;
  s.description = std::move(desc);
  s.default_value = std::move(def);
  return s;
}

// lease_id from the body, else from the URL (the body wins, as in Vault).
Result<std::string> LeaseIdOf(const fw::FieldData& d) {
  std::string id = d.GetString("lease_id");
  if (id.empty()) id = d.GetString("url_lease_id");
  if (id.empty()) return InvalidRequest("lease_id must be specified");
  return id;
}

json::object LookupJson(const LeaseEntry& e, int64_t now) {
  json::object d;
  d["id"] = e.lease_id;
  d["issue_time"] = UnixToRfc3339Utc(e.issue_time);
  d["expire_time"] = UnixToRfc3339Utc(e.expire_time);
  d["last_renewal"] = e.last_renewal > 0 ? json::value(UnixToRfc3339Utc(e.last_renewal))
                                         : json::value(nullptr);
  d["renewable"] = e.renewable && !e.irrevocable && !e.is_auth;
  d["ttl"] = std::max<int64_t>(0, e.expire_time - now);
  if (e.irrevocable) {
    d["irrevocable"] = true;
    d["revoke_error"] = e.revoke_error;
  }
  return d;
}

void AddLeaseIdFields(fw::Path& p) {
  p.fields["lease_id"] = F(fw::FieldType::kString, "The lease id.");
  p.fields["url_lease_id"] = F(fw::FieldType::kString, "The lease id, given in the URL.");
}

fw::Path RenewPath(ExpirationManager& m, std::string pattern) {
  fw::Path p;
  p.pattern = std::move(pattern) + fw::OptionalParamRegex("url_lease_id");
  AddLeaseIdFields(p);
  p.fields["increment"] =
      F(fw::FieldType::kDuration, "Requested extension of the lease, from now (0 = default).");
  p.help_synopsis = "Renew a lease.";
  p.operations[Operation::kUpdate] = {[&m](Request&, fw::FieldData& d) -> Result<Response> {
    ARCA_ASSIGN_OR_RETURN(std::string id, LeaseIdOf(d));
    ARCA_ASSIGN_OR_RETURN(auto renewed, m.Renew(id, d.GetDuration("increment")));
    Response r;
    logical::Secret s;
    s.lease_id = renewed.entry.lease_id;
    s.ttl = renewed.ttl;
    s.renewable = renewed.entry.renewable;
    s.register_lease = false;  // the lease exists; this only reports it
    r.secret = std::move(s);
    r.warnings = std::move(renewed.warnings);
    return r;
  }, "Renew a lease."};
  return p;
}

fw::Path RevokePath(ExpirationManager& m, std::string pattern) {
  fw::Path p;
  p.pattern = std::move(pattern) + fw::OptionalParamRegex("url_lease_id");
  AddLeaseIdFields(p);
  p.fields["sync"] = F(fw::FieldType::kBool, "Revoke before answering (false: queue it).", true);
  p.help_synopsis = "Revoke a lease.";
  p.operations[Operation::kUpdate] = {[&m](Request&, fw::FieldData& d) -> Result<Response> {
    ARCA_ASSIGN_OR_RETURN(std::string id, LeaseIdOf(d));
    Response r;
    if (d.GetBool("sync")) {
      ARCA_RETURN_IF_ERROR(m.Revoke(id));
    } else {
      ARCA_RETURN_IF_ERROR(m.RevokeAsync(id));
      r.status_code = 202;
    }
    return r;
  }, "Revoke a lease."};
  return p;
}

fw::Path RevokePrefixPath(ExpirationManager& m, std::string pattern, bool force) {
  fw::Path p;
  p.pattern = std::move(pattern) + "(?<prefix>.+)";
  p.fields["prefix"] = F(fw::FieldType::kString, "The lease id prefix to revoke.");
  if (!force) {
    p.fields["sync"] =
        F(fw::FieldType::kBool, "Revoke before answering (false: queue them).", true);
  }
  p.help_synopsis = force ? "Revoke every lease under a prefix, ignoring backend errors."
                          : "Revoke every lease under a prefix.";
  p.operations[Operation::kUpdate] = {[&m, force](Request&, fw::FieldData& d) -> Result<Response> {
    bool sync = force || d.GetBool("sync");
    ARCA_RETURN_IF_ERROR(m.RevokePrefix(d.GetString("prefix"), force, sync));
    Response r;
    if (!sync) r.status_code = 202;
    return r;
  }, p.help_synopsis};
  return p;
}

}  // namespace

std::vector<std::string> LeaseRootPaths() {
  return {"leases/lookup/*", "leases/revoke-prefix/*", "leases/revoke-force/*",
          "revoke-prefix/*", "revoke-force/*",         "leases"};
}

std::vector<fw::Path> LeasePaths(ExpirationManager& m) {
  std::vector<fw::Path> paths;

  fw::Path lookup;
  lookup.pattern = "leases/lookup";
  lookup.fields["lease_id"] = F(fw::FieldType::kString, "The lease id.");
  lookup.help_synopsis = "Read a lease's metadata.";
  lookup.operations[Operation::kUpdate] = {[&m](Request&, fw::FieldData& d) -> Result<Response> {
    std::string id = d.GetString("lease_id");
    if (id.empty()) return InvalidRequest("lease_id must be specified");
    ARCA_ASSIGN_OR_RETURN(auto e, m.Lookup(id));
    if (!e) return InvalidRequest("invalid lease");
    return Response::WithData(LookupJson(*e, m.NowUnix()));
  }, "Read a lease's metadata."};
  paths.push_back(std::move(lookup));

  fw::Path list;
  list.pattern = "leases/lookup/" + fw::MatchAllRegex("prefix");
  list.fields["prefix"] = F(fw::FieldType::kString, "The lease id prefix to list.");
  list.help_synopsis = "List lease ids under a prefix.";
  list.operations[Operation::kList] = {[&m](Request&, fw::FieldData& d) -> Result<Response> {
    ARCA_ASSIGN_OR_RETURN(auto keys, m.List(d.GetString("prefix")));
    return Response::ListResponse(keys);
  }, "List lease ids."};
  paths.push_back(std::move(list));

  paths.push_back(RenewPath(m, "leases/renew"));
  paths.push_back(RevokePath(m, "leases/revoke"));
  paths.push_back(RevokePrefixPath(m, "leases/revoke-prefix/", false));
  paths.push_back(RevokePrefixPath(m, "leases/revoke-force/", true));

  fw::Path tidy;
  tidy.pattern = "leases/tidy";
  tidy.help_synopsis = "Clean up the lease index and the leases of missing tokens.";
  tidy.operations[Operation::kUpdate] = {[&m](Request&, fw::FieldData&) -> Result<Response> {
    ARCA_ASSIGN_OR_RETURN(auto st, m.Tidy());
    json::object d;
    d["leases_checked"] = st.leases_checked;
    d["stale_index_removed"] = st.stale_index_removed;
    d["due_index_repaired"] = st.due_index_repaired;
    d["revoked_dead_token"] = st.revoked_dead_token;
    return Response::WithData(std::move(d));
  }, "Tidy the leases."};
  paths.push_back(std::move(tidy));

  fw::Path count;
  count.pattern = "leases/count";
  count.fields["type"] = F(fw::FieldType::kString, "Which leases to count: irrevocable or all.");
  count.fields["include_child_namespaces"] =
      F(fw::FieldType::kBool, "Accepted for compatibility (no namespaces).");
  count.help_synopsis = "Count leases.";
  count.operations[Operation::kRead] = {[&m](Request&, fw::FieldData& d) -> Result<Response> {
    ARCA_ASSIGN_OR_RETURN(int64_t n, m.Count(d.GetString("type")));
    json::object out;
    out["lease_count"] = n;
    return Response::WithData(std::move(out));
  }, "Count leases."};
  paths.push_back(std::move(count));

  fw::Path irrevocable;
  irrevocable.pattern = "leases";
  irrevocable.fields["type"] = F(fw::FieldType::kString, "Must be irrevocable.");
  irrevocable.fields["include_child_namespaces"] =
      F(fw::FieldType::kBool, "Accepted for compatibility (no namespaces).");
  irrevocable.fields["limit"] =
      F(fw::FieldType::kString, "Most leases to return, or \"none\".", "10000");
  irrevocable.help_synopsis = "List irrevocable leases.";
  irrevocable.operations[Operation::kRead] = {[&m](Request&,
                                                   fw::FieldData& d) -> Result<Response> {
    if (d.GetString("type") != "irrevocable") {
      return InvalidRequest("type must be irrevocable");
    }
    std::string limit_text = d.GetString("limit");
    int64_t limit = kDefaultIrrevocableLimit;
    if (limit_text == "none") {
      limit = 0;
    } else {
      auto [end, ec] =
          std::from_chars(limit_text.data(), limit_text.data() + limit_text.size(), limit);
      if (ec != std::errc() || end != limit_text.data() + limit_text.size() || limit <= 0) {
        return InvalidRequest("limit must be a positive number or \"none\"");
      }
    }
    ARCA_ASSIGN_OR_RETURN(auto leases, m.ListIrrevocable(static_cast<size_t>(limit)));
    json::array list;
    for (const LeaseEntry& e : leases) {
      json::object o;
      o["lease_id"] = e.lease_id;
      o["mount_id"] = e.mount_accessor;
      o["error"] = e.revoke_error;
      o["expire_time"] = UnixToRfc3339Utc(e.expire_time);
      list.push_back(std::move(o));
    }
    ARCA_ASSIGN_OR_RETURN(int64_t total, m.Count("irrevocable"));
    json::object out;
    out["lease_count"] = total;
    out["leases"] = std::move(list);
    return Response::WithData(std::move(out));
  }, "List irrevocable leases."};
  paths.push_back(std::move(irrevocable));

  // Legacy aliases.
  paths.push_back(RenewPath(m, "renew"));
  paths.push_back(RevokePath(m, "revoke"));
  paths.push_back(RevokePrefixPath(m, "revoke-prefix/", false));
  paths.push_back(RevokePrefixPath(m, "revoke-force/", true));
  return paths;
}

}  // namespace arca::core::sys
