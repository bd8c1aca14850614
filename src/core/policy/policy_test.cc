// ParsePolicy: HCL and JSON forms, legacy `policy =`, constraints, errors; capability names.
#include "core/policy/policy.h"

#include <gtest/gtest.h>

namespace arca::core::policy {
namespace {

using std::chrono::seconds;

TEST(ParsePolicy, HclPathBlocks) {
  auto p = ParsePolicy("dev", R"(
    # comment
    path "secret/*" {
      capabilities = ["create", "read", "update", "patch", "delete", "list", "scan"]
    }
    path "/sys/mounts" { capabilities = ["read", "sudo"] }
  )");
  ASSERT_TRUE(p) << p.error().ToString();
  EXPECT_EQ(p->name, "dev");
  ASSERT_EQ(p->paths.size(), 2u);
  EXPECT_EQ(p->paths[0].pattern, "secret/*");
  EXPECT_EQ(p->paths[0].capabilities,
            uint32_t{kCreate | kRead | kUpdate | kPatch | kDelete | kList | kScan});
  EXPECT_EQ(p->paths[1].pattern, "sys/mounts");  // leading '/' stripped
  EXPECT_EQ(p->paths[1].capabilities, uint32_t{kRead | kSudo});
  EXPECT_NE(p->raw.find("secret/*"), std::string::npos);
}

TEST(ParsePolicy, JsonForms) {
  const char* kTexts[] = {
      R"({"path": {"secret/foo": {"capabilities": ["read"]}, "a/+/b": {"policy": "write"}}})",
      R"({"path": [{"secret/foo": {"capabilities": ["read"]}}, {"a/+/b": {"policy": "write"}}]})",
  };
  for (const char* text : kTexts) {
    SCOPED_TRACE(text);
    auto p = ParsePolicy("j", text);
    ASSERT_TRUE(p) << p.error().ToString();
    ASSERT_EQ(p->paths.size(), 2u);
    EXPECT_EQ(p->paths[0].pattern, "secret/foo");
    EXPECT_EQ(p->paths[0].capabilities, uint32_t{kRead});
    EXPECT_EQ(p->paths[1].pattern, "a/+/b");
    EXPECT_EQ(p->paths[1].capabilities,
              uint32_t{kCreate | kRead | kUpdate | kPatch | kDelete | kList});
  }
}

TEST(ParsePolicy, LegacyPolicyValues) {
  struct Case {
    const char* value;
    uint32_t caps;
  } cases[] = {
      {"deny", kDeny},
      {"read", kRead | kList},
      {"list", kList},
      {"write", kCreate | kRead | kUpdate | kPatch | kDelete | kList},
      {"sudo", kCreate | kRead | kUpdate | kPatch | kDelete | kList | kSudo},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.value);
    auto p = ParsePolicy("l", std::string("path \"x\" { policy = \"") + c.value + "\" }");
    ASSERT_TRUE(p) << p.error().ToString();
    EXPECT_EQ(p->paths[0].capabilities, c.caps);
  }
}

TEST(ParsePolicy, DenyReplacesOtherCapabilities) {
  auto p = ParsePolicy("d", R"(path "x" { capabilities = ["read", "deny", "sudo"] })");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->paths[0].capabilities, uint32_t{kDeny});
}

TEST(ParsePolicy, ParametersAndWrapping) {
  auto p = ParsePolicy("p", R"(
    path "auth/userpass/users/*" {
      capabilities = ["update"]
      allowed_parameters = {
        "Password" = []
        "policies" = ["dev", "ops-*"]
      }
      denied_parameters {
        "token_ttl" = [1, "2h"]
      }
      required_parameters = ["password"]
      min_wrapping_ttl = "1m"
      max_wrapping_ttl = 3600
    }
  )");
  ASSERT_TRUE(p) << p.error().ToString();
  const PathRules& r = p->paths[0];
  ASSERT_EQ(r.allowed_parameters.size(), 2u);
  EXPECT_TRUE(r.allowed_parameters.at("password").empty());  // key lowercased
  ASSERT_EQ(r.allowed_parameters.at("policies").size(), 2u);
  EXPECT_EQ(r.allowed_parameters.at("policies")[1], json::value("ops-*"));
  ASSERT_EQ(r.denied_parameters.at("token_ttl").size(), 2u);
  EXPECT_EQ(r.denied_parameters.at("token_ttl")[0], json::value(1));
  EXPECT_EQ(r.required_parameters, std::vector<std::string>{"password"});
  EXPECT_EQ(r.min_wrapping_ttl, seconds(60));
  EXPECT_EQ(r.max_wrapping_ttl, seconds(3600));
}

