// sys/loggers and sys/loggers/:name: read, change (until restart) and revert log levels.
#include "common/log.h"
#include "core/sys/paths.h"

namespace arca::core::sys {
namespace {

using logical::Operation;
using logical::Request;
using logical::Response;
namespace fw = logical::framework;

Result<Response> LevelsResponse(std::string_view only = "") {
  json::object d;
  for (const auto& [name, level] : log::Levels()) {
    if (only.empty() || name == only) d[name] = level;
  }
  if (!only.empty() && d.empty()) return NotFound("logger \"" + std::string(only) + "\" not found");
  return Response::WithData(std::move(d));
}

Status RequireLevel(const fw::FieldData& d) {
  if (d.GetString("level").empty()) return InvalidRequest("level is required");
  return OkStatus();
}

}  // namespace

std::vector<fw::Path> LoggerPaths(Core&) {
  std::vector<fw::Path> paths;

  fw::Path all;
  all.pattern = "loggers";
  all.help_synopsis = "Read or change the log level of every logger.";
  all.fields["level"] = Field(fw::FieldType::kString,
                              "The log level: trace, debug, info, warn or error.");
  all.operations[Operation::kRead] = {[](Request&, fw::FieldData&) { return LevelsResponse(); },
                                      "Read the levels."};
  all.operations[Operation::kUpdate] = {[](Request&, fw::FieldData& d) -> Result<Response> {
    ARCA_RETURN_IF_ERROR(RequireLevel(d));
    ARCA_RETURN_IF_ERROR(log::SetLevel(d.GetString("level")));
    return Response{};
  }, "Set the level of every logger."};
  all.operations[Operation::kDelete] = {[](Request&, fw::FieldData&) -> Result<Response> {
    ARCA_RETURN_IF_ERROR(log::ResetLevel());
    return Response{};
  }, "Revert every logger to the configured level."};
  paths.push_back(std::move(all));

  fw::Path one;
  one.pattern = "loggers/(?<name>.+)";
  one.help_synopsis = "Read or change the log level of one logger.";
  one.fields["name"] = Field(fw::FieldType::kString, "The name of the logger.");
  one.fields["level"] = Field(fw::FieldType::kString,
                              "The log level: trace, debug, info, warn or error.");
  one.operations[Operation::kRead] = {[](Request&, fw::FieldData& d) {
    return LevelsResponse(d.GetString("name"));
  }, "Read the level."};
  one.operations[Operation::kUpdate] = {[](Request&, fw::FieldData& d) -> Result<Response> {
    ARCA_RETURN_IF_ERROR(RequireLevel(d));
    ARCA_RETURN_IF_ERROR(log::SetLevel(d.GetString("level"), d.GetString("name")));
    return Response{};
  }, "Set the level of the logger."};
  one.operations[Operation::kDelete] = {[](Request&, fw::FieldData& d) -> Result<Response> {
    ARCA_RETURN_IF_ERROR(log::ResetLevel(d.GetString("name")));
    return Response{};
  }, "Revert the logger to the configured level."};
  paths.push_back(std::move(one));
  return paths;
}

}  // namespace arca::core::sys
