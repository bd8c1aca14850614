#include "hcl/lexer.h"

#include <algorithm>
#include <cstdint>

namespace arca::hcl {
namespace {

bool IsDigit(unsigned char c) { return c >= '0' && c <= '9'; }
bool IsHexDigit(unsigned char c) {
  return IsDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
bool IsAlpha(unsigned char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
// Bytes >= 0x80 are parts of UTF-8 characters; identifiers may contain them.
bool IsIdentStart(unsigned char c) { return IsAlpha(c) || c == '_' || c >= 0x80; }
bool IsIdentChar(unsigned char c) { return IsIdentStart(c) || IsDigit(c) || c == '-' || c == '.'; }

int HexValue(unsigned char c) {
  if (IsDigit(c)) return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return c - 'A' + 10;
}

void AppendUtf8(uint32_t cp, std::string* out) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

// Checks a decimal number literal: -?digits(.digits)?([eE][+-]?digits)?
bool ValidDecimal(std::string_view s) {
  size_t i = 0;
  if (i < s.size() && s[i] == '-') ++i;
  auto digits = [&] {
    size_t start = i;
    while (i < s.size() && IsDigit(s[i])) ++i;
    return i > start;
  };
  if (!digits()) return false;
  if (i < s.size() && s[i] == '.') {
    ++i;
    if (!digits()) return false;
  }
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    if (!digits()) return false;
  }
  return i == s.size();
}

std::string Printable(unsigned char c) {
  if (c >= 0x20 && c < 0x7F) return std::string(1, static_cast<char>(c));
  static const char kHex[] = "0123456789abcdef";
  return std::string("\\x") + kHex[c >> 4] + kHex[c & 0xF];
}

class Lexer {
 public:
  Lexer(std::string_view text, std::string_view filename) : text_(text), filename_(filename) {
    if (text_.starts_with("\xEF\xBB\xBF")) text_.remove_prefix(3);  // UTF-8 byte order mark
  }

  Result<std::vector<Token>> Run() {
    std::vector<Token> tokens;
    while (true) {
      ARCA_RETURN_IF_ERROR(SkipBlanksAndComments());
      Token tok;
      tok.pos = Here();
      if (AtEnd()) {
        tok.kind = TokenKind::kEof;
        tokens.push_back(std::move(tok));
        return tokens;
      }
      unsigned char c = Peek();
      switch (c) {
        case '{':
          tok.kind = TokenKind::kLBrace;
          Advance();
          break;
        case '}':
          tok.kind = TokenKind::kRBrace;
          Advance();
          break;
        case '[':
          tok.kind = TokenKind::kLBracket;
          Advance();
          break;
        case ']':
          tok.kind = TokenKind::kRBracket;
          Advance();
          break;
        case '=':
          tok.kind = TokenKind::kAssign;
          Advance();
          break;
        case ':':
          tok.kind = TokenKind::kColon;
          Advance();
          break;
        case ',':
          tok.kind = TokenKind::kComma;
          Advance();
          break;
        case '"': {
          tok.kind = TokenKind::kString;
          ARCA_ASSIGN_OR_RETURN(tok.text, LexString());
          break;
        }
        default:
          if (c == '<' && Peek(1) == '<') {
            tok.kind = TokenKind::kHeredoc;
            ARCA_ASSIGN_OR_RETURN(tok.text, LexHeredoc());
          } else if (IsDigit(c) || (c == '-' && (IsDigit(Peek(1)) || Peek(1) == '.'))) {
            tok.kind = TokenKind::kNumber;
            ARCA_ASSIGN_OR_RETURN(tok.text, LexNumber());
          } else if (IsIdentStart(c)) {
            tok.kind = TokenKind::kIdent;
            size_t start = i_;
            while (!AtEnd() && IsIdentChar(Peek())) Advance();
            tok.text = std::string(text_.substr(start, i_ - start));
          } else {
            return Fail(tok.pos, "unexpected character '" + Printable(c) + "'");
          }
      }
      tokens.push_back(std::move(tok));
    }
  }

 private:
  bool AtEnd() const { return i_ >= text_.size(); }
  unsigned char Peek(size_t ahead = 0) const {
    return i_ + ahead < text_.size() ? static_cast<unsigned char>(text_[i_ + ahead]) : 0;
  }
  Position Here() const { return {line_, column_}; }
  void Advance() {
    unsigned char c = Peek();
    ++i_;
    if (c == '\n') {
      ++line_;
      column_ = 1;
    } else if ((c & 0xC0) != 0x80) {  // continuation bytes do not start a new column
      ++column_;
    }
  }
  std::unexpected<Error> Fail(Position pos, std::string msg) const {
    return InvalidRequest(ErrorPrefix(filename_, pos) + msg);
  }

  Status SkipBlanksAndComments() {
    while (!AtEnd()) {
      unsigned char c = Peek();
      if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
        Advance();
      } else if (c == '#' || (c == '/' && Peek(1) == '/')) {
        while (!AtEnd() && Peek() != '\n') Advance();
      } else if (c == '/' && Peek(1) == '*') {
        Position start = Here();
        Advance();
        Advance();
        while (!(Peek() == '*' && Peek(1) == '/')) {
          if (AtEnd()) return Fail(start, "unterminated block comment (missing \"*/\")");
          Advance();
        }
        Advance();
        Advance();
      } else {
        break;
      }
    }
    return OkStatus();
  }

  // Reads `count` hex digits of a \u or \U escape.
  Result<uint32_t> HexEscape(int count, Position at) {
    uint32_t v = 0;
    for (int k = 0; k < count; ++k) {
      if (!IsHexDigit(Peek())) return Fail(at, "invalid unicode escape: expected hex digits");
      v = v * 16 + HexValue(Peek());
      Advance();
    }
    return v;
  }

  Result<std::string> LexString() {
    Position start = Here();
    Advance();  // opening quote
    std::string out;
    while (true) {
      if (AtEnd() || Peek() == '\n') {
        return Fail(start, "unterminated string (missing closing '\"')");
      }
      unsigned char c = Peek();
      if (c == '"') {
        Advance();
        return out;
      }
      if (c != '\\') {
        out.push_back(static_cast<char>(c));
        Advance();
        continue;
      }
      Position esc = Here();
      Advance();
      unsigned char e = Peek();
      if (AtEnd() || e == '\n') return Fail(start, "unterminated string (missing closing '\"')");
      Advance();
      switch (e) {
        case 'n':
          out.push_back('\n');
          break;
        case 't':
          out.push_back('\t');
          break;
        case 'r':
          out.push_back('\r');
          break;
        case 'b':
          out.push_back('\b');
          break;
        case 'f':
          out.push_back('\f');
          break;
        case '"':
          out.push_back('"');
          break;
        case '\\':
          out.push_back('\\');
          break;
        case '/':
          out.push_back('/');
          break;
        case 'u':
        case 'U': {
          ARCA_ASSIGN_OR_RETURN(uint32_t cp, HexEscape(e == 'u' ? 4 : 8, esc));
          if (cp >= 0xD800 && cp <= 0xDBFF) {  // high surrogate: a low one must follow
            if (Peek() != '\\' || Peek(1) != 'u')
              return Fail(esc, "invalid unicode escape: lone surrogate");
            Advance();
            Advance();
            ARCA_ASSIGN_OR_RETURN(uint32_t low, HexEscape(4, esc));
            if (low < 0xDC00 || low > 0xDFFF)
              return Fail(esc, "invalid unicode escape: lone surrogate");
            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
          } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
            return Fail(esc, "invalid unicode escape: lone surrogate");
          }
          if (cp > 0x10FFFF) return Fail(esc, "invalid unicode escape: out of range");
          AppendUtf8(cp, &out);
          break;
        }
        default:
          return Fail(esc, "invalid escape sequence '\\" + Printable(e) + "'");
      }
    }
  }

