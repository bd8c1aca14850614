// The identity/ mount through the core's pipeline, and logins mapped to entities.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/testing.h"
#include "logical/framework/framework_backend.h"

namespace arca::core {
namespace {

using logical::Operation;
namespace fw = logical::framework;

// An auth method whose login/<name> logs in as <name> (the alias name) with no policies.
Result<std::unique_ptr<logical::Backend>> AliasAuth(const logical::BackendConfig&) {
  fw::FrameworkBackend::Options o;
  o.type = "aliasauth";
  o.kind = logical::BackendKind::kCredential;
  o.special_paths.unauthenticated = {"login/*"};
  fw::Path login;
  login.pattern = "login/(?<name>\\w+)";
  login.fields["name"] = fw::FieldSchema{.type = fw::FieldType::kString};
  login.operations[Operation::kUpdate] = {[](logical::Request&, fw::FieldData& d)
                                              -> Result<logical::Response> {
    logical::Response r;
    logical::Auth a;
    a.display_name = d.GetString("name");
    a.alias = logical::Auth::Alias{d.GetString("name"), {{"who", d.GetString("name")}}};
    r.auth = std::move(a);
    return r;
  }, "login"};
  o.paths.push_back(std::move(login));
  return fw::FrameworkBackend::Create(std::move(o));
}

class Identity : public ::testing::Test {
 protected:
  void SetUp() override {
    t_.core.reset();
    CoreConfig cfg;
    cfg.physical = *storage::NewInmemBackend({});
    cfg.secret_engines["kv"] = engines::kv::NewKvBackend;
    cfg.secret_engines["cubbyhole"] = engines::cubbyhole::NewCubbyholeBackend;
    cfg.auth_methods["aliasauth"] = AliasAuth;
    t_.core = std::make_unique<Core>(std::move(cfg));
    root_ = t_.InitAndUnseal();
    ASSERT_TRUE(t_.Do(Operation::kUpdate, "sys/auth/up", {{"type", "aliasauth"}}, root_));
    auto auth = t_.Do(Operation::kRead, "sys/auth", {}, root_);
    ASSERT_TRUE(auth);
    accessor_ = std::string(auth->data.at("up/").as_object().at("accessor").as_string());
  }
  Result<logical::Response> Do(Operation op, std::string path, json::object data = {}) {
    return t_.Do(op, std::move(path), std::move(data), root_);
  }
  std::string Login(const std::string& name) {
    auto r = t_.Do(Operation::kUpdate, "auth/up/login/" + name);
    if (!r || !r->auth) return "";
    return r->auth->client_token;
  }
  static std::string Str(const json::object& o, std::string_view k) {
    auto it = o.find(k);
    return it != o.end() && it->value().is_string() ? std::string(it->value().as_string()) : "";
  }
  std::string CreateEntity(const std::string& name) {
    auto r = Do(Operation::kUpdate, "identity/entity", {{"name", name}});
    return r ? Str(r->data, "id") : "";
  }
  size_t EntityCount() {
    auto r = Do(Operation::kList, "identity/entity/id");
    if (!r || r->empty_list) return 0;
    return r->data.at("keys").as_array().size();
  }
  TestCore t_;
  std::string root_;
  std::string accessor_;
};

TEST_F(Identity, MountIsAlwaysThereAndCannotBeRemovedOrMoved) {
  auto mounts = Do(Operation::kRead, "sys/mounts");
  ASSERT_TRUE(mounts);
  ASSERT_TRUE(mounts->data.contains("identity/"));
  EXPECT_EQ(Str(mounts->data.at("identity/").as_object(), "type"), "identity");
  auto del = Do(Operation::kDelete, "sys/mounts/identity");
  ASSERT_FALSE(del);
  EXPECT_EQ(del.error().kind(), ErrorKind::kInvalidRequest);
  auto again = Do(Operation::kUpdate, "sys/mounts/other", {{"type", "identity"}});
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().kind(), ErrorKind::kInvalidRequest);
  auto move = Do(Operation::kUpdate, "sys/remount", {{"from", "identity"}, {"to", "ident2"}});
  ASSERT_FALSE(move);
  EXPECT_TRUE(Do(Operation::kRead, "sys/mounts")->data.contains("identity/"));
  // Tunable like any mount.
  ASSERT_TRUE(Do(Operation::kUpdate, "sys/mounts/identity/tune", {{"default_lease_ttl", "1h"}}));
  auto tune = Do(Operation::kRead, "sys/mounts/identity/tune");
  ASSERT_TRUE(tune);
  EXPECT_EQ(tune->data.at("default_lease_ttl").as_int64(), 3600);
}

TEST_F(Identity, EntityCreateUpdateReadListDelete) {
  auto created = Do(Operation::kUpdate, "identity/entity",
                    {{"name", "alice"}, {"policies", "p1,P2"}, {"metadata", json::object{{"team", "x"}}}});
  ASSERT_TRUE(created) << created.error().message();
  std::string id = Str(created->data, "id");
  EXPECT_EQ(Str(created->data, "name"), "alice");
  // An update answers 204 (no data).
  auto updated = Do(Operation::kUpdate, "identity/entity/id/" + id, {{"disabled", true}});
  ASSERT_TRUE(updated) << updated.error().message();
  EXPECT_FALSE(updated->HasContent());
  auto read = Do(Operation::kRead, "identity/entity/id/" + id);
  ASSERT_TRUE(read);
  const auto& d = read->data;
  EXPECT_EQ(Str(d, "name"), "alice");
  EXPECT_TRUE(d.at("disabled").as_bool());
  EXPECT_EQ(d.at("policies").as_array().size(), 2u);
  EXPECT_EQ(std::string(d.at("policies").as_array()[1].as_string()), "p2");
  EXPECT_EQ(Str(d.at("metadata").as_object(), "team"), "x");
  EXPECT_EQ(Str(d, "namespace_id"), "root");
  for (const char* f : {"creation_time", "last_update_time", "aliases", "direct_group_ids",
                        "group_ids", "inherited_group_ids", "merged_entity_ids"}) {
    EXPECT_TRUE(d.contains(f)) << f;
  }
  auto by_name = Do(Operation::kRead, "identity/entity/name/alice");
  ASSERT_TRUE(by_name);
  EXPECT_EQ(Str(by_name->data, "id"), id);
  auto list = Do(Operation::kList, "identity/entity/id");
  ASSERT_TRUE(list);
  EXPECT_EQ(list->data.at("keys").as_array().size(), 1u);
  EXPECT_EQ(Str(list->data.at("key_info").as_object().at(id).as_object(), "name"), "alice");
  auto names = Do(Operation::kList, "identity/entity/name");
  ASSERT_TRUE(names);
  EXPECT_EQ(std::string(names->data.at("keys").as_array()[0].as_string()), "alice");
  ASSERT_TRUE(Do(Operation::kDelete, "identity/entity/name/alice"));
  auto gone = Do(Operation::kRead, "identity/entity/id/" + id);
  ASSERT_FALSE(gone);
  EXPECT_EQ(gone.error().kind(), ErrorKind::kNotFound);
}

TEST_F(Identity, EntityBadInputChangesNothing) {
  std::string a = CreateEntity("a");
  std::string b = CreateEntity("b");
  auto dup = Do(Operation::kUpdate, "identity/entity/id/" + b, {{"name", "a"}});
  ASSERT_FALSE(dup);
  EXPECT_EQ(dup.error().kind(), ErrorKind::kInvalidRequest);
  EXPECT_EQ(dup.error().message(), "entity name is already in use");
  EXPECT_EQ(Str(Do(Operation::kRead, "identity/entity/id/" + b)->data, "name"), "b");
  auto root = Do(Operation::kUpdate, "identity/entity/id/" + a, {{"policies", "root"}});
  ASSERT_FALSE(root);
  EXPECT_EQ(root.error().message(), "policies cannot contain root");
  auto unknown = Do(Operation::kUpdate, "identity/entity", {{"id", "no-such-id"}});
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().message(), "entity not found from id");
  auto bad_type = Do(Operation::kUpdate, "identity/entity", {{"disabled", "maybe"}});
  ASSERT_FALSE(bad_type);
  EXPECT_EQ(bad_type.error().kind(), ErrorKind::kInvalidRequest);
  EXPECT_EQ(EntityCount(), 2u);
  auto batch_empty = Do(Operation::kUpdate, "identity/entity/batch-delete", {});
  ASSERT_FALSE(batch_empty);
  EXPECT_EQ(batch_empty.error().message(), "missing entity ids to delete");
  ASSERT_TRUE(Do(Operation::kUpdate, "identity/entity/batch-delete",
                 {{"entity_ids", json::array{json::value(a), json::value(b)}}}));
  EXPECT_EQ(EntityCount(), 0u);
}

