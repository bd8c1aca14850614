// Entry point of the HCL parser.
//
// Accepts HCL1-style documents (what Vault's server config files and ACL policies use):
//   attributes `key = value` (or `key: value`), blocks with zero or more labels
//   `listener "tcp" { ... }` (labels quoted or bare identifiers), nested blocks, lists
//   `[1, "a", true,]` (trailing comma allowed), objects `{ a = 1, "b" = 2 }` whose entries are
//   separated by commas or new lines, strings with escapes, heredocs `<<EOF` / `<<-EOF`, numbers
//   (integers, floats, negatives, 0x hex), true / false / null, and comments `#`, `//`, `/* */`.
// A JSON document (first significant character `{`) goes through the same grammar, since JSON is
// valid HCL1.
//
// Errors are InvalidRequest with "file:line:col: message" (e.g. `config.hcl:12:5: expected '=' or
// '{' after "storag", got ...`). Nesting deeper than kMaxDepth is an error, so hostile input can
// not exhaust the stack. Thread-safe: no shared state.
#pragma once

#include <string_view>

#include "common/status.h"
#include "hcl/node.h"

namespace arca::hcl {

inline constexpr int kMaxDepth = 100;

// Parses a whole document; the root is an Object at 1:1. `filename` is used in error messages
// and stored in every node (Node::file); it may be empty.
Result<NodePtr> Parse(std::string_view text, std::string_view filename);

}  // namespace arca::hcl
