// Parsing of `key=value` command arguments (vault's kvbuilder):
//   key=value      a string
//   key=@file      the file's contents
//   key=\@x        the literal "@x"
//   key=-          all of stdin
//   -              stdin holds a JSON object (merged in) or, failing that, key=value words
// A repeated key collects its values into a list. Stdin may be consumed only once.
//
// Thread-safety: pure except for reading files and the given stream.
#pragma once

#include <istream>
#include <string>
#include <vector>

#include "common/json.h"
#include "common/status.h"

namespace arca::cli {

// Errors are kInvalidRequest: "invalid key/value pair \"x\": format must be key=value",
// "error reading file: ...", "stdin already consumed", malformed stdin.
Result<json::object> ParseKvArgs(const std::vector<std::string>& args, std::istream* in);

}  // namespace arca::cli
