// IdentityStore: entities (one per person or workload), their aliases (one per auth mount:
// the login's name there), and groups (internal: members set by hand; external: membership
// from an auth method, one group alias), as Vault's identity store (docs/identity.md).
//
// Persistence: one JSON entry per entity ("entity/<id>", its aliases inside) and per group
// ("group/<id>", its alias inside) in a barrier view owned by the core
// (docs/formats/identity.md). Everything is also held in memory with its indexes (names,
// alias factors, group membership), loaded by Setup() at unseal / HA takeover and dropped by
// Reset() at seal / step-down; reads never touch storage. Changes that touch several entries
// (merge, batch delete, group membership) are written in one Storage::Commit batch.
//
// Errors: InvalidRequest with Vault's wording for bad input (nothing changed); NotFound is
// never used: lookups return nullopt.
//
// Thread-safety: safe for concurrent use (one shared mutex; writes serialised).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/status.h"
#include "logical/storage.h"

namespace arca::core::identity {

using StringMap = std::map<std::string, std::string>;

// An auth mount as the identity store sees it (resolved from its accessor).
struct MountInfo {
  std::string accessor;
  std::string type;  // "userpass"
  std::string path;  // "auth/userpass/"
  bool local = false;
};

struct Alias {
  std::string id;
  std::string canonical_id;  // the entity's id
  std::string mount_accessor;
  std::string mount_type;  // resolved when read; empty if the mount is gone
  std::string mount_path;
  std::string name;
  StringMap metadata;         // set by the auth method at login
  StringMap custom_metadata;  // set through identity/entity-alias
  std::vector<std::string> merged_from_canonical_ids;
  bool local = false;
  int64_t creation_ns = 0;  // unix nanoseconds
  int64_t last_update_ns = 0;
};

struct Entity {
  std::string id;
  std::string name;
  StringMap metadata;
  std::vector<std::string> policies;
  bool disabled = false;
  std::vector<Alias> aliases;
  std::vector<std::string> merged_entity_ids;
  int64_t creation_ns = 0;
  int64_t last_update_ns = 0;
};

struct GroupAlias {
  std::string id;
  std::string canonical_id;  // the group's id
  std::string mount_accessor;
  std::string mount_type;
  std::string mount_path;
  std::string name;
  StringMap metadata;
  std::vector<std::string> merged_from_canonical_ids;
  int64_t creation_ns = 0;
  int64_t last_update_ns = 0;
};

struct Group {
  std::string id;
  std::string name;
  std::string type = "internal";  // "internal" | "external"
  std::vector<std::string> policies;
  StringMap metadata;
  std::vector<std::string> member_entity_ids;
  std::vector<std::string> member_group_ids;  // stored on the parent
  std::vector<std::string> parent_group_ids;  // derived from the parents' member_group_ids
  std::optional<GroupAlias> alias;            // external groups only
  int64_t modify_index = 0;
  int64_t creation_ns = 0;
  int64_t last_update_ns = 0;
};

// The groups an entity is in: direct (it is a member) and inherited (a group whose
// member_group_ids reach a direct group, transitively).
struct EntityGroups {
  std::vector<Group> direct;
  std::vector<Group> inherited;
};

// The fields of an entity create/update; unset optionals keep the current value.
struct EntityUpdate {
  std::string id;    // update this entity (must exist)
  std::string name;  // empty: keep / generate "entity-<uuid>"
  std::optional<StringMap> metadata;
  std::optional<std::vector<std::string>> policies;
  std::optional<bool> disabled;
};

struct GroupUpdate {
  std::optional<std::string> type;
  std::string name;  // empty: keep / generate "group-<uuid>"
  std::optional<StringMap> metadata;
  std::optional<std::vector<std::string>> policies;
  std::optional<std::vector<std::string>> member_entity_ids;
  std::optional<std::vector<std::string>> member_group_ids;
};

struct MergeRequest {
  std::string to_entity_id;
  std::vector<std::string> from_entity_ids;
  bool force = false;
  std::vector<std::string> conflicting_alias_ids_to_keep;
};

class IdentityStore {
 public:
  // Resolves a mount accessor (auth mounts) to its mount; nullopt when unknown.
  using MountLookup = std::function<std::optional<MountInfo>(std::string_view accessor)>;
  using Clock = std::function<int64_t()>;  // unix nanoseconds

  // `view` (the barrier view "core/identity/") must outlive the store.
  IdentityStore(logical::Storage& view, MountLookup mounts, Clock clock = {});
  ~IdentityStore();
  IdentityStore(const IdentityStore&) = delete;
  IdentityStore& operator=(const IdentityStore&) = delete;

  // Loads every entity and group (unseal, HA takeover); Reset drops them (seal, step-down).
  Status Setup();
  void Reset();

