// sys/audit*, sys/audit-hash/*, sys/config/auditing/request-headers*.
#include "core/sys/path_audit.h"

#include <cctype>

namespace arca::core::sys {
namespace {

using logical::Operation;
using logical::Request;
using logical::Response;
namespace fw = logical::framework;

fw::FieldSchema F(fw::FieldType t, std::string desc, json::value def = nullptr) {
  fw::FieldSchema s;
  s.type = t;
  s.description = std::move(desc);
  s.default_value = std::move(def);
  return s;
}

// Vault's sys/ reads: data, also copied to the top level; an empty map is still 200 {"data": {}}.
Response TopLevel(json::object data) {
  Response r = Response::WithData(std::move(data));
  r.data_at_top_level = true;
  r.data_even_if_empty = true;
  return r;
}

// Vault's options are map[string]string: scalars are accepted and turned into text.
Result<audit::OptionMap> OptionsOf(const json::object& in) {
  audit::OptionMap out;
  for (const auto& [k, v] : in) {
    switch (v.kind()) {
      case json::kind::string:
        out[k] = std::string(v.get_string());
        break;
      case json::kind::bool_:
        out[k] = v.get_bool() ? "true" : "false";
        break;
      case json::kind::int64:
      case json::kind::uint64:
      case json::kind::double_:
        out[k] = json::serialize(v);
        break;
      default:
        return InvalidRequest("option \"" + std::string(k) + "\" must be a string");
    }
  }
  return out;
}

json::object EntryJson(const audit::DeviceEntry& e) {
  json::object opts;
  for (const auto& [k, v] : e.options) opts[k] = v;
  return json::object{{"type", e.type},
                      {"description", e.description},
                      {"options", std::move(opts)},
                      {"local", e.local},
                      {"path", e.path}};
}

fw::Path TablePath(audit::Broker& b) {
  fw::Path p;
  p.pattern = "audit/?";
  p.help_synopsis = "List the enabled audit devices.";
  p.operations[Operation::kRead] = {[&b](Request&, fw::FieldData&) -> Result<Response> {
                                      json::object out;
                                      for (const auto& e : b.List()) out[e.path] = EntryJson(e);
                                      return TopLevel(std::move(out));
                                    },
                                    "List the enabled audit devices."};
  return p;
}

fw::Path DevicePath(audit::Broker& b) {
  fw::Path p;
  p.pattern = "audit/(?<path>.+)";
  p.fields["path"] = F(fw::FieldType::kString, "The path of the audit device.");
  p.fields["type"] = F(fw::FieldType::kString, "The type of the device: file, syslog or socket.");
  p.fields["description"] = F(fw::FieldType::kString, "A human-friendly description.");
  p.fields["options"] = F(fw::FieldType::kMap, "Options of the device type (strings).");
  p.fields["local"] = F(fw::FieldType::kBool, "Local to this cluster (not replicated).", false);
  p.help_synopsis = "Enable or disable an audit device.";
  p.operations[Operation::kUpdate] = {[&b](Request&, fw::FieldData& d) -> Result<Response> {
                                        audit::DeviceEntry e;
                                        e.path = d.GetString("path");
                                        e.type = d.GetString("type");
                                        if (e.type.empty())
                                          return InvalidRequest("type is required");
                                        e.description = d.GetString("description");
                                        ARCA_ASSIGN_OR_RETURN(e.options,
                                                              OptionsOf(d.GetMap("options")));
                                        e.local = d.GetBool("local");
                                        ARCA_RETURN_IF_ERROR(b.Enable(std::move(e)));
                                        return Response{};
                                      },
                                      "Enable an audit device."};
  p.operations[Operation::kDelete] = {[&b](Request&, fw::FieldData& d) -> Result<Response> {
                                        ARCA_RETURN_IF_ERROR(b.Disable(d.GetString("path")));
                                        return Response{};
                                      },
                                      "Disable an audit device."};
  return p;
}

fw::Path HashPath(audit::Broker& b) {
  fw::Path p;
  p.pattern = "audit-hash/(?<path>.+)";
  p.fields["path"] = F(fw::FieldType::kString, "The path of the audit device.");
  p.fields["input"] = F(fw::FieldType::kString, "The text to hash.");
  p.help_synopsis = "The hash of a value as the audit device would log it.";
  p.operations[Operation::kUpdate] = {[&b](Request&, fw::FieldData& d) -> Result<Response> {
                                        std::string input = d.GetString("input");
                                        if (input.empty())
                                          return InvalidRequest("the \"input\" parameter is empty");
                                        ARCA_ASSIGN_OR_RETURN(std::string hash,
                                                              b.Hash(d.GetString("path"), input));
                                        return TopLevel(json::object{{"hash", hash}});
                                      },
                                      "Hash a value with an audit device's salt."};
  return p;
}

fw::Path HeadersPath(audit::Broker& b) {
  fw::Path p;
  p.pattern = "config/auditing/request-headers/?";
  p.help_synopsis = "List the request headers that are audited.";
  p.operations[Operation::kRead] = {
      [&b](Request&, fw::FieldData&) -> Result<Response> {
        json::object headers;
        for (const auto& [name, hmac] : b.AuditedHeaders()) {
          headers[name] = json::object{{"hmac", hmac}};
        }
        return TopLevel(json::object{{"headers", std::move(headers)}});
      },
      "List the audited request headers."};
  return p;
}

fw::Path HeaderPath(audit::Broker& b) {
  fw::Path p;
  p.pattern = "config/auditing/request-headers/(?<header>.+)";
  p.fields["header"] = F(fw::FieldType::kString, "The header name.");
  p.fields["hmac"] = F(fw::FieldType::kBool, "Whether the header's values are HMAC'd.", false);
  p.help_synopsis = "Configure an audited request header.";
  p.operations[Operation::kRead] = {
      [&b](Request&, fw::FieldData& d) -> Result<Response> {
        std::string header = d.GetString("header");
        std::string lower = header;
        for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        auto headers = b.AuditedHeaders();
        auto it = headers.find(lower);
        if (it == headers.end()) return InvalidRequest("Could not find header in config");
        return TopLevel(json::object{{header, json::object{{"hmac", it->second}}}});
      },
      "Read an audited header's settings."};
  p.operations[Operation::kUpdate] = {
      [&b](Request&, fw::FieldData& d) -> Result<Response> {
        ARCA_RETURN_IF_ERROR(b.SetAuditedHeader(d.GetString("header"), d.GetBool("hmac")));
        return Response{};
      },
      "Audit a request header."};
  p.operations[Operation::kDelete] = {
      [&b](Request&, fw::FieldData& d) -> Result<Response> {
        ARCA_RETURN_IF_ERROR(b.DeleteAuditedHeader(d.GetString("header")));
        return Response{};
      },
      "Stop auditing a request header."};
  return p;
}

}  // namespace

std::vector<std::string> AuditRootPaths() { return {"audit", "audit/*", "config/auditing/*"}; }

std::vector<fw::Path> AuditPaths(audit::Broker& b) {
  std::vector<fw::Path> paths;
  paths.push_back(TablePath(b));
  paths.push_back(DevicePath(b));
  paths.push_back(HashPath(b));
  paths.push_back(HeadersPath(b));
  paths.push_back(HeaderPath(b));
  return paths;
}

}  // namespace arca::core::sys
