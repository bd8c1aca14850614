// Tokenizer for HCL1-style text and JSON. Internal to the hcl module (used by parser.cc and its
// tests); other modules call hcl::Parse.
//
// Comments (`#`, `//` to the end of the line, `/* ... */`) and blanks are skipped. Strings are
// decoded (escapes \n \t \r \" \\ \/ \b \f \uXXXX with surrogate pairs, \UXXXXXXXX); heredocs
// (`<<EOF` and the indented `<<-EOF`) become string tokens. Numbers are checked here and keep
// their text. Errors carry "file:line:col: message" and stop the scan.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "hcl/node.h"

namespace arca::hcl {

enum class TokenKind {
  kIdent,     // letters, digits, '_', '-', '.', starting with a letter or '_'
  kString,    // "quoted"; text is the decoded value
  kHeredoc,   // <<EOF ... EOF; text is the value
  kNumber,    // text as written; checked to be a valid int, float or 0x hex
  kLBrace,    // {
  kRBrace,    // }
  kLBracket,  // [
  kRBracket,  // ]
  kAssign,    // =
  kColon,     // :
  kComma,     // ,
  kEof,
};

struct Token {
  TokenKind kind = TokenKind::kEof;
  std::string text;
  Position pos;
};

// A short human description of a token for error messages: "'}'", "identifier \"foo\"", ...
std::string Describe(const Token& token);

// Splits `text` into tokens ending with one kEof token. `filename` prefixes error messages.
Result<std::vector<Token>> Tokenize(std::string_view text, std::string_view filename);

// "file:line:col: " (or "line:col: " when filename is empty).
std::string ErrorPrefix(std::string_view filename, Position pos);

// A heredoc line's text for comparison with its anchor: spaces and tabs removed at both ends
// (nothing else: a '\r' stays). The lexer and the formatter must agree on where a heredoc ends.
std::string_view TrimHeredocLine(std::string_view line);

}  // namespace arca::hcl