  // --- reads (copies; nullopt when absent) ---
  std::optional<Entity> EntityById(std::string_view id) const;
  std::optional<Entity> EntityByName(std::string_view name) const;
  // The entity that owns the alias with this id / these factors.
  std::optional<Entity> EntityByAliasId(std::string_view alias_id) const;
  std::optional<Entity> EntityByAliasFactors(std::string_view mount_accessor,
                                             std::string_view alias_name) const;
  std::optional<Alias> AliasById(std::string_view alias_id) const;
  std::vector<Entity> Entities() const;  // sorted by id
  size_t EntityCount() const;

  std::optional<Group> GroupById(std::string_view id) const;
  std::optional<Group> GroupByName(std::string_view name) const;
  std::optional<Group> GroupByAliasId(std::string_view alias_id) const;
  std::optional<Group> GroupByAliasFactors(std::string_view mount_accessor,
                                           std::string_view alias_name) const;
  std::optional<GroupAlias> GroupAliasById(std::string_view alias_id) const;
  std::vector<Group> Groups() const;  // sorted by id

  // The groups of an entity, direct and transitive (each once, sorted by id).
  EntityGroups GroupsOfEntity(std::string_view entity_id) const;
  // Policies from the entity and every group it is in (sorted, unique); empty for an unknown
  // entity. An id merged into another entity stands for that entity (its tokens keep the id).
  std::vector<std::string> IdentityPolicies(std::string_view entity_id) const;
  // Whether the entity (or the one it was merged into) exists and is disabled.
  bool EntityDisabled(std::string_view entity_id) const;

  // --- logins ---
  // The entity of a login on the mount `mount_accessor` as `alias_name`: the existing alias's
  // entity (its alias metadata updated when it changed), or a new entity "entity-<uuid>" with
  // this alias.
  Result<Entity> EntityForLogin(std::string_view mount_accessor, std::string_view mount_type,
                                std::string_view alias_name, const StringMap& alias_metadata);
  // A login's external groups (Vault's refreshExternalGroupMembershipsByEntityID): the entity
  // becomes a member of each external group whose alias on `mount_accessor` is named in
  // `group_alias_names` (names without a group alias are ignored) and stops being a member of
  // the other external groups aliased on that mount. Changed groups are written in one batch.
  Status RefreshExternalGroups(std::string_view entity_id, std::string_view mount_accessor,
                               const std::vector<std::string>& group_alias_names);

  // --- entities ---
  // Creates (returns it, second = true) or updates (second = false) an entity. Errors:
  // "entity not found from id", "entity name is already in use", "policies cannot contain root".
  Result<std::pair<Entity, bool>> UpsertEntity(const EntityUpdate& u);
  // Updates the entity named `name` or creates it with that name.
  Result<std::pair<Entity, bool>> UpsertEntityByName(std::string_view name, EntityUpdate u);
  // Deletes the entity, its aliases and its group memberships; false when absent.
  Result<bool> DeleteEntity(std::string_view id);
  Status BatchDeleteEntities(const std::vector<std::string>& ids);
  // Vault's merge. A conflict (both entities have an alias on one mount) without
  // conflicting_alias_ids_to_keep fails with `conflicts` filled in (Vault's "data" list).
  struct MergeConflict {
    std::string mount_accessor, to_entity_id, from_entity_id, to_alias_id, from_alias_id;
  };
  Status Merge(const MergeRequest& m, std::vector<MergeConflict>* conflicts = nullptr);

  // --- entity aliases ---
  struct AliasWrite {
    std::string id;  // update this alias
    std::string name;
    std::string mount_accessor;
    std::string canonical_id;
    std::optional<StringMap> custom_metadata;
  };
  // Creates or updates an alias. Returns the alias (nullopt: nothing to do) and whether it was
  // created. Errors with Vault's wording (unknown accessor, a second alias on one accessor, …).
  Result<std::pair<std::optional<Alias>, bool>> WriteAlias(const AliasWrite& w);
  Result<bool> DeleteAlias(std::string_view alias_id);
  std::vector<Alias> Aliases() const;  // sorted by id

  // --- groups ---
  Result<std::pair<Group, bool>> UpsertGroup(std::optional<std::string> id, const GroupUpdate& u);
  // Updates the group named `name` or creates it.
  Result<std::pair<Group, bool>> UpsertGroupByName(std::string_view name, GroupUpdate u);
  Result<bool> DeleteGroup(std::string_view id);

  // --- group aliases (external groups) ---
  struct GroupAliasWrite {
    std::string id;
    std::string name;
    std::string mount_accessor;
    std::string canonical_id;
  };
  Result<GroupAlias> WriteGroupAlias(const GroupAliasWrite& w);
  Result<bool> DeleteGroupAlias(std::string_view alias_id);
  std::vector<GroupAlias> GroupAliases() const;

 private:
  struct State;
  logical::Storage& view_;
  MountLookup mounts_;
  Clock clock_;
  mutable std::shared_mutex mu_;
  std::unique_ptr<State> state_;  // guarded by mu_
  int64_t Now() const;
};

}  // namespace arca::core::identity
