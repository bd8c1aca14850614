// sys/plugins/catalog: the built-in plugins (secrets engines and auth methods registered in the
// core's configuration, and the database plugins). Arca runs no external plugins, so
// registering or removing one is refused.
#include <algorithm>

#include "core/sys/paths.h"

namespace arca::core::sys {
namespace {

using logical::Operation;
using logical::Request;
using logical::Response;
namespace fw = logical::framework;

constexpr std::string_view kExternalRefused =
    "external plugins are not supported: Arca runs only its built-in plugins";

std::string BuiltinVersion() { return std::string("v") + ARCA_VERSION + "+builtin.arca"; }

// type ("auth", "database", "secret") -> sorted names. cubbyhole, system and token are part of
// the core, not catalog plugins (as in Vault).
std::map<std::string, std::vector<std::string>> Catalog(const Core& core) {
  std::map<std::string, std::vector<std::string>> out;
  auto& auth = out["auth"];
  for (const auto& [name, f] : core.config().auth_methods) {
    if (name != "token") auth.push_back(name);
  }
  auto& secret = out["secret"];
  for (const auto& [name, f] : core.config().secret_engines) {
    if (name != "cubbyhole" && name != "system") secret.push_back(name);
  }
  out["database"] = core.config().database_plugins;
  for (auto& [t, names] : out) std::sort(names.begin(), names.end());
  return out;
}

json::object Detailed(const std::string& type, const std::string& name) {
  json::object o;
  o["name"] = name;
  o["type"] = type;
  o["builtin"] = true;
  o["version"] = BuiltinVersion();
  o["deprecation_status"] = "supported";
  return o;
}

json::array Strings(const std::vector<std::string>& v) {
  json::array a;
  for (const auto& s : v) a.emplace_back(s);
  return a;
}

Status CheckType(const std::string& type) {
  if (type == "auth" || type == "database" || type == "secret") return OkStatus();
  return InvalidRequest("unknown plugin type \"" + type + "\": must be auth, database or secret");
}

Result<Response> Refuse(Request&, fw::FieldData&) { return InvalidRequest(std::string(kExternalRefused)); }

// One plugin's entry, or 404.
Result<Response> ReadOne(const Core& core, const std::string& type, const std::string& name) {
  auto catalog = Catalog(core);
  for (const auto& [t, names] : catalog) {
    if (!type.empty() && t != type) continue;
    if (std::find(names.begin(), names.end(), name) == names.end()) continue;
    json::object d;
    d["name"] = name;
    d["args"] = json::array{};
    d["builtin"] = true;
    d["command"] = "";
    d["sha256"] = "";
    d["version"] = BuiltinVersion();
    d["deprecation_status"] = "supported";
    return Response::WithData(std::move(d));
  }
  return NotFound("no plugin \"" + name + "\"" + (type.empty() ? "" : " of type " + type) +
                  " in the catalog");
}

void AddRegisterFields(fw::Path& p) {
  for (const char* f : {"sha256", "sha_256", "command", "args", "env", "version", "oci_image",
                        "runtime"}) {
    p.fields[f] = Field(fw::FieldType::kString, "Refused: external plugins are not supported.");
  }
  p.fields["args"].type = fw::FieldType::kStringSlice;
  p.fields["env"].type = fw::FieldType::kStringSlice;
}

}  // namespace

std::vector<fw::Path> PluginPaths(Core& core) {
  std::vector<fw::Path> paths;

  fw::Path all;
  all.pattern = "plugins/catalog/?";
  all.help_synopsis = "Lists all the plugins known to Arca.";
  all.operations[Operation::kRead] = {[&core](Request&, fw::FieldData&) -> Result<Response> {
    json::object d;
    json::array detailed;
    for (const auto& [type, names] : Catalog(core)) {
      d[type] = Strings(names);
      for (const auto& n : names) detailed.push_back(Detailed(type, n));
    }
    d["detailed"] = std::move(detailed);
    return Response::WithData(std::move(d));
  }, "List the plugins."};
  paths.push_back(std::move(all));

  fw::Path by_type;
  by_type.pattern = "plugins/catalog/(?<type>auth|database|secret)/?";
  by_type.help_synopsis = "Lists the plugins of one type.";
  by_type.fields["type"] = Field(fw::FieldType::kString, "auth, database or secret.");
  by_type.operations[Operation::kList] = {[&core](Request&, fw::FieldData& d) -> Result<Response> {
    const std::string type = d.GetString("type");
    ARCA_RETURN_IF_ERROR(CheckType(type));
    json::object out;
    out["keys"] = Strings(Catalog(core)[type]);
    return Response::WithData(std::move(out));
  }, "List the plugins of a type."};
  paths.push_back(std::move(by_type));

  fw::Path one;
  one.pattern = "plugins/catalog/(?<type>auth|database|secret)/(?<name>.+)";
  one.help_synopsis = "Reads a plugin of the catalog; registering external plugins is refused.";
  one.fields["type"] = Field(fw::FieldType::kString, "auth, database or secret.");
  one.fields["name"] = Field(fw::FieldType::kString, "The name of the plugin.");
  AddRegisterFields(one);
  one.operations[Operation::kRead] = {[&core](Request&, fw::FieldData& d) -> Result<Response> {
    return ReadOne(core, d.GetString("type"), d.GetString("name"));
  }, "Read a plugin."};
  one.operations[Operation::kUpdate] = {Refuse, "Register a plugin (refused)."};
  one.operations[Operation::kDelete] = {Refuse, "Remove a plugin (refused)."};
  paths.push_back(std::move(one));

  // The pre-1.0 form without a type.
  fw::Path legacy;
  legacy.pattern = "plugins/catalog/(?<name>.+)";
  legacy.help_synopsis = "Reads a plugin of the catalog by name (any type).";
  legacy.fields["name"] = Field(fw::FieldType::kString, "The name of the plugin.");
  AddRegisterFields(legacy);
  legacy.operations[Operation::kRead] = {[&core](Request&, fw::FieldData& d) -> Result<Response> {
    const std::string name = d.GetString("name");
    if (name.find('/') != std::string::npos) {
      return InvalidRequest("unknown plugin type in \"" + name + "\": must be auth, database or secret");
    }
    return ReadOne(core, "", name);
  }, "Read a plugin."};
  legacy.operations[Operation::kUpdate] = {Refuse, "Register a plugin (refused)."};
  legacy.operations[Operation::kDelete] = {Refuse, "Remove a plugin (refused)."};
  paths.push_back(std::move(legacy));
  return paths;
}

}  // namespace arca::core::sys
