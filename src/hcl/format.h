// Canonical layout of HCL text (what `arca policy fmt` writes), close to the HCL1 printer that
// Vault's `policy fmt` uses: two-space indentation by nesting, one space around '=' with the '='
// of consecutive one-line attributes in a block aligned, one space before an opening '{', ", "
// between list items, trailing blanks removed, a blank line between top-level items and around
// an item spanning lines inside a block (above the comment that leads it), other runs of blank
// lines collapsed to one, one final newline. Comments and heredoc bodies are kept as they are.
//
// The text is parsed first (hcl::Parse), so invalid input is an InvalidRequest with
// "file:line:col: message" and is never rewritten. Thread-safe: no shared state.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"

namespace arca::hcl {

Result<std::string> Format(std::string_view text, std::string_view filename);

}  // namespace arca::hcl
