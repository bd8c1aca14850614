#include <gtest/gtest.h>

#include <random>
#include <string>

#include "hcl/parser.h"
#include "hcl/to_json.h"

namespace arca::hcl {
namespace {

struct ErrorCase {
  const char* name;
  std::string src;
  std::string want_prefix;  // "file:line:col: "
  std::string want_text;    // a part of the message
};

TEST(ParserErrors, NameLineAndColumn) {
  const ErrorCase cases[] = {
      {"unterminated string", "a = 1\nb = \"abc\n", "config.hcl:2:5: ", "unterminated string"},
      {"unterminated string at eof", "b = \"abc", "config.hcl:1:5: ", "unterminated string"},
      {"unterminated block comment", "a = 1\n  /* never closed\n",
       "config.hcl:2:3: ", "unterminated block comment"},
      {"missing brace", "storage \"file\" {\n  path = \"/x\"\n",
       "config.hcl:3:1: ", "expected '}' to close the block opened at 1:16"},
      {"missing brace nested", "a {\n b {\n }\n", "config.hcl:4:1: ", "opened at 1:3"},
      {"bad number", "a = 1.2.3\n", "config.hcl:1:5: ", "invalid number \"1.2.3\""},
      {"bad number suffix", "x = 12abc", "config.hcl:1:5: ", "invalid number \"12abc\""},
      {"bad hex", "x = 0x", "config.hcl:1:5: ", "invalid number"},
      {"bad exponent", "x = 1e", "config.hcl:1:5: ", "invalid number"},
      {"hex out of range", "x = 0xFFFFFFFFFFFFFFFFFF", "config.hcl:1:5: ", "out of range"},
      {"junk token", "a = 1\n  @ = 2\n", "config.hcl:2:3: ", "unexpected character '@'"},
      {"junk control byte", "a = \x01", "config.hcl:1:5: ", "unexpected character '\\x01'"},
      {"lone dash", "a = -", "config.hcl:1:5: ", "unexpected character '-'"},
      {"unterminated heredoc", "a = <<EOF\nline\n", "config.hcl:1:5: ", "unterminated heredoc"},
      {"heredoc without anchor", "a = <<\nx\n", "config.hcl:1:5: ", "heredoc anchor"},
      {"heredoc text after anchor", "a = <<EOF x\nEOF\n", "config.hcl:1:11: ", "new line"},
      {"duplicate equals", "a = = 1\n", "config.hcl:1:5: ", "expected a value, got '='"},
      {"missing equals", "storag\n\n}\n",
       "config.hcl:3:1: ", "expected '=' or '{' after \"storag\""},
      {"missing value", "a =\n", "config.hcl:2:1: ", "expected a value, got end of input"},
      {"bare identifier value", "a = yes", "config.hcl:1:5: ", "unexpected identifier \"yes\""},
      {"stray close brace", "a = 1\n}\n", "config.hcl:2:1: ", "unexpected '}'"},
      {"label then equals", "a \"b\" = 1", "config.hcl:1:7: ", "expected '{' after block \"a\""},
      {"key is a number", "1 = 2", "config.hcl:1:1: ", "expected a key, got number 1"},
      {"unterminated list", "a = [1, 2", "config.hcl:1:10: ", "expected ']'"},
      {"missing list comma", "a = [1 2]", "config.hcl:1:8: ", "expected ',' or ']'"},
      {"bad escape", R"(a = "x\qy")", "config.hcl:1:7: ", "invalid escape sequence '\\q'"},
      {"short unicode escape", R"(a = "\u12")", "config.hcl:1:6: ", "invalid unicode escape"},
      {"lone surrogate", R"(a = "\ud800x")", "config.hcl:1:6: ", "lone surrogate"},
      {"json trailing junk", "{\"a\": 1} x", "config.hcl:1:10: ", "after the end of the document"},
      {"json missing brace", "{\"a\": {\"b\": 1}", "config.hcl:1:15: ", "expected '}'"},
      {"leading comma", "{ , a = 1 }", "config.hcl:1:3: ", "expected a key, got ','"},
  };
  for (const auto& c : cases) {
    auto r = Parse(c.src, "config.hcl");
    ASSERT_FALSE(r) << c.name;
    EXPECT_EQ(r.error().kind(), ErrorKind::kInvalidRequest) << c.name;
    const std::string& msg = r.error().message();
    EXPECT_TRUE(msg.starts_with(c.want_prefix)) << c.name << ": " << msg;
    EXPECT_NE(msg.find(c.want_text), std::string::npos) << c.name << ": " << msg;
  }
}

TEST(ParserErrors, NoFilenameGivesLineColumnOnly) {
  auto r = Parse("a = ]", "");
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().message().starts_with("1:5: ")) << r.error().message();
}

TEST(ParserErrors, DeepNestingIsRejected) {
  std::string lists = "a = " + std::string(5000, '[');
  auto r = Parse(lists, "deep.hcl");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("nesting too deep"), std::string::npos);

  std::string blocks;
  for (int i = 0; i < 500; ++i) blocks += "b {";
  r = Parse(blocks, "deep.hcl");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("nesting too deep"), std::string::npos);

  std::string labels = "a";
  for (int i = 0; i < 5000; ++i) labels += " l";
  labels += " {}";
  r = Parse(labels, "deep.hcl");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("nesting too deep"), std::string::npos);

  std::string ok = "a = " + std::string(50, '[') + std::string(50, ']');
  EXPECT_TRUE(Parse(ok, "ok.hcl"));
}

const char kValidInput[] = R"(# sample
ui = true
storage "file" { path = "/data" }
listener "tcp" {
  address = "0.0.0.0:8200"   // where
  tls_disable = "true"
  list = [1, -2.5e3, 0x1f, "s\u00e9", null, { a = 1 }]
}
/* block */ text = <<-EOF
    hello
  EOF
path "secret/*" { capabilities = ["read"] allowed_parameters = { "*" = [] } }
)";

TEST(ParserFuzz, TruncationsNeverCrash) {
  std::string src = kValidInput;
  ASSERT_TRUE(Parse(src, "f.hcl"));
  for (size_t n = 0; n <= src.size(); ++n) {
    auto r = Parse(std::string_view(src).substr(0, n), "f.hcl");
    if (r)
      (void)ToJson(**r);
    else
      EXPECT_FALSE(r.error().message().empty());
  }
}

TEST(ParserFuzz, RandomBytesAndMutationsNeverCrash) {
  std::mt19937 rng(12345);
  const std::string alphabet = "{}[]=:,\"\\<<-EOF\n\t #/*x1.e0u";
  for (int iter = 0; iter < 1500; ++iter) {
    std::string s;
    size_t len = rng() % 64;
    for (size_t i = 0; i < len; ++i) {
      s.push_back(iter % 2 ? static_cast<char>(rng() & 0xFF) : alphabet[rng() % alphabet.size()]);
    }
    auto r = Parse(s, "rand");
    if (r) (void)ToJson(**r);
  }
  std::string base = kValidInput;
  for (int iter = 0; iter < 1000; ++iter) {
    std::string s = base;
    for (int k = 0; k < 3; ++k) s[rng() % s.size()] = static_cast<char>(rng() & 0xFF);
    auto r = Parse(s, "mut");
    if (r) (void)ToJson(**r);
  }
}

}  // namespace
}  // namespace arca::hcl
