#include "logical/framework/help.h"

#include <gtest/gtest.h>

namespace arca::logical::framework {
namespace {

using Strings = std::vector<std::string>;

TEST(OpenApiPathTemplatesTest, Patterns) {
  struct Case {
    std::string pattern;
    Strings expected;
  } cases[] = {
      {"config", {"config"}},
      {"^config$", {"config"}},
      {"keys/" + GenericNameRegex("name"), {"keys/{name}"}},
      {"roles" + OptionalParamRegex("name"), {"roles", "roles/{name}"}},
      {"keys/?", {"keys"}},
      {"(encrypt|decrypt)/" + GenericNameRegex("name"), {"encrypt/{name}", "decrypt/{name}"}},
      {"(?:a|b)/x", {"a/x", "b/x"}},
      {MatchAllRegex("path"), {"{path}"}},
      {"rotate\\.now", {"rotate.now"}},
      {"export/(?<type>[^/]+)/(?<name>[^/]+)(/(?<version>\\w+))?",
       {"export/{type}/{name}", "export/{type}/{name}/{version}"}},
      // Wildcards outside named captures cannot be templated.
      {".*", {}},
      {"foo/\\w+", {}},
      {"x(ab)+", {}},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(OpenApiPathTemplates(c.pattern), c.expected) << c.pattern;
  }
}

TEST(OpenApiPathTemplatesTest, Malformed) { EXPECT_TRUE(OpenApiPathTemplates("a)b").empty()); }

Path KeysPath() {
  return Path{
      .pattern = "keys/" + GenericNameRegex("name"),
      .fields = {{"name", {.type = FieldType::kString, .description = "Key name."}},
                 {"type",
                  {.type = FieldType::kString,
                   .description = "Key type.",
                   .default_value = "aes256-gcm96",
                   .allowed_values = {"aes256-gcm96", "rsa-2048"}}},
                 {"old", {.type = FieldType::kBool, .description = "Legacy.", .deprecated = true}},
                 {"size", {.type = FieldType::kInt, .required = true}}},
      .operations = {{Operation::kRead, {nullptr, "Read a key."}},
                     {Operation::kUpdate, {nullptr, "Create a key."}},
                     {Operation::kDelete, {nullptr, ""}},
                     {Operation::kList, {nullptr, "List."}}},
      .help_synopsis = "Manage keys.",
      .help_description = "Long description.",
  };
}

TEST(PathHelpMarkdownTest, ContainsFieldsAndText) {
  std::string md = PathHelpMarkdown(KeysPath(), "keys/foo");
  for (const char* needle :
       {"Request:        keys/foo", "Matching Route: ^keys/", "Manage keys.", "## PARAMETERS",
        "    name (string)", "        Key name.", "type (string)", "Default: aes256-gcm96",
        "Allowed values: aes256-gcm96, rsa-2048", "(DEPRECATED) Legacy.", "size (int, required)",
        "## OPERATIONS", "read, update, delete, list", "## DESCRIPTION", "Long description."}) {
    EXPECT_NE(md.find(needle), std::string::npos) << needle << "\n" << md;
  }
}

TEST(PathHelpMarkdownTest, PathWithoutFieldsHasNoParameterSection) {
  Path p{.pattern = "x", .help_synopsis = "Just x."};
  std::string md = PathHelpMarkdown(p, "x");
  EXPECT_EQ(md.find("PARAMETERS"), std::string::npos);
  EXPECT_NE(md.find("Just x."), std::string::npos);
}

TEST(BackendHelpMarkdownTest, ListsPaths) {
  std::string md = BackendHelpMarkdown("The transit backend.", {KeysPath()});
  EXPECT_NE(md.find("The transit backend."), std::string::npos);
  EXPECT_NE(md.find("## PATHS"), std::string::npos);
  EXPECT_NE(md.find("Manage keys."), std::string::npos);
}

TEST(OpenApiDocumentTest, Structure) {
  Path p = KeysPath();
  json::object doc = OpenApiDocument({&p}, "transit/");
  EXPECT_EQ(doc.at("openapi"), "3.0.2");
  EXPECT_TRUE(doc.at("info").as_object().contains("title"));
  EXPECT_TRUE(doc.at("info").as_object().contains("version"));
  const auto& paths = doc.at("paths").as_object();
  ASSERT_TRUE(paths.contains("/transit/keys/{name}")) << json::serialize(doc);
  const auto& item = paths.at("/transit/keys/{name}").as_object();
  EXPECT_EQ(item.at("description"), "Manage keys.");
  const auto& param = item.at("parameters").as_array().at(0).as_object();
  EXPECT_EQ(param.at("name"), "name");
  EXPECT_EQ(param.at("in"), "path");
  EXPECT_EQ(param.at("required"), true);
  EXPECT_EQ(item.at("get").at("summary"), "Read a key.");
  EXPECT_TRUE(item.at("get").as_object().contains("responses"));
  EXPECT_TRUE(item.at("delete").at("responses").as_object().contains("204"));
  const auto& schema =
      item.at("post").at("requestBody").at("content").at("application/json").at("schema");
  const auto& props = schema.at("properties").as_object();
  EXPECT_FALSE(props.contains("name"));  // a path parameter, not a body property
  EXPECT_EQ(props.at("type").at("default"), "aes256-gcm96");
  EXPECT_EQ(props.at("type").at("enum").as_array().size(), 2u);
  EXPECT_EQ(props.at("size").at("type"), "integer");
  EXPECT_EQ(props.at("old").at("deprecated"), true);
  EXPECT_EQ(schema.at("required"), json::array({"size"}));
  // LIST gets its own templated path with a trailing slash and ?list=true.
  ASSERT_TRUE(paths.contains("/transit/keys/{name}/"));
  const auto& list = paths.at("/transit/keys/{name}/").as_object();
  EXPECT_EQ(list.at("get").at("parameters").at(0).at("name"), "list");
}

}  // namespace
}  // namespace arca::logical::framework
