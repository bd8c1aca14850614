#include "hcl/format.h"

#include <gtest/gtest.h>

#include "hcl/parser.h"

namespace arca::hcl {
namespace {

TEST(HclFormat, Table) {
  struct Case {
    const char* in;
    const char* want;
  } cases[] = {
      {"path \"secret/*\"{\ncapabilities=[\"read\",\"list\"]\n}\n",
       "path \"secret/*\" {\n  capabilities = [\"read\", \"list\"]\n}\n"},
      // Alignment of consecutive attributes; blank runs collapse; trailing blanks go.
      {"path \"a\" {\n  capabilities = [\"read\"]   \n  min_wrapping_ttl=\"1s\"\n}\n\n\n\n"
       "path \"b\" {  \n    capabilities = []\n}",
       "path \"a\" {\n  capabilities     = [\"read\"]\n  min_wrapping_ttl = \"1s\"\n}\n\n"
       "path \"b\" {\n  capabilities = []\n}\n"},
      // Comments kept; '=' inside strings untouched; nested blocks indented.
      {"# team policy\npath \"kv/+/x=y\" {\n# who\ncapabilities = [\"read\"] // ok\n"
       "allowed_parameters = {\n\"a\" = [\"1\",\"2\"]\n}\n}\n",
       "# team policy\npath \"kv/+/x=y\" {\n  # who\n  capabilities = [\"read\"] // ok\n"
       "\n  allowed_parameters = {\n    \"a\" = [\"1\", \"2\"]\n  }\n}\n"},
      // A list spanning lines.
      {"path \"p\" {\ncapabilities = [\n\"read\",\n\"list\",\n]\n}\n",
       "path \"p\" {\n  capabilities = [\n    \"read\",\n    \"list\",\n  ]\n}\n"},
      // Heredoc bodies are left alone.
      {"x = <<EOF\n  keep   this\nEOF\ny=1\n", "x = <<EOF\n  keep   this\nEOF\ny = 1\n"},
      // CRLF line endings become LF, except where a verbatim line's own text ends in '\r'
      // (found by the fuzzer: dropping one '\r' per pass was not idempotent).
      {"a=1\r\nb=2\r\n", "a = 1\n\nb = 2\n"},
      {"x = <<EOF\r\nv\r\r\nEOF\r\n", "x = <<EOF\nv\r\r\nEOF\n"},
      {"/* c\r\r\r\n\r\r\n*/\r\n", "/* c\n\r\r\n*/\n"},
      // Code after a block comment on its closing line is kept as written and still counts: a
      // heredoc opened there keeps its body verbatim, a brace opened there indents.
      {"/*\n*/x=<<EOT\nEOT\r\r\nEOT\n", "/*\n*/x=<<EOT\nEOT\r\r\nEOT\n"},
      {"/* a\n*/ path \"p\" {\ncapabilities=[]\n}\n",
       "/* a\n*/ path \"p\" {\n  capabilities = []\n}\n"},
      // A heredoc ends where the lexer ends it: spaces and tabs around the anchor are trimmed
      // (for << too), a '\r' left in the line is not (found by the fuzzer: "EOT\r" ended an
      // indented heredoc a line early and the output did not parse).
      {"x = <<-EOT\nEOT\r\r\nEOT<\nEOT\r\r\nEOT", "x = <<-EOT\nEOT\r\r\nEOT<\nEOT\r\r\nEOT\n"},
      {"x = <<EOT\nbody\n  EOT  \ny=1\n", "x = <<EOT\nbody\n  EOT  \ny = 1\n"},
      // Vault's blank lines (the HCL1 printer's): between top-level items, around an item that
      // spans lines inside a block; a comment above an item stays on it.
      {"path \"a\" {\ncapabilities = [\"read\"]\n}\n# b's comment\npath \"b\" {\n"
       "capabilities = [\"list\"]\n# params\nallowed_parameters = {\n\"x\" = []\n"
       "\"long_name\" = [\"1\"]\n}\nmin_wrapping_ttl = \"1s\"\nmax_wrapping_ttl = \"1h\"\n}\n",
       "path \"a\" {\n  capabilities = [\"read\"]\n}\n\n# b's comment\npath \"b\" {\n"
       "  capabilities = [\"list\"]\n\n  # params\n  allowed_parameters = {\n"
       "    \"x\"         = []\n    \"long_name\" = [\"1\"]\n  }\n\n"
       "  min_wrapping_ttl = \"1s\"\n  max_wrapping_ttl = \"1h\"\n}\n"},
  };
  for (const auto& c : cases) {
    auto r = Format(c.in, "p.hcl");
    ASSERT_TRUE(r) << c.in << ": " << r.error().ToString();
    EXPECT_EQ(*r, c.want) << c.in;
    // Formatting is idempotent and keeps the meaning.
    auto again = Format(*r, "p.hcl");
    ASSERT_TRUE(again);
    EXPECT_EQ(*again, *r);
    auto a = Parse(c.in, "");
    auto b = Parse(*r, "");
    ASSERT_TRUE(a && b);
  }
}

TEST(HclFormat, InvalidInputIsAnErrorWithPosition) {
  auto r = Format("path \"a\" {\n  capabilities = [\"read\"\n}\n", "bad.hcl");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("bad.hcl:3:"), std::string::npos) << r.error().message();
}

}  // namespace
}  // namespace arca::hcl