TEST_F(Identity, AliasesAndTheirRules) {
  std::string e = CreateEntity("e");
  auto bad_acc = Do(Operation::kUpdate, "identity/entity-alias",
                    {{"name", "x"}, {"canonical_id", e}, {"mount_accessor", "auth_nope_123"}});
  ASSERT_FALSE(bad_acc);
  EXPECT_EQ(bad_acc.error().message(), "invalid mount accessor \"auth_nope_123\"");
  auto missing = Do(Operation::kUpdate, "identity/entity-alias", {{"name", "x"}});
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().message(), "'id' or 'mount_accessor' and 'name' must be provided");
  auto a = Do(Operation::kUpdate, "identity/entity-alias",
              {{"name", "x"}, {"canonical_id", e}, {"mount_accessor", accessor_},
               {"custom_metadata", json::object{{"k", "v"}}}});
  ASSERT_TRUE(a) << a.error().message();
  std::string alias_id = Str(a->data, "id");
  EXPECT_EQ(Str(a->data, "canonical_id"), e);
  auto second = Do(Operation::kUpdate, "identity/entity-alias",
                   {{"name", "y"}, {"canonical_id", e}, {"mount_accessor", accessor_}});
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().message(), "Alias already exists for requested entity and mount accessor");
  auto read = Do(Operation::kRead, "identity/entity-alias/id/" + alias_id);
  ASSERT_TRUE(read);
  EXPECT_EQ(Str(read->data, "mount_type"), "aliasauth");
  EXPECT_EQ(Str(read->data, "mount_path"), "auth/up/");
  EXPECT_EQ(Str(read->data.at("custom_metadata").as_object(), "k"), "v");
  auto list = Do(Operation::kList, "identity/entity-alias/id");
  ASSERT_TRUE(list);
  EXPECT_EQ(Str(list->data.at("key_info").as_object().at(alias_id).as_object(), "canonical_id"), e);
  // A login as that alias name uses the entity.
  ASSERT_FALSE(Login("x").empty());
  EXPECT_EQ(EntityCount(), 1u);
  ASSERT_TRUE(Do(Operation::kDelete, "identity/entity-alias/id/" + alias_id));
  EXPECT_FALSE(Do(Operation::kRead, "identity/entity-alias/id/" + alias_id));
}

