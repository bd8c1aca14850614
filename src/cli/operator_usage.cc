// arca operator usage: the client count report of sys/internal/counters/activity in Vault's
// table layout (period, one row per namespace, the total).
#include <algorithm>
#include <charconv>
#include <cstdio>
#include <ctime>
#include <regex>

#include "cli/commands.h"
#include "cli/output.h"

namespace arca::cli {
namespace {

// Vault's time flag: YYYY-MM, YYYY-MM-DD, RFC 3339 or Unix seconds -> RFC 3339 (UTC).
std::optional<std::string> ParseTimeFlag(const std::string& v) {
  static const std::regex kMonth(R"((\d{4})-(\d{2}))");
  static const std::regex kDay(R"((\d{4})-(\d{2})-(\d{2}))");
  static const std::regex kRfc3339(
      R"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2}))");
  static const std::regex kEpoch(R"(\d+)");
  std::smatch m;
  char buf[40];
  if (std::regex_match(v, kRfc3339)) return v;
  if (std::regex_match(v, m, kMonth) || std::regex_match(v, m, kDay)) {
    int month = std::stoi(m[2]);
    int day = m.size() > 3 && m[3].matched ? std::stoi(m[3]) : 1;
    if (month < 1 || month > 12 || day < 1 || day > 31) return std::nullopt;
    std::snprintf(buf, sizeof(buf), "%s-%02d-%02dT00:00:00Z", m[1].str().c_str(), month, day);
    return std::string(buf);
  }
  if (std::regex_match(v, kEpoch)) {
    int64_t secs = 0;
    auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), secs);
    if (ec != std::errc()) return std::nullopt;
    std::time_t t = static_cast<std::time_t>(secs);
    std::tm tm{};
    gmtime_r(&t, &tm);
    std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
    return std::string(buf);
  }
  return std::nullopt;
}

std::string Count(const json::object* counts, std::string_view key) {
  const json::value* v = counts ? counts->if_contains(key) : nullptr;
  if (v == nullptr) return "0";
  if (v->is_int64()) return std::to_string(v->as_int64());
  if (v->is_uint64()) return std::to_string(v->as_uint64());
  if (v->is_double()) return std::to_string(static_cast<int64_t>(v->as_double()));
  return "0";
}

std::vector<std::string> Row(std::string name, const json::object* counts) {
  return {std::move(name), Count(counts, "distinct_entities"), Count(counts, "non_entity_tokens"),
          Count(counts, "secret_syncs"), Count(counts, "acme_clients"), Count(counts, "clients")};
}

// columnize with Vault's settings for this report: three spaces between columns; an empty
// row prints as an empty line.
std::string UsageTable(const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> widths;
  for (const auto& r : rows) {
    for (size_t i = 0; i < r.size(); ++i) {
      if (widths.size() <= i) widths.push_back(0);
      widths[i] = std::max(widths[i], r[i].size());
    }
  }
  std::string out;
  for (const auto& r : rows) {
    std::string line;
    for (size_t i = 0; i < r.size(); ++i) {
      line += r[i];
      if (i + 1 < r.size()) line += std::string(widths[i] - r[i].size() + 3, ' ');
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + "\n";
  }
  return out;
}

}  // namespace

int RunOperatorUsage(Ctx& ctx, const std::vector<std::string>& raw_args) {
  std::string start, end;
  ctx.flags.String("start-time", &start,
                   "Start of the report period: YYYY-MM, YYYY-MM-DD, RFC 3339 or Unix seconds.");
  ctx.flags.String("end-time", &end, "End of the report period (same forms).");
  auto args = ctx.Parse(raw_args);
  if (!args) return args.error();
  if (!ctx.CheckArgs(*args, 0, 0)) return 1;
  api::QueryParams query;
  for (auto [name, value] : {std::pair{"start-time", &start}, std::pair{"end-time", &end}}) {
    if (value->empty()) continue;
    auto t = ParseTimeFlag(*value);
    if (!t) {
      ctx.err() << "invalid value \"" << *value << "\" for flag -" << name
                << ": expected YYYY-MM, YYYY-MM-DD, RFC 3339 or Unix seconds\n";
      return 1;
    }
    query.emplace_back(std::string(name) == "start-time" ? "start_time" : "end_time", *t);
  }
  api::Client* client = ctx.client();
  if (client == nullptr) return 2;
  auto r = client->Read("sys/internal/counters/activity", query);
  if (!r) return ServerError(ctx, "Error retrieving client counts", r.error());
  const json::object* data = *r ? GetObject(**r, "data") : nullptr;
  if (data == nullptr || data->empty()) {
    ctx.err() << "No data is available for the given time range.\n";
    return 0;
  }
  if (ctx.format() != "table") return OutputSecret(ctx, **r);

  ctx.out() << "Period start: " << CellText(*data, "start_time") << "\n"
            << "Period end: " << CellText(*data, "end_time") << "\n\n";
  std::vector<std::vector<std::string>> rows{{"Namespace path", "Distinct entities",
                                              "Non-Entity tokens", "Secret syncs", "ACME clients",
                                              "Active clients"}};
  std::vector<std::string> dashes;
  for (const auto& h : rows[0]) dashes.push_back(std::string(h.size(), '-'));
  rows.push_back(std::move(dashes));
  std::vector<std::vector<std::string>> ns_rows;
  if (const json::value* ns = data->if_contains("by_namespace"); ns && ns->is_array()) {
    for (const auto& n : ns->as_array()) {
      if (!n.is_object()) continue;
      std::string path = CellText(n.as_object(), "namespace_path");
      if (path.empty()) path = "[root]";
      ns_rows.push_back(Row(path, GetObject(n.as_object(), "counts")));
    }
  }
  std::sort(ns_rows.begin(), ns_rows.end());
  for (auto& row : ns_rows) rows.push_back(std::move(row));
  rows.push_back({});
  rows.push_back(Row("Total", GetObject(*data, "total")));
  ctx.out() << UsageTable(rows);
  return 0;
}

}  // namespace arca::cli
