// sys/internal/counters/*: client activity of the current month (core/activity.h), the
// activity configuration, and the token and entity totals.
#include <regex>

#include "core/activity.h"
#include "core/expiration/lease_entry.h"
#include "core/identity/identity_store.h"
#include "core/barrier/barrier.h"
#include "core/sys/paths.h"
#include "core/token/token_store.h"

namespace arca::core::sys {
namespace {

using logical::Operation;
using logical::Request;
using logical::Response;
namespace fw = logical::framework;

constexpr std::string_view kConfigPath = "core/activity/config";
constexpr int64_t kMinRetentionMonths = 48;

json::object CountsJson(const ActivityLog::Counts& c) {
  json::object o;
  o["clients"] = c.clients();
  o["entity_clients"] = c.entity_clients;
  o["distinct_entities"] = c.entity_clients;
  o["non_entity_clients"] = c.non_entity_clients;
  o["non_entity_tokens"] = c.non_entity_clients;
  o["secret_syncs"] = 0;
  o["acme_clients"] = 0;
  return o;
}

Status CheckTime(const fw::FieldData& d, const char* name) {
  static const std::regex kRfc3339(
      R"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2}))");
  const std::string v = d.GetString(name);
  if (!v.empty() && !std::regex_match(v, kRfc3339)) {
    return InvalidRequest(std::string("invalid ") + name + " \"" + v + "\": must be an RFC 3339 time");
  }
  return OkStatus();
}

json::object ByNamespace(const ActivityLog::Counts& c) {
  json::object ns;
  ns["namespace_id"] = "root";
  ns["namespace_path"] = "";
  ns["counts"] = CountsJson(c);
  ns["mounts"] = json::array{};
  return ns;
}

struct ActivityConfig {
  std::string enabled = "default";  // enable, disable, default
  int64_t retention_months = kMinRetentionMonths;
};

Result<ActivityConfig> ReadConfig(Core& core) {
  ActivityConfig c;
  ARCA_ASSIGN_OR_RETURN(auto v, logical::GetJson(core.barrier(), kConfigPath));
  if (v && v->is_object()) {
    const auto& o = v->as_object();
    if (auto it = o.find("enabled"); it != o.end() && it->value().is_string()) {
      c.enabled = std::string(it->value().as_string());
    }
    if (auto it = o.find("retention_months"); it != o.end() && it->value().is_int64()) {
      c.retention_months = it->value().as_int64();
    }
  }
  return c;
}

// {"counters": {<name>: {"total": n}}}, the shape of the tokens and entities counters.
Response CounterResponse(const char* name, int64_t total) {
  json::object counters;
  counters[name] = json::object{{"total", total}};
  return Response::WithData(json::object{{"counters", std::move(counters)}});
}

}  // namespace

std::vector<fw::Path> CounterPaths(Core& core) {
  std::vector<fw::Path> paths;

  fw::Path activity;
  activity.pattern = "internal/counters/activity";
  activity.help_synopsis = "Client counts of the current month.";
  activity.fields["start_time"] = Field(fw::FieldType::kString, "Start of the period (RFC 3339).");
  activity.fields["end_time"] = Field(fw::FieldType::kString, "End of the period (RFC 3339).");
  activity.fields["current_billing_period"] = Field(fw::FieldType::kBool, "Accepted; the current month is reported.");
  activity.operations[Operation::kRead] = {[&core](Request&, fw::FieldData& d) -> Result<Response> {
    ARCA_RETURN_IF_ERROR(CheckTime(d, "start_time"));
    ARCA_RETURN_IF_ERROR(CheckTime(d, "end_time"));
    const ActivityLog::Counts c = core.activity().Current();
    json::object out;
    json::array ns;
    ns.push_back(ByNamespace(c));
    out["by_namespace"] = std::move(ns);
    out["start_time"] = UnixToRfc3339Utc(c.month_start);
    out["end_time"] = UnixToRfc3339Utc(ActivityLog::NextMonthStart(c.month_start) - 1);
    json::object month;
    month["timestamp"] = UnixToRfc3339Utc(c.month_start);
    month["counts"] = CountsJson(c);
    json::array mns;
    mns.push_back(ByNamespace(c));
    month["namespaces"] = std::move(mns);
    json::object newc;
    newc["counts"] = CountsJson(c);
    month["new_clients"] = std::move(newc);
    json::array months;
    months.push_back(std::move(month));
    out["months"] = std::move(months);
    out["total"] = CountsJson(c);
    return Response::WithData(std::move(out));
  }, "Read the client counts."};
  paths.push_back(std::move(activity));

  fw::Path monthly;
  monthly.pattern = "internal/counters/activity/monthly";
  monthly.help_synopsis = "Client counts of the current month so far.";
  monthly.operations[Operation::kRead] = {[&core](Request&, fw::FieldData&) -> Result<Response> {
    const ActivityLog::Counts c = core.activity().Current();
    json::object out = CountsJson(c);
    json::array ns;
    ns.push_back(ByNamespace(c));
    out["by_namespace"] = std::move(ns);
    out["months"] = json::array{};
    return Response::WithData(std::move(out));
  }, "Read this month's client counts."};
  paths.push_back(std::move(monthly));

  fw::Path exp;
  exp.pattern = "internal/counters/activity/export";
  exp.help_synopsis = "Export of client records (not supported).";
  exp.operations[Operation::kRead] = {[](Request&, fw::FieldData&) -> Result<Response> {
    return InvalidRequest("activity export is not supported: client records are not kept");
  }, "Refused."};
  paths.push_back(std::move(exp));

  fw::Path config;
  config.pattern = "internal/counters/config";
  config.help_synopsis = "Client activity tracking configuration.";
  config.fields["enabled"] = Field(fw::FieldType::kString, "enable, disable or default.");
  config.fields["retention_months"] = Field(fw::FieldType::kInt, "Months of data to keep (at least 48).");
  config.fields["default_report_months"] = Field(fw::FieldType::kInt, "Deprecated; accepted.");
  config.operations[Operation::kRead] = {[&core](Request&, fw::FieldData&) -> Result<Response> {
    ARCA_ASSIGN_OR_RETURN(ActivityConfig c, ReadConfig(core));
    json::object o;
    o["enabled"] = c.enabled == "default" ? "default-enabled" : c.enabled;
    o["retention_months"] = c.retention_months;
    o["minimum_retention_months"] = kMinRetentionMonths;
    o["default_report_months"] = 12;
    o["queries_available"] = true;
    o["reporting_enabled"] = false;
    return Response::WithData(std::move(o));
  }, "Read the configuration."};
  config.operations[Operation::kUpdate] = {[&core](Request&, fw::FieldData& d) -> Result<Response> {
    ARCA_ASSIGN_OR_RETURN(ActivityConfig c, ReadConfig(core));
    if (d.Has("enabled")) {
      const std::string e = d.GetString("enabled");
      if (e != "enable" && e != "disable" && e != "default") {
        return InvalidRequest("enabled must be one of \"enable\", \"disable\", \"default\"");
      }
      c.enabled = e;
    }
    if (d.Has("retention_months")) {
      const int64_t m = d.GetInt("retention_months");
      if (m < kMinRetentionMonths) {
        return InvalidRequest("retention_months must be at least " +
                              std::to_string(kMinRetentionMonths));
      }
      c.retention_months = m;
    }
    json::object o;
    o["enabled"] = c.enabled;
    o["retention_months"] = c.retention_months;
    ARCA_RETURN_IF_ERROR(logical::PutJson(core.barrier(), kConfigPath, o));
    return Response{};
  }, "Update the configuration."};
  paths.push_back(std::move(config));

  fw::Path tokens;
  tokens.pattern = "internal/counters/tokens";
  tokens.help_synopsis = "The number of stored service tokens.";
  tokens.operations[Operation::kRead] = {[&core](Request&, fw::FieldData&) -> Result<Response> {
    ARCA_ASSIGN_OR_RETURN(auto accessors, core.tokens().ListAccessors());
    return CounterResponse("service_tokens", static_cast<int64_t>(accessors.size()));
  }, "Count tokens."};
  paths.push_back(std::move(tokens));

  fw::Path entities;
  entities.pattern = "internal/counters/entities";
  entities.help_synopsis = "The number of identity entities.";
  entities.operations[Operation::kRead] = {[&core](Request&, fw::FieldData&) -> Result<Response> {
    return CounterResponse("entities", static_cast<int64_t>(core.identity().EntityCount()));
  }, "Count entities."};
  paths.push_back(std::move(entities));
  return paths;
}

}  // namespace arca::core::sys