TEST(ParsePolicy, JsonParametersAndWrapping) {
  auto p = ParsePolicy("j", R"({"path": {"kv/*": {
      "capabilities": ["update"],
      "allowed_parameters": {"Foo": ["a", 2, true]},
      "denied_parameters": {"bar": []},
      "required_parameters": ["foo"],
      "min_wrapping_ttl": 30, "max_wrapping_ttl": "90s"}}})");
  ASSERT_TRUE(p) << p.error().ToString();
  const PathRules& r = p->paths.at(0);
  ASSERT_EQ(r.allowed_parameters.at("foo").size(), 3u);
  EXPECT_EQ(r.allowed_parameters.at("foo")[1], json::value(2));
  EXPECT_EQ(r.allowed_parameters.at("foo")[2], json::value(true));
  EXPECT_TRUE(r.denied_parameters.at("bar").empty());
  EXPECT_EQ(r.min_wrapping_ttl, seconds(30));
  EXPECT_EQ(r.max_wrapping_ttl, seconds(90));
}

TEST(ParsePolicy, IgnoredKeysAndEmptyDocument) {
  auto p = ParsePolicy("c", R"(
    name = "c"
    path "x" {
      comment = "why"
      capabilities = ["read"]
    })");
  ASSERT_TRUE(p) << p.error().ToString();
  EXPECT_EQ(p->paths.size(), 1u);
  auto empty = ParsePolicy("e", "");
  ASSERT_TRUE(empty) << empty.error().ToString();
  EXPECT_TRUE(empty->paths.empty());
}

TEST(ParsePolicy, Errors) {
  struct Case {
    const char* text;
    const char* message_part;
  } cases[] = {
      {R"(path "x" { capabilities = ["reed"] })", "invalid capability \"reed\""},
      {R"(path "x" { capabilities = "read" ; })", ""},  // syntax error
      {R"(path "x" { capabilities = [1] })", "capabilities"},
      {R"(path "x" { policy = "admin" })", "invalid policy \"admin\""},
      {R"(path "x" { policy = ["read"] })", "policy"},
      {R"(path "x" { capability = ["read"] })", "invalid key \"capability\""},
      {R"(paths "x" { capabilities = ["read"] })", "invalid key \"paths\""},
      {R"(path "x" { allowed_parameters = { "a" = "b" } })", "expected a list"},
      {R"(path "x" { allowed_parameters = ["a"] })", ""},
      {R"(path "x" { min_wrapping_ttl = "soon" })", "min_wrapping_ttl"},
      {R"(path "x" { min_wrapping_ttl = "1h"
                     max_wrapping_ttl = "1m" })",
       "max_wrapping_ttl cannot be less than min_wrapping_ttl"},
      {R"(path "x/+*" { capabilities = ["read"] })", "'+*' is forbidden"},
      {R"(path "x/*/y" { capabilities = ["read"] })", "only allowed at the end"},
      {R"(path "x" { mfa_methods = ["m"] })", "not supported"},
      {R"(path "x" { expiration = "2030-01-01T00:00:00Z" })", "not supported"},
      {R"(path = "x")", ""},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.text);
    auto p = ParsePolicy("bad", c.text);
    ASSERT_FALSE(p);
    EXPECT_EQ(p.error().kind(), ErrorKind::kInvalidRequest);
    EXPECT_NE(p.error().message().find(c.message_part), std::string::npos) << p.error().message();
    EXPECT_NE(p.error().message().find("policy \"bad\""), std::string::npos) << p.error().message();
  }
}

TEST(ParsePolicy, ErrorNamesPathAndPosition) {
  auto p = ParsePolicy("pos",
                       "path \"ok\" { capabilities = [\"read\"] }\n"
                       "path \"secret/x\" {\n  capabilities = [\"bogus\"]\n}\n");
  ASSERT_FALSE(p);
  EXPECT_NE(p.error().message().find("path \"secret/x\""), std::string::npos)
      << p.error().message();
  EXPECT_NE(p.error().message().find("3:"), std::string::npos) << p.error().message();
}

TEST(DefaultPolicy, ParsesWithExpectedPaths) {
  auto p = ParsePolicy("default", DefaultPolicyText());
  ASSERT_TRUE(p) << p.error().ToString();
  std::map<std::string, uint32_t> by_pattern;
  for (const PathRules& r : p->paths) by_pattern[r.pattern] |= r.capabilities;
  EXPECT_EQ(by_pattern["auth/token/lookup-self"], uint32_t{kRead});
  EXPECT_EQ(by_pattern["auth/token/renew-self"], uint32_t{kUpdate});
  EXPECT_EQ(by_pattern["auth/token/revoke-self"], uint32_t{kUpdate});
  EXPECT_EQ(by_pattern["sys/capabilities-self"], uint32_t{kUpdate});
  EXPECT_EQ(by_pattern["cubbyhole/*"], uint32_t{kCreate | kRead | kUpdate | kDelete | kList});
  EXPECT_EQ(by_pattern["sys/wrapping/unwrap"], uint32_t{kUpdate});
  EXPECT_EQ(by_pattern["sys/tools/hash"], uint32_t{kUpdate});
  EXPECT_FALSE(by_pattern.contains("secret/*"));
}

TEST(CapabilityNames, Table) {
  struct Case {
    uint32_t caps;
    std::vector<std::string> names;
  } cases[] = {
      {0, {"deny"}},
      {kDeny, {"deny"}},
      {kDeny | kRead, {"deny"}},
      {kRead, {"read"}},
      {kRead | kList, {"list", "read"}},
      {kCreate | kUpdate | kSudo | kPatch, {"create", "patch", "sudo", "update"}},
      {kScan | kDelete, {"delete", "scan"}},
      {kRoot | kAllCapabilities, {"root"}},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(CapabilityNames(c.caps), c.names) << c.caps;
  }
}

TEST(CapabilityNames, FromNameRoundTrip) {
  for (const char* name :
       {"deny", "create", "read", "update", "delete", "list", "sudo", "patch", "scan"}) {
    auto cap = CapabilityFromName(name);
    ASSERT_TRUE(cap) << name;
    EXPECT_EQ(CapabilityName(*cap), name);
  }
  EXPECT_FALSE(CapabilityFromName("root"));
  EXPECT_FALSE(CapabilityFromName("READ"));
  EXPECT_FALSE(CapabilityFromName(""));
}

}  // namespace
}  // namespace arca::core::policy
