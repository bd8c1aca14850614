#include "hcl/parser.h"

#include <gtest/gtest.h>

#include "hcl/blocks.h"
#include "hcl/to_json.h"

namespace arca::hcl {
namespace {

NodePtr MustParse(std::string_view text, std::string_view file = "test.hcl") {
  auto r = Parse(text, file);
  EXPECT_TRUE(r) << (r ? "" : r.error().message());
  if (!r) return std::make_shared<Node>();
  EXPECT_EQ((*r)->kind, Kind::kObject);
  return *r;
}

const Node& Get(const Node& obj, std::string_view key) {
  const Entry* e = obj.Find(key);
  EXPECT_NE(e, nullptr) << "missing key " << key;
  static const Node kNull;
  return e ? *e->value : kNull;
}

TEST(Parser, VaultServerConfig) {
  NodePtr root = MustParse(R"(
ui            = true
api_addr      = "https://node1:8200"   # redirect address
cluster_name  = "vault-cluster-1"
disable_mlock = true
default_lease_ttl = "768h"
cache_size = 131072

storage "file" {
  path = "/var/lib/arca"
}

listener "tcp" {
  address       = "0.0.0.0:8200"
  tls_cert_file = "/etc/arca/cert.pem"
  tls_key_file  = "/etc/arca/key.pem"
  tls_min_version = "tls12"
  telemetry {
    unauthenticated_metrics_access = false
  }
}

listener "tcp" {
  address     = "127.0.0.1:8300"
  tls_disable = 1
}

seal "awskms" { region = "us-east-1" kms_key_id = "abc" }
telemetry { prometheus_retention_time = "24h" disable_hostname = true }
)");
  EXPECT_TRUE(Get(*root, "ui").bool_value);
  EXPECT_EQ(Get(*root, "api_addr").string_value, "https://node1:8200");
  EXPECT_EQ(Get(*root, "cache_size").int_value, 131072);
  EXPECT_TRUE(Get(*root, "cache_size").is_integer);

  auto listeners = root->FindAll("listener");
  ASSERT_EQ(listeners.size(), 2u);
  EXPECT_TRUE(listeners[0]->is_block);
  EXPECT_EQ(listeners[0]->key_pos.line, 13);
  EXPECT_EQ(listeners[0]->key_pos.column, 1);
  auto blocks = ExpandBlocks(*listeners[0], 1);
  ASSERT_TRUE(blocks);
  ASSERT_EQ(blocks->size(), 1u);
  EXPECT_EQ((*blocks)[0].labels[0], "tcp");
  const Node& body = *(*blocks)[0].body;
  EXPECT_EQ(Get(body, "address").string_value, "0.0.0.0:8200");
  EXPECT_EQ(Get(body, "address").pos.line, 14);
  EXPECT_EQ(Get(body, "address").pos.column, 19);
  EXPECT_FALSE(Get(Get(body, "telemetry"), "unauthenticated_metrics_access").bool_value);

  auto seal = ExpandBlocks(*root->Find("seal"), 1);
  ASSERT_TRUE(seal);
  EXPECT_EQ((*seal)[0].labels[0], "awskms");
  EXPECT_EQ(Get(*(*seal)[0].body, "kms_key_id").string_value, "abc");
  EXPECT_EQ(Get(Get(*root, "telemetry"), "prometheus_retention_time").string_value, "24h");
  EXPECT_EQ(root->filename(), "test.hcl");
  EXPECT_EQ(Where(Get(*root, "ui")), "test.hcl:2:17");
}

TEST(Parser, VaultAclPolicy) {
  NodePtr root = MustParse(R"(
# Allow reading secrets
path "secret/data/*" {
  capabilities = ["read", "list"]
}

path "secret/data/team-a/*" {
  capabilities = ["create", "read", "update", "delete", "list",]
  allowed_parameters = {
    "foo" = []
    "*"   = ["x*"]
  }
  denied_parameters = { "password" = [] }
  required_parameters = ["foo"]
  min_wrapping_ttl = "1m"
  max_wrapping_ttl = 3600
}

path "sys/*" { capabilities = ["deny"] }
)");
  auto paths = root->FindAll("path");
  ASSERT_EQ(paths.size(), 3u);
  std::vector<std::string> names;
  for (const Entry* e : paths) {
    auto b = ExpandBlocks(*e, 1);
    ASSERT_TRUE(b);
    names.push_back((*b)[0].labels[0]);
  }
  EXPECT_EQ(names, (std::vector<std::string>{"secret/data/*", "secret/data/team-a/*", "sys/*"}));

  auto b = ExpandBlocks(*paths[1], 1);
  const Node& body = *(*b)[0].body;
  EXPECT_EQ(Get(body, "capabilities").list.size(), 5u);  // trailing comma allowed
  const Node& allowed = Get(body, "allowed_parameters");
  ASSERT_EQ(allowed.entries.size(), 2u);  // separated by a new line, no comma
  EXPECT_EQ(allowed.entries[0].key, "foo");
  EXPECT_TRUE(allowed.entries[0].value->list.empty());
  EXPECT_EQ(allowed.entries[1].key, "*");
  EXPECT_EQ(allowed.entries[1].value->list[0]->string_value, "x*");
  EXPECT_FALSE(allowed.entries[1].is_block);
  EXPECT_EQ(Get(body, "max_wrapping_ttl").int_value, 3600);

  json::value j = ToJson(*root);
  EXPECT_EQ(j.at("path").at("sys/*").at("capabilities").at(0).as_string(), "deny");
  EXPECT_EQ(j.at("path").as_object().size(), 3u);
  EXPECT_EQ(j.at("path").at("secret/data/*").at("capabilities").as_array().size(), 2u);
}

TEST(Parser, JsonPolicyHasTheSameShape) {
  NodePtr hcl = MustParse(R"(path "secret/*" { capabilities = ["read"] })");
  NodePtr js = MustParse(R"({"path": {"secret/*": {"capabilities": ["read"]}}})", "p.json");
  EXPECT_EQ(ToJson(*hcl), ToJson(*js));
  auto blocks = ExpandBlocks(*js->Find("path"), 1);
  ASSERT_TRUE(blocks);
  EXPECT_EQ((*blocks)[0].labels[0], "secret/*");
  EXPECT_FALSE(js->Find("path")->is_block);
}

TEST(Parser, JsonListOfBlocks) {
  NodePtr root = MustParse(R"({
  "listener": [
    {"tcp": {"address": "127.0.0.1:1", "tls_disable": true}},
    {"tcp": {"address": "127.0.0.1:2", "tls_disable": "1"}}
  ],
  "max": 1.5e3, "neg": -7, "nothing": null
})");
  auto blocks = ExpandBlocks(*root->Find("listener"), 1);
  ASSERT_TRUE(blocks);
  ASSERT_EQ(blocks->size(), 2u);
  EXPECT_EQ(Get(*(*blocks)[1].body, "address").string_value, "127.0.0.1:2");
  EXPECT_EQ((*blocks)[1].body->pos.line, 4);
  EXPECT_DOUBLE_EQ(Get(*root, "max").number_value, 1500);
  EXPECT_FALSE(Get(*root, "max").is_integer);
  EXPECT_EQ(Get(*root, "neg").int_value, -7);
  EXPECT_EQ(Get(*root, "nothing").kind, Kind::kNull);
}

TEST(Parser, BlockLabelsNest) {
  NodePtr root = MustParse("a \"b\" c { x = 1 }\nempty {}\n");
  const Entry* a = root->Find("a");
  ASSERT_NE(a, nullptr);
  EXPECT_TRUE(a->is_block);
  const Node& b = Get(*a->value, "b");
  EXPECT_TRUE(a->value->entries[0].is_block);
  EXPECT_EQ(a->value->entries[0].key_pos.column, 3);
  const Node& c = Get(b, "c");
  EXPECT_EQ(Get(c, "x").int_value, 1);
  auto blocks = ExpandBlocks(*a, 2);
  ASSERT_TRUE(blocks);
  EXPECT_EQ((*blocks)[0].labels, (std::vector<std::string>{"b", "c"}));
  EXPECT_TRUE(Get(*root, "empty").entries.empty());
  EXPECT_TRUE(root->Find("empty")->is_block);
}

TEST(Parser, Comments) {
  NodePtr root = MustParse(R"(# hash comment
// slash comment
/* block
   comment */ a = 1 /* inline */ b = 2  # trailing
c = "not # a comment // nor this /* */"
/**/ d = [1, /* in a list */ 2]
)");
  EXPECT_EQ(Get(*root, "a").int_value, 1);
  EXPECT_EQ(Get(*root, "a").pos.line, 4);
  EXPECT_EQ(Get(*root, "b").int_value, 2);
  EXPECT_EQ(Get(*root, "c").string_value, "not # a comment // nor this /* */");
  EXPECT_EQ(Get(*root, "d").list.size(), 2u);
}

TEST(Parser, StringsAndEscapes) {
  struct Case {
    const char* src;
    std::string want;
  } cases[] = {
      {R"(v = "a\nb\tc")", "a\nb\tc"},
      {R"(v = "q\"q\\")", "q\"q\\"},
      {R"(v = "\u00e9\u20AC")", "\xC3\xA9\xE2\x82\xAC"},
      {R"(v = "\ud83d\ude00")", "\xF0\x9F\x98\x80"},
      {R"(v = "\U0001F600")", "\xF0\x9F\x98\x80"},
      {R"(v = "h\/i\r")", "h/i\r"},
      {"v = \"d\xC3\xA9j\xC3\xA0 vu \xE2\x9C\x93\"", "d\xC3\xA9j\xC3\xA0 vu \xE2\x9C\x93"},
      {R"(v = "${interp}")", "${interp}"},
      {R"(v = "")", ""},
  };
  for (const auto& c : cases) {
    NodePtr root = MustParse(c.src);
    EXPECT_EQ(Get(*root, "v").string_value, c.want) << c.src;
  }
}

TEST(Parser, ColumnsCountCharactersNotBytes) {
  NodePtr root = MustParse("\xC3\xA9t\xC3\xA9 = \"\xE2\x82\xAC\" x = 1");
  EXPECT_EQ(root->entries[0].key, "\xC3\xA9t\xC3\xA9");
  EXPECT_EQ(Get(*root, "x").pos.column, 15);
}

TEST(Parser, Heredocs) {
  NodePtr root = MustParse(
      "a = <<EOF\nline one\n  line two\nEOF\n"
      "b = <<-EOT\n    indented\n      more\n    EOT\n"
      "c = <<EOF\nEOF\n"
      "d = 1\n");
  EXPECT_EQ(Get(*root, "a").string_value, "line one\n  line two\n");
  EXPECT_EQ(Get(*root, "b").string_value, "indented\n  more\n");
  EXPECT_EQ(Get(*root, "c").string_value, "");
  EXPECT_EQ(Get(*root, "d").pos.line, 11);
}

TEST(Parser, Numbers) {
  struct Case {
    const char* src;
    bool integer;
    int64_t i;
    double d;
  } cases[] = {
      {"v = 0", true, 0, 0},
      {"v = 42", true, 42, 42},
      {"v = -17", true, -17, -17},
      {"v = 3.25", false, 0, 3.25},
      {"v = -0.5", false, 0, -0.5},
      {"v = 1e3", false, 0, 1000},
      {"v = 2E-2", false, 0, 0.02},
      {"v = 0x1F", true, 31, 31},
      {"v = -0x10", true, -16, -16},
      {"v = 9223372036854775807", true, INT64_MAX, 9.2233720368547758e18},
      {"v = 99999999999999999999", false, 0, 1e20},
  };
  for (const auto& c : cases) {
    NodePtr root = MustParse(c.src);
    const Node& v = Get(*root, "v");
    EXPECT_EQ(v.kind, Kind::kNumber) << c.src;
    EXPECT_EQ(v.is_integer, c.integer) << c.src;
    if (c.integer) {
      EXPECT_EQ(v.int_value, c.i) << c.src;
    }
    EXPECT_DOUBLE_EQ(v.number_value, c.d) << c.src;
  }
  EXPECT_EQ(Get(*MustParse("v = 0x1F"), "v").string_value, "0x1F");
}

TEST(Parser, ObjectsAndSeparators) {
  NodePtr root = MustParse(R"(
o1 = { a = 1, b = "x" }
o2 = { "a": 1, "b": [true, false, null] }
o3 = {
  a = 1
  b = 2,
  c { d = 3 }
}
k: "colon"
"quoted key" = 1
x = 1, y = 2
ident.with-dash_and.dots = "ok"
)");
  EXPECT_EQ(Get(Get(*root, "o1"), "b").string_value, "x");
  EXPECT_EQ(Get(Get(*root, "o2"), "b").list[2]->kind, Kind::kNull);
  EXPECT_EQ(Get(Get(Get(*root, "o3"), "c"), "d").int_value, 3);
  EXPECT_EQ(Get(*root, "k").string_value, "colon");
  EXPECT_EQ(Get(*root, "quoted key").int_value, 1);
  EXPECT_EQ(Get(*root, "y").int_value, 2);
  EXPECT_EQ(Get(*root, "ident.with-dash_and.dots").string_value, "ok");
}

TEST(Parser, RepeatedKeysAreKept) {
  NodePtr root = MustParse("a = 1\na = 2\n");
  ASSERT_EQ(root->FindAll("a").size(), 2u);
  EXPECT_EQ(root->Find("a")->value->int_value, 2);  // Find returns the last
  EXPECT_EQ(ToJson(*root).at("a").as_int64(), 2);
}

TEST(Parser, EmptyDocuments) {
  for (const char* src : {"", "   \n\t", "# only a comment", "{}", "\xEF\xBB\xBFx = 1"}) {
    auto r = Parse(src, "");
    ASSERT_TRUE(r) << src << ": " << r.error().message();
    EXPECT_EQ((*r)->kind, Kind::kObject);
  }
}

TEST(Parser, MultiLineLists) {
  NodePtr root = MustParse("l = [\n  \"a\",\n  [1, 2],\n  { k = \"v\" },\n]\n");
  const Node& l = Get(*root, "l");
  ASSERT_EQ(l.list.size(), 3u);
  EXPECT_EQ(l.list[1]->list[1]->int_value, 2);
  EXPECT_EQ(Get(*l.list[2], "k").string_value, "v");
  EXPECT_EQ(l.list[2]->pos.line, 4);
}

}  // namespace
}  // namespace arca::hcl