TEST_F(Identity, MergeMovesAliasesAndRefusesItself) {
  std::string tok = Login("bob");
  ASSERT_FALSE(tok.empty());
  auto self = t_.Do(Operation::kRead, "auth/token/lookup-self", {}, tok);
  ASSERT_TRUE(self);
  std::string from = Str(self->data, "entity_id");
  ASSERT_FALSE(from.empty());
  std::string to = CreateEntity("target");
  auto itself = Do(Operation::kUpdate, "identity/entity/merge",
                   {{"from_entity_ids", json::array{json::value(to)}}, {"to_entity_id", to}});
  ASSERT_FALSE(itself);
  EXPECT_EQ(itself.error().message(), "to_entity_id should not be present in from_entity_ids");
  auto no_to = Do(Operation::kUpdate, "identity/entity/merge",
                  {{"from_entity_ids", json::array{json::value(from)}}});
  ASSERT_FALSE(no_to);
  EXPECT_EQ(no_to.error().message(), "missing entity id to merge to");
  EXPECT_EQ(EntityCount(), 2u);
  ASSERT_TRUE(Do(Operation::kUpdate, "identity/entity/merge",
                 {{"from_entity_ids", json::array{json::value(from)}}, {"to_entity_id", to}}));
  auto merged = Do(Operation::kRead, "identity/entity/id/" + to);
  ASSERT_TRUE(merged);
  ASSERT_EQ(merged->data.at("aliases").as_array().size(), 1u);
  EXPECT_EQ(Str(merged->data.at("aliases").as_array()[0].as_object(), "name"), "bob");
  EXPECT_EQ(std::string(merged->data.at("merged_entity_ids").as_array()[0].as_string()), from);
  // bob's existing token (still carrying the merged id) gets the target's policies.
  ASSERT_TRUE(Do(Operation::kUpdate, "identity/entity/id/" + to, {{"policies", "after-merge"}}));
  auto old_tok = t_.Do(Operation::kRead, "auth/token/lookup-self", {}, tok);
  ASSERT_TRUE(old_tok);
  EXPECT_EQ(std::string(old_tok->data.at("identity_policies").as_array()[0].as_string()), "after-merge");
  // The next login as bob lands on the merged entity.
  std::string tok2 = Login("bob");
  EXPECT_EQ(Str(t_.Do(Operation::kRead, "auth/token/lookup-self", {}, tok2)->data, "entity_id"), to);
}

