// Identity templates: substitution in ACL and JSON mode, unresolvable directives, syntax
// errors, templated policies compiled per entity by the PolicyStore.
#include "core/policy/template.h"

#include <gtest/gtest.h>

#include "common/json.h"
#include "core/policy/acl.h"
#include "core/policy/policy.h"
#include "core/policy_store.h"

namespace arca::core::policy {
namespace {

using logical::Operation;

IdentityData Alice() {
  IdentityData d;
  d.entity_id = "e-1";
  d.entity_name = "alice";
  d.metadata = {{"team", "blue"}, {"wild", "a*b"}};
  d.aliases.push_back({.id = "al-1",
                       .name = "alice-login",
                       .mount_accessor = "auth_userpass_1",
                       .metadata = {{"source", "up"}},
                       .custom_metadata = {{"office", "paris"}}});
  d.groups.push_back({.id = "g-1", .name = "devs", .metadata = {{"level", "3"}}});
  d.groups.push_back({.id = "g-2", .name = "ops", .metadata = {}});
  return d;
}

std::string Acl(std::string_view in, const IdentityData* d) {
  auto r = PopulateTemplate(in, TemplateMode::kAcl, d);
  if (!r) return "ERR: " + r.error().message();
  return r->text;
}

TEST(Template, AclModeSubstitutesEveryDirective) {
  IdentityData d = Alice();
  struct Case {
    const char* in;
    const char* out;
  } cases[] = {
      {"secret/{{identity.entity.id}}/x", "secret/e-1/x"},
      {"secret/{{ identity.entity.name }}", "secret/alice"},
      {"kv/{{identity.entity.metadata.team}}/*", "kv/blue/*"},
      {"a/{{identity.entity.aliases.auth_userpass_1.name}}", "a/alice-login"},
      {"a/{{identity.entity.aliases.auth_userpass_1.id}}", "a/al-1"},
      {"a/{{identity.entity.aliases.auth_userpass_1.metadata.source}}", "a/up"},
      {"a/{{identity.entity.aliases.auth_userpass_1.custom_metadata.office}}", "a/paris"},
      {"g/{{identity.groups.ids.g-1.name}}", "g/devs"},
      {"g/{{identity.groups.names.ops.id}}", "g/g-2"},
      {"g/{{identity.groups.names.devs.metadata.level}}", "g/3"},
      {"{{identity.entity.name}}/{{identity.entity.id}}", "alice/e-1"},
      {"no/template", "no/template"},
  };
  for (const auto& c : cases) EXPECT_EQ(Acl(c.in, &d), c.out) << c.in;
}

TEST(Template, AclModeUnresolvable) {
  IdentityData d = Alice();
  IdentityData no_groups = d;
  no_groups.groups.clear();
  const char* unresolvable[] = {
      "x/{{identity.entity.metadata.missing}}",
      "x/{{identity.entity.metadata}}",                          // a whole map
      "x/{{identity.entity.groups.names}}",                      // a list
      "x/{{identity.entity.aliases.auth_other.name}}",           // no alias on that mount
      "x/{{identity.entity.aliases.auth_userpass_1.metadata.z}}",
      "x/{{identity.entity.aliases.auth_userpass_1}}",           // no field
      "x/{{identity.groups.ids.g-9.name}}",                      // not a member
      "x/{{identity.groups.names.devs.metadata.nope}}",
      "x/{{identity.groups.other.devs.id}}",
      "x/{{identity.entity.metadata.wild}}",                     // '*' is forbidden
      "x/{{identity.entity.unknown}}",
      "x/{{something.else}}",
  };
  for (const char* in : unresolvable) {
    EXPECT_FALSE(PopulateTemplate(in, TemplateMode::kAcl, &d)) << in;
  }
  EXPECT_FALSE(PopulateTemplate("x/{{identity.entity.id}}", TemplateMode::kAcl, nullptr));
  EXPECT_FALSE(
      PopulateTemplate("x/{{identity.groups.ids.g-1.name}}", TemplateMode::kAcl, &no_groups));
  IdentityData empty_name = d;
  empty_name.entity_name.clear();
  EXPECT_FALSE(PopulateTemplate("x/{{identity.entity.name}}", TemplateMode::kAcl, &empty_name));
}

TEST(Template, SyntaxErrors) {
  for (const char* in : {"a/}}b", "a/{{identity.entity.id", "a/{{x}}}}", "a/{{x}} {{"}) {
    EXPECT_FALSE(HasTemplate(in)) << in;
    EXPECT_FALSE(PopulateTemplate(in, TemplateMode::kJson, nullptr)) << in;
  }
  EXPECT_FALSE(*HasTemplate("plain/path"));
  EXPECT_TRUE(*HasTemplate("a/{{identity.entity.id}}"));
}

TEST(Template, JsonModeRendersValuesAsJson) {
  IdentityData d = Alice();
  auto r = PopulateTemplate(
      R"({"name": {{identity.entity.name}}, "md": {{identity.entity.metadata}},)"
      R"( "team": {{identity.entity.metadata.team}}, "none": {{identity.entity.metadata.x}},)"
      R"( "groups": {{identity.entity.groups.names}},)"
      R"( "alias": {{identity.entity.aliases.auth_missing.name}}, "t": {{time.now.plus.1h}}})",
      TemplateMode::kJson, &d, std::chrono::system_clock::time_point(std::chrono::seconds(100)));
  ASSERT_TRUE(r) << r.error().ToString();
  auto o = ParseJsonObject(r->text);
  ASSERT_TRUE(o) << r->text;
  EXPECT_EQ(o->at("name"), "alice");
  EXPECT_EQ(o->at("md").as_object().at("team"), "blue");
  EXPECT_EQ(o->at("team"), "blue");
  EXPECT_EQ(o->at("none"), "");
  EXPECT_EQ(o->at("groups"), (json::array{"devs", "ops"}));
  EXPECT_EQ(o->at("alias"), "");
  EXPECT_EQ(o->at("t"), 3700);
  // Quotes in values are escaped, never break out of the string.
  d.entity_name = "a\"b";
  r = PopulateTemplate(R"({"n": {{identity.entity.name}}})", TemplateMode::kJson, &d);
  ASSERT_TRUE(r);
  EXPECT_EQ(ParseJsonObject(r->text)->at("n"), "a\"b");
}

TEST(Template, ParsePolicyMarksAndValidatesTemplates) {
  auto p = ParsePolicy("t", R"(
    path "secret/data/users/{{identity.entity.name}}/*" { capabilities = ["read"] }
    path "secret/plain" { capabilities = ["read"] }
  )");
  ASSERT_TRUE(p) << p.error().ToString();
  EXPECT_TRUE(p->templated);
  EXPECT_TRUE(p->paths[0].templated);
  EXPECT_FALSE(p->paths[1].templated);
  auto bad = ParsePolicy("t", R"(path "secret/{{identity.entity.name" { capabilities = ["read"] })");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message().find("failed to validate policy templating"), std::string::npos)
      << bad.error().message();
}

TEST(Template, ResolveTemplatesDropsUnresolvablePaths) {
  auto p = ParsePolicy("t", R"(
    path "secret/data/users/{{identity.entity.name}}/*" { capabilities = ["read"] }
    path "secret/data/team/{{identity.entity.metadata.missing}}" { capabilities = ["read"] }
    path "secret/plain" { capabilities = ["read"] }
  )");
  ASSERT_TRUE(p);
  IdentityData d = Alice();
  Policy r = ResolveTemplates(*p, &d);
  ASSERT_EQ(r.paths.size(), 2u);
  EXPECT_EQ(r.paths[0].pattern, "secret/data/users/alice/*");
  EXPECT_EQ(r.paths[1].pattern, "secret/plain");
  Policy none = ResolveTemplates(*p, nullptr);
  ASSERT_EQ(none.paths.size(), 1u);
  EXPECT_EQ(none.paths[0].pattern, "secret/plain");
}

// Two users, one templated policy: each reads only its own folder; the ACL follows a change of
// the identity data (no stale cache), and a token without an entity gets nothing templated.
TEST(Template, PolicyStoreResolvesPerEntity) {
  logical::InmemStorage view;
  PolicyStore store(view);
  ASSERT_TRUE(store.Setup());
  ASSERT_TRUE(store.Put("users", R"(
    path "secret/data/users/{{identity.entity.name}}/*" { capabilities = ["read"] }
    path "secret/data/shared" { capabilities = ["read"] }
  )"));
  std::map<std::string, std::shared_ptr<IdentityData>> entities;
  auto a = std::make_shared<IdentityData>(Alice());
  auto b = std::make_shared<IdentityData>();
  b->entity_id = "e-2";
  b->entity_name = "bob";
  entities["e-1"] = a;
  entities["e-2"] = b;
  std::mutex mu;
  store.SetIdentityResolver([&](std::string_view id) -> std::shared_ptr<const IdentityData> {
    std::lock_guard lock(mu);
    auto it = entities.find(std::string(id));
    return it == entities.end() ? nullptr : it->second;
  });
  const std::vector<std::string> names = {"default", "users"};
  auto can = [&](std::string_view entity, std::string_view path) {
    auto acl = store.AclFor(names, entity);
    EXPECT_TRUE(acl);
    return (*acl)->Allowed(path, Operation::kRead, {}).allowed;
  };
  for (int round = 0; round < 2; ++round) {  // the second round is served from the caches
    EXPECT_TRUE(can("e-1", "secret/data/users/alice/k"));
    EXPECT_FALSE(can("e-1", "secret/data/users/bob/k"));
    EXPECT_TRUE(can("e-2", "secret/data/users/bob/k"));
    EXPECT_FALSE(can("e-2", "secret/data/users/alice/k"));
    EXPECT_TRUE(can("e-2", "secret/data/shared"));
    EXPECT_FALSE(can("", "secret/data/users/alice/k"));
    EXPECT_FALSE(can("e-unknown", "secret/data/users/alice/k"));
    EXPECT_TRUE(can("", "secret/data/shared"));
    // The default policy's own template: an entity may read itself.
    EXPECT_TRUE(can("e-1", "identity/entity/id/e-1"));
    EXPECT_FALSE(can("e-1", "identity/entity/id/e-2"));
    EXPECT_FALSE(can("", "identity/entity/id/{{identity.entity.id}}"));
  }
  {
    std::lock_guard lock(mu);
    auto renamed = std::make_shared<IdentityData>(*a);
    renamed->entity_name = "alice2";
    entities["e-1"] = renamed;
  }
  EXPECT_TRUE(can("e-1", "secret/data/users/alice2/k"));
  EXPECT_FALSE(can("e-1", "secret/data/users/alice/k"));
}

}  // namespace
}  // namespace arca::core::policy
