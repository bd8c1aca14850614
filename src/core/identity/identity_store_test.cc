// The identity store on its own (in-memory storage, a fixed mount table).
#include "core/identity/identity_store.h"

#include <gtest/gtest.h>

namespace arca::core::identity {
namespace {

class IdentityStoreTest : public ::testing::Test {
 protected:
  IdentityStoreTest() : store_(storage_, Mounts()) {}
  static IdentityStore::MountLookup Mounts() {
    return [](std::string_view acc) -> std::optional<MountInfo> {
      if (acc == "auth_userpass_1") return MountInfo{"auth_userpass_1", "userpass", "auth/userpass/"};
      if (acc == "auth_approle_2") return MountInfo{"auth_approle_2", "approle", "auth/approle/"};
      return std::nullopt;
    };
  }
  logical::InmemStorage storage_;
  IdentityStore store_;
};

TEST_F(IdentityStoreTest, LoginTwiceGivesTheSameEntityAndSurvivesReload) {
  auto a = store_.EntityForLogin("auth_userpass_1", "userpass", "alice", {{"username", "alice"}});
  ASSERT_TRUE(a) << a.error().message();
  auto b = store_.EntityForLogin("auth_userpass_1", "userpass", "alice", {{"username", "alice"}});
  ASSERT_TRUE(b);
  EXPECT_EQ(a->id, b->id);
  ASSERT_EQ(a->aliases.size(), 1u);
  EXPECT_EQ(a->aliases[0].mount_type, "userpass");
  EXPECT_EQ(a->aliases[0].mount_path, "auth/userpass/");
  EXPECT_TRUE(a->name.starts_with("entity-"));
  auto other = store_.EntityForLogin("auth_userpass_1", "userpass", "bob", {});
  ASSERT_TRUE(other);
  EXPECT_NE(other->id, a->id);

  IdentityStore reloaded(storage_, Mounts());
  ASSERT_TRUE(reloaded.Setup());
  EXPECT_EQ(reloaded.EntityCount(), 2u);
  auto found = reloaded.EntityByAliasFactors("auth_userpass_1", "alice");
  ASSERT_TRUE(found);
  EXPECT_EQ(found->id, a->id);
  store_.Reset();
  EXPECT_EQ(store_.EntityCount(), 0u);
}

TEST_F(IdentityStoreTest, EntityNamesAreUniqueAndRootIsRefused) {
  auto e1 = store_.UpsertEntity({.name = "one"});
  ASSERT_TRUE(e1);
  EXPECT_TRUE(e1->second);
  auto e2 = store_.UpsertEntity({.name = "two"});
  ASSERT_TRUE(e2);
  EXPECT_EQ(store_.EntityByName("ONE")->id, e1->first.id);  // names ignore case, as Vault's
  auto clash = store_.UpsertEntity({.id = e2->first.id, .name = "One"});
  ASSERT_FALSE(clash);
  EXPECT_EQ(clash.error().message(), "entity name is already in use");
  EXPECT_EQ(store_.EntityById(e2->first.id)->name, "two");
  auto root = store_.UpsertEntity({.id = e1->first.id, .policies = std::vector<std::string>{"root"}});
  ASSERT_FALSE(root);
  EXPECT_TRUE(store_.EntityById(e1->first.id)->policies.empty());
  auto missing = store_.UpsertEntity({.id = "nope"});
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().message(), "entity not found from id");
}

TEST_F(IdentityStoreTest, AliasRules) {
  auto e = store_.UpsertEntity({.name = "e"});
  ASSERT_TRUE(e);
  auto bad = store_.WriteAlias({.name = "x", .mount_accessor = "auth_nope", .canonical_id = e->first.id});
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().message(), "invalid mount accessor \"auth_nope\"");
  auto a = store_.WriteAlias({.name = "x", .mount_accessor = "auth_userpass_1", .canonical_id = e->first.id});
  ASSERT_TRUE(a);
  auto second = store_.WriteAlias({.name = "y", .mount_accessor = "auth_userpass_1", .canonical_id = e->first.id});
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().message(), "Alias already exists for requested entity and mount accessor");
  EXPECT_EQ(store_.EntityById(e->first.id)->aliases.size(), 1u);
}