  Result<std::string> LexHeredoc() {
    Position start = Here();
    Advance();
    Advance();  // <<
    bool indented = false;
    if (Peek() == '-') {
      indented = true;
      Advance();
    }
    size_t anchor_start = i_;
    while (!AtEnd() && (IsAlpha(Peek()) || IsDigit(Peek()) || Peek() == '_')) Advance();
    std::string_view anchor = text_.substr(anchor_start, i_ - anchor_start);
    if (anchor.empty()) return Fail(start, "expected a heredoc anchor after \"<<\"");
    while (Peek() == ' ' || Peek() == '\t' || Peek() == '\r') Advance();
    if (Peek() != '\n') return Fail(Here(), "expected a new line after heredoc anchor");
    Advance();

    std::vector<std::string_view> lines;
    while (true) {
      if (AtEnd()) {
        return Fail(start,
                    "unterminated heredoc (no closing line \"" + std::string(anchor) + "\")");
      }
      size_t line_start = i_;
      size_t nl = text_.find('\n', i_);
      size_t line_end = nl == std::string_view::npos ? text_.size() : nl;
      std::string_view line = text_.substr(line_start, line_end - line_start);
      if (line.ends_with('\r')) line.remove_suffix(1);
      if (TrimHeredocLine(line) == anchor) {
        while (i_ < line_end) Advance();  // stop before the newline
        break;
      }
      lines.push_back(line);
      while (i_ < line_end) Advance();
      if (!AtEnd()) Advance();  // the newline
    }

    size_t indent = 0;
    if (indented) {
      indent = std::string_view::npos;
      for (std::string_view l : lines) {
        size_t n = l.find_first_not_of(" \t");
        if (n != std::string_view::npos) indent = std::min(indent, n);
      }
      if (indent == std::string_view::npos) indent = 0;
    }
    std::string out;
    for (std::string_view l : lines) {
      l.remove_prefix(std::min(indent, l.size()));
      out.append(l);
      out.push_back('\n');
    }
    return out;
  }