TEST_F(Identity, GroupsAndTheirRules) {
  std::string e = CreateEntity("member");
  auto inner = Do(Operation::kUpdate, "identity/group",
                  {{"name", "inner"}, {"member_entity_ids", json::array{json::value(e)}}});
  ASSERT_TRUE(inner) << inner.error().message();
  std::string inner_id = Str(inner->data, "id");
  auto outer = Do(Operation::kUpdate, "identity/group",
                  {{"name", "outer"}, {"member_group_ids", json::array{json::value(inner_id)}}});
  ASSERT_TRUE(outer);
  std::string outer_id = Str(outer->data, "id");
  auto cycle = Do(Operation::kUpdate, "identity/group/id/" + inner_id,
                  {{"member_group_ids", json::array{json::value(outer_id)}}});
  ASSERT_FALSE(cycle);
  EXPECT_EQ(cycle.error().message(),
            "cyclic relationship detected for member group ID \"" + outer_id + "\"");
  auto dup = Do(Operation::kUpdate, "identity/group", {{"name", "outer"}});
  ASSERT_FALSE(dup);
  EXPECT_EQ(dup.error().message(), "group name is already in use");
  auto ext = Do(Operation::kUpdate, "identity/group",
                {{"name", "ext"}, {"type", "external"}, {"member_entity_ids", json::array{json::value(e)}}});
  ASSERT_FALSE(ext);
  EXPECT_EQ(ext.error().message(), "member entities can't be set manually for external groups");
  EXPECT_FALSE(Do(Operation::kRead, "identity/group/name/ext"));
  auto unknown_member = Do(Operation::kUpdate, "identity/group",
                           {{"name", "u"}, {"member_entity_ids", json::array{"no-such-entity"}}});
  ASSERT_FALSE(unknown_member);
  EXPECT_EQ(unknown_member.error().message(), "invalid entity ID \"no-such-entity\"");
  EXPECT_FALSE(Do(Operation::kRead, "identity/group/name/u"));
  auto bad_type = Do(Operation::kUpdate, "identity/group", {{"name", "t"}, {"type", "weird"}});
  ASSERT_FALSE(bad_type);
  EXPECT_EQ(bad_type.error().message(), "invalid group type \"weird\"");
  auto read = Do(Operation::kRead, "identity/group/id/" + inner_id);
  ASSERT_TRUE(read);
  EXPECT_EQ(std::string(read->data.at("parent_group_ids").as_array()[0].as_string()), outer_id);
  EXPECT_EQ(Str(read->data, "type"), "internal");
  auto ent = Do(Operation::kRead, "identity/entity/id/" + e);
  EXPECT_EQ(std::string(ent->data.at("direct_group_ids").as_array()[0].as_string()), inner_id);
  EXPECT_EQ(std::string(ent->data.at("inherited_group_ids").as_array()[0].as_string()), outer_id);
  auto names = Do(Operation::kList, "identity/group/name");
  ASSERT_TRUE(names);
  EXPECT_EQ(names->data.at("keys").as_array().size(), 2u);
  // An update answers 204.
  auto upd = Do(Operation::kUpdate, "identity/group/name/outer", {{"policies", "x"}});
  ASSERT_TRUE(upd);
  EXPECT_FALSE(upd->HasContent());
  ASSERT_TRUE(Do(Operation::kDelete, "identity/group/id/" + outer_id));
  EXPECT_TRUE(Do(Operation::kRead, "identity/group/id/" + inner_id)->data.at("parent_group_ids").is_null());
}

