// Markdown help of framework paths and backends.
#include "logical/framework/help.h"

#include <sstream>

namespace arca::logical::framework {
namespace {

// Indents every line of `text` by `n` spaces.
std::string Indent(std::string_view text, int n) {
  std::string pad(n, ' ');
  std::string out;
  size_t start = 0;
  while (start <= text.size()) {
    size_t nl = text.find('\n', start);
    std::string_view line =
        text.substr(start, nl == std::string_view::npos ? text.npos : nl - start);
    if (!line.empty()) out += pad;
    out += line;
    if (nl == std::string_view::npos) break;
    out += '\n';
    start = nl + 1;
  }
  return out;
}

std::string Trimmed(std::string_view s) {
  while (!s.empty() && (s.front() == '\n' || s.front() == ' ')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.remove_suffix(1);
  return std::string(s);
}

}  // namespace

std::string PathHelpMarkdown(const Path& path, std::string_view request_path) {
  std::ostringstream out;
  out << "Request:        " << request_path << "\n";
  out << "Matching Route: ^" << path.pattern << "$\n\n";
  out << Trimmed(path.help_synopsis) << "\n";
  if (!path.fields.empty()) {
    out << "\n## PARAMETERS\n";
    for (const auto& [name, field] : path.fields) {
      out << "\n" << Indent(name, 4) << " (" << FieldTypeName(field.type);
      if (field.required) out << ", required";
      out << ")\n\n";
      std::string desc = Trimmed(field.description);
      if (field.deprecated) desc = "(DEPRECATED) " + desc;
      if (!field.default_value.is_null()) {
        desc += (desc.empty() ? "" : "\n") + std::string("Default: ") +
                (field.default_value.is_string() ? std::string(field.default_value.as_string())
                                                 : json::serialize(field.default_value));
      }
      if (!field.allowed_values.empty()) {
        std::string allowed;
        for (const auto& a : field.allowed_values) allowed += (allowed.empty() ? "" : ", ") + a;
        desc += (desc.empty() ? "" : "\n") + std::string("Allowed values: ") + allowed;
      }
      if (!desc.empty()) out << Indent(desc, 8) << "\n";
    }
  }
  std::string ops;
  for (const auto& [op, spec] : path.operations) {
    ops += (ops.empty() ? "" : ", ") + std::string(OperationName(op));
  }
  if (!ops.empty()) out << "\n## OPERATIONS\n\n" << Indent(ops, 4) << "\n";
  std::string description = Trimmed(path.help_description);
  if (!description.empty()) out << "\n## DESCRIPTION\n\n" << description << "\n";
  return out.str();
}

std::string BackendHelpMarkdown(std::string_view backend_help, const std::vector<Path>& paths) {
  std::ostringstream out;
  out << "## DESCRIPTION\n\n" << Trimmed(backend_help) << "\n\n## PATHS\n\n";
  out << "The following paths are supported by this backend. To view help for\n"
         "any of the paths below, use the help command with any route matching\n"
         "the path pattern. Note that depending on the policy of your auth token,\n"
         "you may or may not be able to access certain paths.\n";
  for (const auto& p : paths) {
    out << "\n" << Indent("^" + p.pattern + "$", 4) << "\n";
    std::string synopsis = Trimmed(p.help_synopsis);
    if (!synopsis.empty()) out << Indent(synopsis, 8) << "\n";
  }
  return out.str();
}

}  // namespace arca::logical::framework