TEST_F(IdentityStoreTest, MergeMovesAliasesAndGroupMemberships) {
  auto to = store_.EntityForLogin("auth_userpass_1", "userpass", "alice", {});
  auto from = store_.EntityForLogin("auth_approle_2", "approle", "role-1", {});
  ASSERT_TRUE(to && from);
  auto g = store_.UpsertGroup(std::nullopt, {.name = "g", .policies = std::vector<std::string>{"gp"},
                                             .member_entity_ids = std::vector<std::string>{from->id}});
  ASSERT_TRUE(g) << g.error().message();
  auto self = store_.Merge({.to_entity_id = to->id, .from_entity_ids = {to->id}});
  ASSERT_FALSE(self);
  EXPECT_EQ(self.error().message(), "to_entity_id should not be present in from_entity_ids");
  ASSERT_TRUE(store_.Merge({.to_entity_id = to->id, .from_entity_ids = {from->id}}));
  EXPECT_FALSE(store_.EntityById(from->id));
  auto merged = store_.EntityById(to->id);
  ASSERT_TRUE(merged);
  EXPECT_EQ(merged->aliases.size(), 2u);
  EXPECT_EQ(merged->merged_entity_ids, std::vector<std::string>{from->id});
  EXPECT_EQ(store_.EntityByAliasFactors("auth_approle_2", "role-1")->id, to->id);
  EXPECT_EQ(store_.IdentityPolicies(to->id), std::vector<std::string>{"gp"});
}

TEST_F(IdentityStoreTest, MergeConflictNeedsAliasToKeep) {
  auto to = store_.EntityForLogin("auth_userpass_1", "userpass", "a", {});
  auto from = store_.EntityForLogin("auth_userpass_1", "userpass", "b", {});
  ASSERT_TRUE(to && from);
  std::vector<IdentityStore::MergeConflict> conflicts;
  auto r = store_.Merge({.to_entity_id = to->id, .from_entity_ids = {from->id}}, &conflicts);
  ASSERT_FALSE(r);
  EXPECT_EQ(conflicts.size(), 1u);
  EXPECT_TRUE(store_.EntityById(from->id));
  ASSERT_TRUE(store_.Merge({.to_entity_id = to->id,
                            .from_entity_ids = {from->id},
                            .conflicting_alias_ids_to_keep = {from->aliases[0].id}}));
  auto merged = store_.EntityById(to->id);
  ASSERT_EQ(merged->aliases.size(), 1u);
  EXPECT_EQ(merged->aliases[0].name, "b");
  EXPECT_FALSE(store_.EntityByAliasFactors("auth_userpass_1", "a"));
}

TEST_F(IdentityStoreTest, GroupPoliciesAreTransitiveAndCyclesRefused) {
  auto e = store_.UpsertEntity({.name = "e", .policies = std::vector<std::string>{"Ep"}});
  ASSERT_TRUE(e);
  auto inner = store_.UpsertGroup(std::nullopt, {.name = "inner", .policies = std::vector<std::string>{"ip"},
                                                 .member_entity_ids = std::vector<std::string>{e->first.id}});
  ASSERT_TRUE(inner);
  auto outer = store_.UpsertGroup(std::nullopt, {.name = "outer", .policies = std::vector<std::string>{"op"},
                                                 .member_group_ids = std::vector<std::string>{inner->first.id}});
  ASSERT_TRUE(outer);
  EXPECT_EQ(store_.IdentityPolicies(e->first.id), (std::vector<std::string>{"ep", "ip", "op"}));
  auto groups = store_.GroupsOfEntity(e->first.id);
  ASSERT_EQ(groups.direct.size(), 1u);
  ASSERT_EQ(groups.inherited.size(), 1u);
  EXPECT_EQ(groups.inherited[0].id, outer->first.id);
  auto cycle = store_.UpsertGroup(inner->first.id, {.member_group_ids = std::vector<std::string>{outer->first.id}});
  ASSERT_FALSE(cycle);
  EXPECT_EQ(cycle.error().message(),
            "cyclic relationship detected for member group ID \"" + outer->first.id + "\"");
  EXPECT_TRUE(store_.GroupById(inner->first.id)->member_group_ids.empty());
  auto dup = store_.UpsertGroup(std::nullopt, {.name = "inner"});
  ASSERT_FALSE(dup);
  EXPECT_EQ(dup.error().message(), "group name is already in use");
  auto ext = store_.UpsertGroup(std::nullopt, {.type = "external", .name = "ext",
                                               .member_entity_ids = std::vector<std::string>{e->first.id}});
  ASSERT_FALSE(ext);
  EXPECT_FALSE(store_.GroupByName("ext"));
  ASSERT_TRUE(store_.DeleteEntity(e->first.id));
  EXPECT_TRUE(store_.GroupById(inner->first.id)->member_entity_ids.empty());
}