TEST_F(Identity, GroupAliasesOnlyForExternalGroups) {
  auto in = Do(Operation::kUpdate, "identity/group", {{"name", "in"}});
  auto ex = Do(Operation::kUpdate, "identity/group", {{"name", "ex"}, {"type", "external"}});
  ASSERT_TRUE(in && ex);
  auto on_internal = Do(Operation::kUpdate, "identity/group-alias",
                        {{"name", "devs"}, {"mount_accessor", accessor_}, {"canonical_id", Str(in->data, "id")}});
  ASSERT_FALSE(on_internal);
  EXPECT_EQ(on_internal.error().message(), "alias can't be set on an internal group");
  auto bad_acc = Do(Operation::kUpdate, "identity/group-alias",
                    {{"name", "devs"}, {"mount_accessor", "nope"}, {"canonical_id", Str(ex->data, "id")}});
  ASSERT_FALSE(bad_acc);
  auto ok = Do(Operation::kUpdate, "identity/group-alias",
               {{"name", "devs"}, {"mount_accessor", accessor_}, {"canonical_id", Str(ex->data, "id")}});
  ASSERT_TRUE(ok) << ok.error().message();
  std::string alias_id = Str(ok->data, "id");
  auto read = Do(Operation::kRead, "identity/group-alias/id/" + alias_id);
  ASSERT_TRUE(read);
  EXPECT_EQ(Str(read->data, "mount_type"), "aliasauth");
  auto group = Do(Operation::kRead, "identity/group/name/ex");
  EXPECT_EQ(Str(group->data.at("alias").as_object(), "id"), alias_id);
  auto found = Do(Operation::kUpdate, "identity/lookup/group",
                  {{"alias_name", "devs"}, {"alias_mount_accessor", accessor_}});
  ASSERT_TRUE(found);
  EXPECT_EQ(Str(found->data, "name"), "ex");
  auto list = Do(Operation::kList, "identity/group-alias/id");
  ASSERT_TRUE(list);
  EXPECT_EQ(list->data.at("keys").as_array().size(), 1u);
  ASSERT_TRUE(Do(Operation::kDelete, "identity/group-alias/id/" + alias_id));
  EXPECT_FALSE(Do(Operation::kRead, "identity/group-alias/id/" + alias_id));
}

TEST_F(Identity, Lookups) {
  std::string tok = Login("carol");
  std::string eid = Str(t_.Do(Operation::kRead, "auth/token/lookup-self", {}, tok)->data, "entity_id");
  auto none = Do(Operation::kUpdate, "identity/lookup/entity", {});
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().message(), "query parameter not supplied");
  auto two = Do(Operation::kUpdate, "identity/lookup/entity", {{"id", eid}, {"name", "x"}});
  ASSERT_FALSE(two);
  EXPECT_EQ(two.error().message(),
            "query parameter conflict; please supply distinct set of query parameters");
  auto half = Do(Operation::kUpdate, "identity/lookup/entity", {{"alias_name", "carol"}});
  ASSERT_FALSE(half);
  EXPECT_EQ(half.error().message(), "both 'alias_name' and 'alias_mount_accessor' needs to be set");
  auto by_alias = Do(Operation::kUpdate, "identity/lookup/entity",
                     {{"alias_name", "carol"}, {"alias_mount_accessor", accessor_}});
  ASSERT_TRUE(by_alias);
  EXPECT_EQ(Str(by_alias->data, "id"), eid);
  auto missing = Do(Operation::kUpdate, "identity/lookup/entity", {{"name", "nobody"}});
  ASSERT_TRUE(missing);
  EXPECT_FALSE(missing->HasContent());  // 204
}