  Result<std::string> LexNumber() {
    Position start = Here();
    size_t begin = i_;
    if (Peek() == '-') Advance();
    bool hex = Peek() == '0' && (Peek(1) == 'x' || Peek(1) == 'X');
    unsigned char prev = 0;
    while (!AtEnd()) {
      unsigned char c = Peek();
      bool take = IsAlpha(c) || IsDigit(c) || c == '_' || c == '.' ||
                  (!hex && (c == '+' || c == '-') && (prev == 'e' || prev == 'E'));
      if (!take) break;
      prev = c;
      Advance();
    }
    std::string_view lit = text_.substr(begin, i_ - begin);
    bool ok;
    if (hex) {
      std::string_view digits = lit.substr(lit.find_first_of("xX") + 1);
      ok = !digits.empty() &&
           std::all_of(digits.begin(), digits.end(), [](char ch) { return IsHexDigit(ch); });
    } else {
      ok = ValidDecimal(lit);
    }
    if (!ok) return Fail(start, "invalid number \"" + std::string(lit) + "\"");
    return std::string(lit);
  }

  std::string_view text_;
  std::string_view filename_;
  size_t i_ = 0;
  int line_ = 1;
  int column_ = 1;
};

}  // namespace

std::string ErrorPrefix(std::string_view filename, Position pos) {
  std::string out;
  if (!filename.empty()) out = std::string(filename) + ":";
  return out + std::to_string(pos.line) + ":" + std::to_string(pos.column) + ": ";
}

std::string Describe(const Token& token) {
  auto shorten = [](const std::string& s) { return s.size() > 40 ? s.substr(0, 40) + "..." : s; };
  switch (token.kind) {
    case TokenKind::kIdent:
      return "identifier \"" + shorten(token.text) + "\"";
    case TokenKind::kString:
      return "string \"" + shorten(token.text) + "\"";
    case TokenKind::kHeredoc:
      return "heredoc";
    case TokenKind::kNumber:
      return "number " + shorten(token.text);
    case TokenKind::kLBrace:
      return "'{'";
    case TokenKind::kRBrace:
      return "'}'";
    case TokenKind::kLBracket:
      return "'['";
    case TokenKind::kRBracket:
      return "']'";
    case TokenKind::kAssign:
      return "'='";
    case TokenKind::kColon:
      return "':'";
    case TokenKind::kComma:
      return "','";
    case TokenKind::kEof:
      return "end of input";
  }
  return "token";
}

Result<std::vector<Token>> Tokenize(std::string_view text, std::string_view filename) {
  return Lexer(text, filename).Run();
}

std::string_view TrimHeredocLine(std::string_view line) {
  while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) line.remove_prefix(1);
  while (!line.empty() && (line.back() == ' ' || line.back() == '\t')) line.remove_suffix(1);
  return line;
}

}  // namespace arca::hcl
