#include "hcl/parser.h"

#include <charconv>
#include <utility>

#include "hcl/lexer.h"

namespace arca::hcl {
namespace {

std::string PosText(Position p) { return std::to_string(p.line) + ":" + std::to_string(p.column); }

class Parser {
 public:
  Parser(std::vector<Token> tokens, std::string_view filename)
      : tokens_(std::move(tokens)),
        filename_(filename),
        file_(std::make_shared<const std::string>(filename)) {}

  Result<NodePtr> ParseDocument() {
    if (Peek().kind == TokenKind::kLBrace) {  // JSON (or an HCL object literal)
      ARCA_ASSIGN_OR_RETURN(NodePtr root, ParseObjectLiteral(1));
      if (Peek().kind != TokenKind::kEof) {
        return Fail(Peek().pos,
                    "unexpected " + Describe(Peek()) + " after the end of the document");
      }
      return root;
    }
    return ParseBody(Position{1, 1}, /*braced=*/false, 1);
  }

 private:
  const Token& Peek(size_t ahead = 0) const {
    size_t k = std::min(idx_ + ahead, tokens_.size() - 1);
    return tokens_[k];
  }
  const Token& Next() {
    const Token& t = tokens_[idx_];
    if (idx_ + 1 < tokens_.size()) ++idx_;
    return t;
  }
  std::unexpected<Error> Fail(Position pos, std::string msg) const {
    return InvalidRequest(ErrorPrefix(filename_, pos) + msg);
  }
  std::shared_ptr<Node> MakeNode(Kind kind, Position pos) const {
    auto n = std::make_shared<Node>();
    n->kind = kind;
    n->pos = pos;
    n->file = file_;
    return n;
  }
  Status CheckDepth(int depth, Position pos) const {
    if (depth > kMaxDepth) {
      return Fail(pos, "nesting too deep (more than " + std::to_string(kMaxDepth) + " levels)");
    }
    return OkStatus();
  }

  // The entries of a block body or object literal. With `braced`, stops after the closing '}'
  // (the opening one at `open` is already consumed); otherwise stops at the end of input.
  Result<NodePtr> ParseBody(Position open, bool braced, int depth) {
    ARCA_RETURN_IF_ERROR(CheckDepth(depth, open));
    auto obj = MakeNode(Kind::kObject, open);
    while (true) {
      const Token& tok = Peek();
      if (tok.kind == TokenKind::kRBrace) {
        if (!braced) return Fail(tok.pos, "unexpected '}' (no block is open)");
        Next();
        return obj;
      }
      if (tok.kind == TokenKind::kEof) {
        if (!braced) return obj;
        return Fail(tok.pos, "expected '}' to close the block opened at " + PosText(open) +
                                 ", got end of input");
      }
      ARCA_ASSIGN_OR_RETURN(Entry entry, ParseEntry(depth));
      obj->entries.push_back(std::move(entry));
      if (Peek().kind == TokenKind::kComma) Next();
    }
  }

  Result<Entry> ParseEntry(int depth) {
    const Token& key_tok = Peek();
    if (key_tok.kind != TokenKind::kIdent && key_tok.kind != TokenKind::kString) {
      return Fail(key_tok.pos, "expected a key, got " + Describe(key_tok));
    }
    Entry entry;
    entry.key = key_tok.text;
    entry.key_pos = key_tok.pos;
    Next();

    const Token& after = Peek();
    if (after.kind == TokenKind::kAssign || after.kind == TokenKind::kColon) {
      Next();
      ARCA_ASSIGN_OR_RETURN(entry.value, ParseValue(depth + 1));
      return entry;
    }
    if (after.kind != TokenKind::kLBrace && after.kind != TokenKind::kString &&
        after.kind != TokenKind::kIdent) {
      return Fail(after.pos,
                  "expected '=' or '{' after \"" + entry.key + "\", got " + Describe(after));
    }
    // A block: labels, then a body.
    std::vector<std::pair<std::string, Position>> labels;
    while (Peek().kind == TokenKind::kString || Peek().kind == TokenKind::kIdent) {
      labels.emplace_back(Peek().text, Peek().pos);
      Next();
      ARCA_RETURN_IF_ERROR(
          CheckDepth(depth + static_cast<int>(labels.size()), labels.back().second));
    }
    if (Peek().kind != TokenKind::kLBrace) {
      std::string what = labels.empty() ? "" : " and its labels";
      return Fail(Peek().pos, "expected '{' after block \"" + entry.key + "\"" + what + ", got " +
                                  Describe(Peek()));
    }
    Position open = Next().pos;
    ARCA_ASSIGN_OR_RETURN(NodePtr value, ParseBody(open, /*braced=*/true,
                                                   depth + 1 + static_cast<int>(labels.size())));
    for (auto it = labels.rbegin(); it != labels.rend(); ++it) {
      auto wrapper = MakeNode(Kind::kObject, it->second);
      wrapper->entries.push_back(Entry{it->first, it->second, std::move(value), true});
      value = std::move(wrapper);
    }
    entry.value = std::move(value);
    entry.is_block = true;
    return entry;
  }

