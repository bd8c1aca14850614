// Help output of framework backends (the `?help=1` / `vault path-help` operation): Markdown text
// and an OpenAPI 3 document generated from the same Path declarations.
//
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/json.h"
#include "logical/framework/path.h"

namespace arca::logical::framework {

// Help of one path: the route, synopsis, parameters (name, type, description, default) and
// description. `request_path` is the path that was asked about.
std::string PathHelpMarkdown(const Path& path, std::string_view request_path);

// Help of the backend root: its description and the synopsis of every path.
std::string BackendHelpMarkdown(std::string_view backend_help, const std::vector<Path>& paths);

// The OpenAPI templated paths a regex pattern stands for, without a leading '/':
// "keys/(?<name>...)" -> {"keys/{name}"}; "roles(/(?<name>.+))?" -> {"roles", "roles/{name}"};
// alternations expand; "x/?" drops the optional character. Patterns with wildcards outside named
// captures ("foo/.*") cannot be templated and yield nothing.
std::vector<std::string> OpenApiPathTemplates(std::string_view pattern);

// An OpenAPI 3.0 document ({openapi, info, paths}) for `paths`, each prefixed by "/" +
// `mount_point` ("secret/"; may be empty).
json::object OpenApiDocument(const std::vector<const Path*>& paths, std::string_view mount_point);

}  // namespace arca::logical::framework