TEST_F(Identity, LoginTwiceSameEntityAndGroupPolicyReachesExistingToken) {
  ASSERT_TRUE(Do(Operation::kUpdate, "sys/mounts/kv", {{"type", "kv"}}));
  ASSERT_TRUE(Do(Operation::kUpdate, "kv/doc", {{"v", "1"}}));
  ASSERT_TRUE(Do(Operation::kUpdate, "sys/policies/acl/kvread",
                 {{"policy", "path \"kv/*\" { capabilities = [\"read\"] }"}}));
  std::string t1 = Login("dave");
  std::string t2 = Login("dave");
  ASSERT_FALSE(t1.empty());
  auto l1 = t_.Do(Operation::kRead, "auth/token/lookup-self", {}, t1);
  auto l2 = t_.Do(Operation::kRead, "auth/token/lookup-self", {}, t2);
  std::string eid = Str(l1->data, "entity_id");
  ASSERT_FALSE(eid.empty());
  EXPECT_EQ(Str(l2->data, "entity_id"), eid);
  EXPECT_FALSE(l1->data.contains("identity_policies"));
  EXPECT_EQ(EntityCount(), 1u);
  EXPECT_FALSE(t_.Do(Operation::kRead, "kv/doc", {}, t1));
  ASSERT_TRUE(Do(Operation::kUpdate, "identity/group",
                 {{"name", "readers"}, {"policies", "kvread"},
                  {"member_entity_ids", json::array{json::value(eid)}}}));
  // No re-login: the next request of the existing token has the group's policy.
  auto read = t_.Do(Operation::kRead, "kv/doc", {}, t1);
  ASSERT_TRUE(read) << read.error().message();
  auto l3 = t_.Do(Operation::kRead, "auth/token/lookup-self", {}, t1);
  ASSERT_TRUE(l3->data.contains("identity_policies"));
  EXPECT_EQ(std::string(l3->data.at("identity_policies").as_array()[0].as_string()), "kvread");
  // A new login shows them in its auth block.
  auto login = t_.Do(Operation::kUpdate, "auth/up/login/dave");
  ASSERT_TRUE(login && login->auth);
  EXPECT_EQ(login->auth->entity_id, eid);
  EXPECT_EQ(login->auth->identity_policies, std::vector<std::string>{"kvread"});
  EXPECT_EQ(login->auth->token_policies, std::vector<std::string>{"default"});
  EXPECT_EQ(login->auth->policies, (std::vector<std::string>{"default", "kvread"}));
  // The counter counts it.
  auto counters = Do(Operation::kRead, "sys/internal/counters/entities");
  ASSERT_TRUE(counters);
  EXPECT_EQ(counters->data.at("counters").as_object().at("entities").as_object().at("total").as_int64(), 1);
}

TEST_F(Identity, DisabledEntityTokensAreRefused) {
  std::string tok = Login("erin");
  std::string eid = Str(t_.Do(Operation::kRead, "auth/token/lookup-self", {}, tok)->data, "entity_id");
  ASSERT_TRUE(Do(Operation::kUpdate, "identity/entity/id/" + eid, {{"disabled", true}}));
  auto refused = t_.Do(Operation::kRead, "auth/token/lookup-self", {}, tok);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().kind(), ErrorKind::kPermissionDenied);
  auto login = t_.Do(Operation::kUpdate, "auth/up/login/erin");
  ASSERT_FALSE(login);
  EXPECT_EQ(login.error().kind(), ErrorKind::kPermissionDenied);
  ASSERT_TRUE(Do(Operation::kUpdate, "identity/entity/id/" + eid, {{"disabled", false}}));
  EXPECT_TRUE(t_.Do(Operation::kRead, "auth/token/lookup-self", {}, tok));
}