  Result<NodePtr> ParseObjectLiteral(int depth) {
    Position open = Next().pos;  // '{'
    return ParseBody(open, /*braced=*/true, depth);
  }

  Result<NodePtr> ParseValue(int depth) {
    ARCA_RETURN_IF_ERROR(CheckDepth(depth, Peek().pos));
    const Token& tok = Peek();
    switch (tok.kind) {
      case TokenKind::kString:
      case TokenKind::kHeredoc: {
        auto n = MakeNode(Kind::kString, tok.pos);
        n->string_value = Next().text;
        return NodePtr(std::move(n));
      }
      case TokenKind::kNumber:
        return ParseNumber(Next());
      case TokenKind::kLBracket:
        return ParseList(depth);
      case TokenKind::kLBrace:
        return ParseObjectLiteral(depth);
      case TokenKind::kIdent: {
        if (tok.text == "true" || tok.text == "false") {
          auto n = MakeNode(Kind::kBool, tok.pos);
          n->bool_value = Next().text == "true";
          return NodePtr(std::move(n));
        }
        if (tok.text == "null") return NodePtr(MakeNode(Kind::kNull, Next().pos));
        return Fail(tok.pos, "unexpected " + Describe(tok) +
                                 "; expected a value (string, number, bool, list or object)");
      }
      default:
        return Fail(tok.pos, "expected a value, got " + Describe(tok));
    }
  }

  Result<NodePtr> ParseList(int depth) {
    Position open = Next().pos;  // '['
    auto list = MakeNode(Kind::kList, open);
    while (true) {
      if (Peek().kind == TokenKind::kRBracket) {
        Next();
        return list;
      }
      if (Peek().kind == TokenKind::kEof) {
        return Fail(Peek().pos, "expected ']' to close the list opened at " + PosText(open) +
                                    ", got end of input");
      }
      ARCA_ASSIGN_OR_RETURN(NodePtr item, ParseValue(depth + 1));
      list->list.push_back(std::move(item));
      if (Peek().kind == TokenKind::kComma) {
        Next();
      } else if (Peek().kind == TokenKind::kEof) {
        return Fail(Peek().pos, "expected ']' to close the list opened at " + PosText(open) +
                                    ", got end of input");
      } else if (Peek().kind != TokenKind::kRBracket) {
        return Fail(Peek().pos, "expected ',' or ']' in the list opened at " + PosText(open) +
                                    ", got " + Describe(Peek()));
      }
    }
  }

  Result<NodePtr> ParseNumber(const Token& tok) {
    auto n = MakeNode(Kind::kNumber, tok.pos);
    n->string_value = tok.text;
    std::string_view s = tok.text;
    bool negative = s.starts_with('-');
    std::string_view digits = negative ? s.substr(1) : s;
    if (digits.starts_with("0x") || digits.starts_with("0X")) {
      digits.remove_prefix(2);
      uint64_t u = 0;
      auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), u, 16);
      if (ec != std::errc() || u > static_cast<uint64_t>(INT64_MAX)) {
        return Fail(tok.pos, "number " + tok.text + " is out of range");
      }
      n->is_integer = true;
      n->int_value = negative ? -static_cast<int64_t>(u) : static_cast<int64_t>(u);
      n->number_value = static_cast<double>(n->int_value);
      return NodePtr(std::move(n));
    }
    if (s.find_first_of(".eE") == std::string_view::npos) {
      int64_t v = 0;
      auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
      if (ec == std::errc() && ptr == s.data() + s.size()) {
        n->is_integer = true;
        n->int_value = v;
        n->number_value = static_cast<double>(v);
        return NodePtr(std::move(n));
      }
    }
    double d = 0;
    auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), d);
    if (ec != std::errc()) return Fail(tok.pos, "number " + tok.text + " is out of range");
    n->number_value = d;
    return NodePtr(std::move(n));
  }

  std::vector<Token> tokens_;
  size_t idx_ = 0;
  std::string_view filename_;
  std::shared_ptr<const std::string> file_;
};

}  // namespace

Result<NodePtr> Parse(std::string_view text, std::string_view filename) {
  ARCA_ASSIGN_OR_RETURN(std::vector<Token> tokens, Tokenize(text, filename));
  return Parser(std::move(tokens), filename).ParseDocument();
}

}  // namespace arca::hcl
