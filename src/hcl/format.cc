#include "hcl/format.h"

#include <algorithm>
#include <optional>
#include <vector>

#include "hcl/lexer.h"
#include "hcl/parser.h"

namespace arca::hcl {
namespace {

std::string_view Trim(std::string_view s) {
  size_t b = s.find_first_not_of(" \t\r");
  if (b == std::string_view::npos) return {};
  return s.substr(b, s.find_last_not_of(" \t\r") - b + 1);
}

struct Line {
  std::string text;      // content without indentation (verbatim for heredoc/comment bodies)
  int indent = 0;        // nesting depth
  bool verbatim = false; // inside a heredoc or block comment: left exactly as written
  // For a one-line attribute "key = value": where '=' goes.
  std::optional<size_t> key_len;
  int depth_after = 0;       // nesting depth at the end of the line
  bool closes_first = false; // the line starts with '}' or ']'
};

bool IsComment(const Line& l) {
  return !l.verbatim && (l.text.starts_with('#') || l.text.starts_with("//") ||
                         l.text.starts_with("/*"));
}

// Blank lines where Vault's `policy fmt` (the HCL1 printer) puts them: between top-level items,
// and around an item spanning several lines (a nested block, a multi-line list) inside a block.
// A comment directly above an item stays with it: the blank line goes above the comment.
std::vector<Line> SeparateItems(std::vector<Line> lines) {
  std::vector<bool> blank_before(lines.size(), false);
  auto prev_nonblank = [&](size_t i) -> std::optional<size_t> {
    while (i > 0) {
      --i;
      if (lines[i].verbatim || !lines[i].text.empty()) return i;
    }
    return std::nullopt;
  };
  for (size_t i = 0; i < lines.size(); ++i) {
    const Line& l = lines[i];
    if (l.verbatim || l.text.empty() || IsComment(l)) continue;
    auto p = prev_nonblank(i);
    if (!p) continue;
    // The run of comments directly above this line (no blank between) belongs to it.
    size_t start = i;
    while (true) {
      auto q = prev_nonblank(start);
      if (!q || !IsComment(lines[*q]) || *q + 1 != start || lines[*q].indent != l.indent) break;
      start = *q;
    }
    auto before = prev_nonblank(start);
    if (!before || lines[*before].verbatim) continue;
    const Line& b = lines[*before];
    const int d = l.indent;
    // b must be a complete sibling (not the line that opened the enclosing block, and l not
    // the line that closes it).
    if (b.indent != d || b.depth_after != d) continue;
    const bool b_ends_multiline = b.closes_first && b.indent == d;
    const bool l_starts_multiline = l.depth_after > d;
    if (d == 0 || b_ends_multiline || l_starts_multiline) blank_before[start] = true;
  }
  std::vector<Line> out;
  out.reserve(lines.size());
  for (size_t i = 0; i < lines.size(); ++i) {
    if (blank_before[i]) out.push_back({"", lines[i].indent, false, std::nullopt});
    out.push_back(std::move(lines[i]));
  }
  return out;
}

// Re-spaces one line outside strings and comments: ", " after commas, " = " around '=',
// " {" before a brace that ends a block header. Updates *depth by the brackets it sees and
// reports a heredoc start marker and whether a block comment stays open.
struct Scan {
  std::string out;
  int opens = 0, closes = 0;
  int leading_closes = 0;  // closers before any other content
  std::string heredoc_end;  // non-empty: a heredoc starts after this line
  bool comment_open = false;
  std::optional<size_t> key_len;
};

Scan Respace(std::string_view line) {
  Scan sc;
  std::string& o = sc.out;
  bool seen_content = false;
  bool first_assign = true;
  for (size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (c == '"') {  // copy a string literal as is
      size_t j = i + 1;
      while (j < line.size() && line[j] != '"') j += line[j] == '\\' ? 2 : 1;
      o.append(line.substr(i, std::min(j, line.size() - 1) - i + 1));
      i = j;
      seen_content = true;
      continue;
    }
    if (c == '#' || (c == '/' && i + 1 < line.size() && line[i + 1] == '/')) {
      while (!o.empty() && o.back() == ' ') o.pop_back();
      if (!o.empty()) o.push_back(' ');
      o.append(line.substr(i));
      break;
    }
    if (c == '/' && i + 1 < line.size() && line[i + 1] == '*') {
      size_t end = line.find("*/", i + 2);
      if (end == std::string_view::npos) {
        o.append(line.substr(i));
        sc.comment_open = true;
        break;
      }
      o.append(line.substr(i, end + 2 - i));
      i = end + 1;
      continue;
    }
    if (c == '<' && i + 1 < line.size() && line[i + 1] == '<') {
      size_t j = i + 2;
      if (j < line.size() && line[j] == '-') ++j;  // <<- : the closing line may be indented
      sc.heredoc_end = std::string(Trim(line.substr(j)));
      o.append(line.substr(i));
      break;
    }
    if (c == ' ' || c == '\t') {
      if (!o.empty() && o.back() != ' ') o.push_back(' ');
      continue;
    }
    if (c == '}' || c == ']') {
      if (!seen_content) ++sc.leading_closes;
      else ++sc.closes;
      if (!o.empty() && o.back() == ' ' && o.size() >= 2 && (o[o.size() - 2] == '[' ||
                                                             o[o.size() - 2] == '{')) {
        o.pop_back();
      }
      o.push_back(c);
      continue;
    }
    seen_content = true;
    if (c == '{' || c == '[') {
      ++sc.opens;
      if (c == '{' && !o.empty() && o.back() != ' ' && o.back() != '[' && o.back() != '(') {
        o.push_back(' ');
      }
      o.push_back(c);
      continue;
    }
    if (c == ',') {
      while (!o.empty() && o.back() == ' ') o.pop_back();
      o.push_back(',');
      if (i + 1 < line.size()) o.push_back(' ');
      continue;
    }
    if (c == '=') {
      while (!o.empty() && o.back() == ' ') o.pop_back();
      if (first_assign && sc.opens == 0) sc.key_len = o.size();
      first_assign = false;
      o.append(" = ");
      while (i + 1 < line.size() && (line[i + 1] == ' ' || line[i + 1] == '\t')) ++i;
      continue;
    }
    o.push_back(c);
  }
  while (!o.empty() && o.back() == ' ') o.pop_back();
  // An attribute whose value opens a block or list spanning lines is not aligned.
  if (sc.opens > sc.closes) sc.key_len.reset();
  return sc;
}

}  // namespace

Result<std::string> Format(std::string_view text, std::string_view filename) {
  ARCA_RETURN_IF_ERROR(Parse(text, filename));

  std::vector<Line> lines;
  int depth = 0;
  std::string heredoc_end;
  bool in_comment = false;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t nl = text.find('\n', pos);
    std::string_view raw = text.substr(pos, nl == std::string_view::npos ? text.npos : nl - pos);
    pos = nl == std::string_view::npos ? text.size() + 1 : nl + 1;
    if (!raw.empty() && raw.back() == '\r') raw.remove_suffix(1);
    // A verbatim line (heredoc body, comment) whose text itself ends in '\r' keeps its CRLF
    // ending: written with a bare '\n', the next read would take that '\r' for a line ending.
    auto verbatim = [&raw] {
      return raw.ends_with('\r') ? std::string(raw) + '\r' : std::string(raw);
    };
    if (!heredoc_end.empty()) {
      lines.push_back({verbatim(), 0, true, std::nullopt});
      // The closing line exactly as the lexer finds it (found by the fuzzer: trimming '\r'
      // here ended the heredoc a line early, and the output did not parse).
      if (TrimHeredocLine(raw) == heredoc_end) heredoc_end.clear();
      continue;
    }
    // Moves the state on past a scanned piece of code.
    auto advance = [&](const Scan& sc) {
      depth = std::max(0, depth + sc.opens - sc.closes);
      heredoc_end = sc.heredoc_end;
      in_comment = sc.comment_open;
    };
    if (in_comment) {
      lines.push_back({verbatim(), 0, true, std::nullopt});
      if (size_t close = raw.find("*/"); close != std::string_view::npos) {
        in_comment = false;
        // Code after the comment on its last line (brackets, a heredoc start, another
        // comment) stays as written but counts like any other code (found by the fuzzer: a
        // heredoc opened there lost its body's verbatim treatment).
        if (std::string_view rest = Trim(raw.substr(close + 2)); !rest.empty()) {
          const Scan sc = Respace(rest);
          depth = std::max(0, depth - sc.leading_closes);
          advance(sc);
        }
      }
      continue;
    }
    std::string_view t = Trim(raw);
    if (t.empty()) {
      lines.push_back({"", depth, false, std::nullopt});
      continue;
    }
    const Scan sc = Respace(t);
    depth = std::max(0, depth - sc.leading_closes);
    lines.push_back({sc.out, depth, false, sc.key_len});
    advance(sc);
    lines.back().depth_after = depth;
    lines.back().closes_first = sc.leading_closes > 0;
  }
  lines = SeparateItems(std::move(lines));

  // Align '=' in runs of one-line attributes at the same depth.
  for (size_t i = 0; i < lines.size();) {
    if (!lines[i].key_len || lines[i].verbatim) {
      ++i;
      continue;
    }
    size_t j = i;
    size_t width = 0;
    while (j < lines.size() && lines[j].key_len && !lines[j].verbatim &&
           lines[j].indent == lines[i].indent) {
      width = std::max(width, *lines[j].key_len);
      ++j;
    }
    for (size_t k = i; k < j; ++k) {
      lines[k].text.insert(*lines[k].key_len, width - *lines[k].key_len, ' ');
    }
    i = j;
  }

  std::string out;
  bool last_blank = true;  // drops leading blank lines
  for (const Line& l : lines) {
    if (l.verbatim) {
      out += l.text;
      out += '\n';
      last_blank = false;
      continue;
    }
    if (l.text.empty()) {
      if (!last_blank) out += '\n';
      last_blank = true;
      continue;
    }
    out.append(2 * l.indent, ' ');
    out += l.text;
    out += '\n';
    last_blank = false;
  }
  while (out.size() >= 2 && out[out.size() - 1] == '\n' && out[out.size() - 2] == '\n') {
    out.pop_back();
  }
  return out;
}

}  // namespace arca::hcl