TEST_F(IdentityStoreTest, GroupAliasOnlyOnExternalGroups) {
  auto in = store_.UpsertGroup(std::nullopt, {.name = "in"});
  auto ex = store_.UpsertGroup(std::nullopt, {.type = "external", .name = "ex"});
  ASSERT_TRUE(in && ex);
  EXPECT_FALSE(store_.WriteGroupAlias({.name = "devs", .mount_accessor = "auth_userpass_1", .canonical_id = in->first.id}));
  auto a = store_.WriteGroupAlias({.name = "devs", .mount_accessor = "auth_userpass_1", .canonical_id = ex->first.id});
  ASSERT_TRUE(a) << a.error().message();
  EXPECT_EQ(store_.GroupByAliasFactors("auth_userpass_1", "devs")->id, ex->first.id);
  EXPECT_EQ(a->mount_type, "userpass");
}

TEST_F(IdentityStoreTest, LoginGroupAliasesSetExternalMembershipOnThatMountOnly) {
  auto devs = store_.UpsertGroup(std::nullopt, {.type = "external", .name = "devs", .policies = std::vector<std::string>{"dev"}});
  auto ops = store_.UpsertGroup(std::nullopt, {.type = "external", .name = "ops", .policies = std::vector<std::string>{"ops"}});
  auto other = store_.UpsertGroup(std::nullopt, {.type = "external", .name = "other", .policies = std::vector<std::string>{"other"}});
  ASSERT_TRUE(devs && ops && other);
  ASSERT_TRUE(store_.WriteGroupAlias({.name = "devs", .mount_accessor = "auth_userpass_1", .canonical_id = devs->first.id}));
  ASSERT_TRUE(store_.WriteGroupAlias({.name = "ops", .mount_accessor = "auth_userpass_1", .canonical_id = ops->first.id}));
  // Same alias name on another mount: a login on auth_userpass_1 must not touch it.
  ASSERT_TRUE(store_.WriteGroupAlias({.name = "devs", .mount_accessor = "auth_approle_2", .canonical_id = other->first.id}));
  auto e = store_.EntityForLogin("auth_userpass_1", "userpass", "alice", {});
  ASSERT_TRUE(e);
  ASSERT_TRUE(store_.RefreshExternalGroups(e->id, "auth_userpass_1", {"devs", "ops", "unknown"}));
  EXPECT_EQ(store_.IdentityPolicies(e->id), (std::vector<std::string>{"dev", "ops"}));
  // Case matters in alias names (the method normalises them).
  ASSERT_TRUE(store_.RefreshExternalGroups(e->id, "auth_userpass_1", {"DEVS"}));
  EXPECT_TRUE(store_.IdentityPolicies(e->id).empty());
  ASSERT_TRUE(store_.RefreshExternalGroups(e->id, "auth_userpass_1", {"devs"}));
  EXPECT_EQ(store_.IdentityPolicies(e->id), (std::vector<std::string>{"dev"}));
  // A login on the other mount sets its own groups and leaves these alone.
  ASSERT_TRUE(store_.RefreshExternalGroups(e->id, "auth_approle_2", {"devs"}));
  EXPECT_EQ(store_.IdentityPolicies(e->id), (std::vector<std::string>{"dev", "other"}));
  // Persisted: a reloaded store sees the memberships.
  IdentityStore reloaded(storage_, Mounts());
  ASSERT_TRUE(reloaded.Setup());
  EXPECT_EQ(reloaded.IdentityPolicies(e->id), (std::vector<std::string>{"dev", "other"}));
  EXPECT_EQ(reloaded.GroupById(devs->first.id)->member_entity_ids, std::vector<std::string>{e->id});
  // An empty list drops the memberships on that mount.
  ASSERT_TRUE(store_.RefreshExternalGroups(e->id, "auth_userpass_1", {}));
  EXPECT_EQ(store_.IdentityPolicies(e->id), (std::vector<std::string>{"other"}));
  EXPECT_FALSE(store_.RefreshExternalGroups("no-such-entity", "auth_userpass_1", {"devs"}));
}

}  // namespace
}  // namespace arca::core::identity
