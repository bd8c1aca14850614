// framework::Path: one declared API path of a framework backend (Vault's sdk/framework Path):
// a regex pattern whose named captures become fields, the typed fields, one handler per
// operation, an optional existence check and help text.
//
// Patterns are Boost.Regex (Perl syntax) and match the whole request path, which is relative
// to the mount ("keys/foo", never "transit/keys/foo"). Build them with the helpers below:
//   "keys/" + GenericNameRegex("name")                  keys/my-key
//   "roles" + OptionalParamRegex("name")                roles, roles/x
//   MatchAllRegex("path")                               anything, including ""
#pragma once

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "logical/framework/field.h"
#include "logical/framework/field_data.h"
#include "logical/request.h"
#include "logical/response.h"

namespace arca::logical::framework {

// A handler answers one operation on a path. It may be called concurrently from many threads;
// errors are values (InvalidRequest 400, NotFound 404, Internal 500, ...). A thrown exception is
// caught by the framework and reported as an Internal error.
using Handler = std::function<Result<Response>(Request&, FieldData&)>;
// Whether the target of a write exists (exists -> update, otherwise create).
using ExistenceFunc = std::function<Result<bool>(Request&, FieldData&)>;

struct OperationSpec {
  Handler handler;
  std::string summary;      // one line, for help and OpenAPI
  std::string description;  // optional longer text
};

struct Path {
  std::string pattern;  // regex, anchored by the framework; (?<name>...) captures become fields
  FieldMap fields;      // captures should be declared too (as kString), for help and OpenAPI
  // kCreate falls back to kUpdate when absent. kHelp is answered by the framework.
  std::map<Operation, OperationSpec> operations;
  ExistenceFunc existence_check;  // optional
  std::string help_synopsis;
  std::string help_description;
  // Accept any body parameter without the "unrecognized parameters" warning (e.g. KV, whose
  // handlers read req.data). Paths without fields never warn either.
  bool takes_arbitrary_input = false;
};

// (?<name>\w(([\w.-]+)?\w)?) : a name of word characters, '-' and '.', not starting or
// ending with '-' or '.'.
std::string GenericNameRegex(std::string_view name);
// Whether `s` is such a name (ASCII word characters; the same rule without the regex engine).
bool IsGenericName(std::string_view s);
// (/(?<name>.+))? : an optional "/<anything>" suffix.
std::string OptionalParamRegex(std::string_view name);
// (?<name>.*) : anything, including the empty string.
std::string MatchAllRegex(std::string_view name);

// The names of the named capture groups ((?<name>...), (?P<name>...), (?'name'...)) of a
// pattern, in order of appearance. Escaped parentheses and lookbehinds are skipped.
std::vector<std::string> CaptureNames(std::string_view pattern);

// Rewrites Go/RE2 pattern syntax that Boost.Regex reads differently into Boost syntax:
// "(?P<name>" -> "(?<name>", and "[\w-.]" (a literal '-' after a class escape) -> "[\w\-.]".
// The framework applies it to every pattern; exposed for tests.
std::string NormalizePattern(std::string_view pattern);

// The literal text every match of `pattern` (matched as a whole, as routes are) starts with: the
// characters before the first regex construct, minus one quantified by ?, *, + or {. Empty when
// the pattern has a top-level alternation. Routing skips the regex when a path lacks it.
std::string LiteralPrefix(std::string_view pattern);

}  // namespace arca::logical::framework