TEST_F(Identity, SurvivesSealAndUnseal) {
  std::string id = CreateEntity("persist");
  ASSERT_TRUE(Do(Operation::kUpdate, "identity/group", {{"name", "g"}, {"member_entity_ids", json::array{json::value(id)}}}));
  ASSERT_TRUE(t_.core->Seal());
  ASSERT_TRUE(t_.core->UnsealWithKeys(t_.keys));
  auto read = Do(Operation::kRead, "identity/entity/name/persist");
  ASSERT_TRUE(read);
  EXPECT_EQ(Str(read->data, "id"), id);
  EXPECT_EQ(read->data.at("direct_group_ids").as_array().size(), 1u);
}

TEST_F(Identity, TokenCreateWithEntityAliasThroughARole) {
  ASSERT_TRUE(Do(Operation::kUpdate, "auth/token/roles/r", {{"allowed_entity_aliases", "svc-a"}}));
  auto not_allowed = Do(Operation::kUpdate, "auth/token/create/r", {{"entity_alias", "svc-b"}});
  ASSERT_FALSE(not_allowed);
  EXPECT_EQ(not_allowed.error().message(), "invalid 'entity_alias' value");
  EXPECT_EQ(EntityCount(), 0u);
  auto c1 = Do(Operation::kUpdate, "auth/token/create/r", {{"entity_alias", "svc-a"}});
  ASSERT_TRUE(c1) << c1.error().message();
  auto c2 = Do(Operation::kUpdate, "auth/token/create/r", {{"entity_alias", "svc-a"}});
  ASSERT_TRUE(c2);
  EXPECT_FALSE(c1->auth->entity_id.empty());
  EXPECT_EQ(c1->auth->entity_id, c2->auth->entity_id);
  auto ent = Do(Operation::kRead, "identity/entity/id/" + c1->auth->entity_id);
  ASSERT_TRUE(ent);
  EXPECT_EQ(Str(ent->data.at("aliases").as_array()[0].as_object(), "mount_type"), "token");
}

TEST_F(Identity, AuditAuthBlockHasIdentityPolicies) {
  auto dir = std::filesystem::path(::testing::TempDir()) /
             ("identity-audit-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::string log = (dir / "audit.log").string();
  ASSERT_TRUE(Do(Operation::kUpdate, "sys/audit/file",
                 {{"type", "file"}, {"options", json::object{{"file_path", log}}}}));
  std::string tok = Login("frank");
  std::string eid = Str(t_.Do(Operation::kRead, "auth/token/lookup-self", {}, tok)->data, "entity_id");
  ASSERT_TRUE(Do(Operation::kUpdate, "identity/entity/id/" + eid, {{"policies", "ent-pol"}}));
  ASSERT_TRUE(t_.Do(Operation::kRead, "auth/token/lookup-self", {}, tok));
  std::ifstream in(log);
  std::stringstream ss;
  ss << in.rdbuf();
  bool found_request = false, found_login = false;
  std::istringstream lines(ss.str());
  for (std::string line; std::getline(lines, line);) {
    auto o = ParseJsonObject(line);
    ASSERT_TRUE(o) << line;
    if (!o->contains("auth") || !o->at("auth").is_object()) continue;
    const auto& auth = o->at("auth").as_object();
    const auto& req = o->at("request").as_object();
    if (std::string(o->at("type").as_string()) == "request" &&
        std::string(req.at("path").as_string()) == "auth/token/lookup-self" &&
        auth.contains("identity_policies")) {
      EXPECT_EQ(std::string(auth.at("identity_policies").as_array()[0].as_string()), "ent-pol");
      EXPECT_EQ(Str(auth, "entity_id"), eid);
      found_request = true;
    }
    if (std::string(o->at("type").as_string()) == "response" &&
        std::string(req.at("path").as_string()) == "auth/up/login/frank") {
      // The login's own auth block is the response's (the top-level one is the caller's).
      const auto& rauth = o->at("response").as_object().at("auth").as_object();
      EXPECT_EQ(Str(rauth, "entity_id"), eid);
      found_login = true;
    }
  }
  EXPECT_TRUE(found_request) << ss.str();
  EXPECT_TRUE(found_login);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace arca::core
