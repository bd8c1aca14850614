// identity/entity*, identity/entity-alias*, identity/group*, identity/group-alias*,
// identity/lookup/* (Vault's identity store paths; shapes and wording from Vault's
// vault/identity_store_*.go).
#include "core/identity/identity_backend.h"

#include <algorithm>

#include "common/rfc3339.h"
#include "core/core.h"
#include "core/identity/identity_store.h"
#include "logical/framework/framework_backend.h"

namespace arca::core {
namespace {

using identity::Alias;
using identity::Entity;
using identity::Group;
using identity::GroupAlias;
using identity::IdentityStore;
using identity::StringMap;
using logical::Operation;
using logical::Request;
using logical::Response;
namespace fw = logical::framework;

constexpr const char* kNamespaceId = "root";

// Go's nil slices and maps are JSON null: Vault shows empty lists and maps as null.
json::value ListOrNull(const std::vector<std::string>& v) {
  if (v.empty()) return nullptr;
  return ToJsonArray(v);
}
json::value MapOrNull(const StringMap& m) {
  if (m.empty()) return nullptr;
  json::object o;
  for (const auto& [k, v] : m) o[k] = v;
  return o;
}
std::string Time(int64_t ns) { return FormatRfc3339Nanos(ns); }

Result<Response> NotFoundEmpty() {
  return std::unexpected(Error(ErrorKind::kNotFound, std::vector<std::string>{}));
}

json::object AliasData(const Alias& a) {
  json::object o;
  o["id"] = a.id;
  o["canonical_id"] = a.canonical_id;
  o["mount_accessor"] = a.mount_accessor;
  o["metadata"] = MapOrNull(a.metadata);
  o["custom_metadata"] = MapOrNull(a.custom_metadata);
  o["name"] = a.name;
  o["merged_from_canonical_ids"] = ListOrNull(a.merged_from_canonical_ids);
  o["namespace_id"] = kNamespaceId;
  o["local"] = a.local;
  if (!a.mount_type.empty()) {
    o["mount_path"] = a.mount_path;
    o["mount_type"] = a.mount_type;
  }
  o["creation_time"] = Time(a.creation_ns);
  o["last_update_time"] = Time(a.last_update_ns);
  return o;
}

json::object EntityData(IdentityStore& store, const Entity& e) {
  json::object o;
  o["id"] = e.id;
  o["name"] = e.name;
  o["metadata"] = MapOrNull(e.metadata);
  o["merged_entity_ids"] = ListOrNull(e.merged_entity_ids);
  o["policies"] = ListOrNull(e.policies);
  o["disabled"] = e.disabled;
  o["namespace_id"] = kNamespaceId;
  o["creation_time"] = Time(e.creation_ns);
  o["last_update_time"] = Time(e.last_update_ns);
  json::array aliases;
  for (const auto& a : e.aliases) {
    json::object ao = AliasData(a);
    ao.erase("namespace_id");  // Vault's entity read leaves it out of the alias maps
    aliases.push_back(std::move(ao));
  }
  o["aliases"] = std::move(aliases);
  identity::EntityGroups groups = store.GroupsOfEntity(e.id);
  std::vector<std::string> direct, inherited;
  for (const auto& g : groups.direct) direct.push_back(g.id);
  for (const auto& g : groups.inherited) inherited.push_back(g.id);
  std::vector<std::string> all = direct;
  all.insert(all.end(), inherited.begin(), inherited.end());
  o["direct_group_ids"] = ListOrNull(direct);
  o["inherited_group_ids"] = ListOrNull(inherited);
  o["group_ids"] = ListOrNull(all);
  return o;
}

json::object GroupAliasData(const GroupAlias& a) {
  json::object o;
  o["id"] = a.id;
  o["canonical_id"] = a.canonical_id;
  o["mount_accessor"] = a.mount_accessor;
  o["metadata"] = MapOrNull(a.metadata);
  o["name"] = a.name;
  o["merged_from_canonical_ids"] = ListOrNull(a.merged_from_canonical_ids);
  o["creation_time"] = Time(a.creation_ns);
  o["last_update_time"] = Time(a.last_update_ns);
  if (!a.mount_type.empty()) {
    o["mount_path"] = a.mount_path;
    o["mount_type"] = a.mount_type;
  }
  return o;
}

json::object GroupData(const Group& g) {
  json::object o;
  o["id"] = g.id;
  o["name"] = g.name;
  o["policies"] = ListOrNull(g.policies);
  o["member_entity_ids"] = ListOrNull(g.member_entity_ids);
  o["parent_group_ids"] = ListOrNull(g.parent_group_ids);
  o["metadata"] = MapOrNull(g.metadata);
  o["creation_time"] = Time(g.creation_ns);
  o["last_update_time"] = Time(g.last_update_ns);
  o["modify_index"] = g.modify_index;
  o["type"] = g.type;
  o["namespace_id"] = kNamespaceId;
  o["alias"] = g.alias ? GroupAliasData(*g.alias) : json::object{};
  o["member_group_ids"] = ListOrNull(g.member_group_ids);
  return o;
}

fw::FieldSchema Str(std::string desc) {
  return fw::FieldSchema{.type = fw::FieldType::kString, .description = std::move(desc)};
}
fw::FieldSchema Slice(std::string desc) {
  return fw::FieldSchema{.type = fw::FieldType::kCommaStringSlice, .description = std::move(desc)};
}
fw::FieldSchema Kv(std::string desc) {
  return fw::FieldSchema{.type = fw::FieldType::kKVPairs, .description = std::move(desc)};
}
fw::FieldSchema Bool(std::string desc) {
  return fw::FieldSchema{.type = fw::FieldType::kBool, .description = std::move(desc)};
}

// --- entities ---

fw::FieldMap EntityFields() {
  return {{"id", Str("ID of the entity. If set, updates the corresponding existing entity.")},
          {"name", Str("Name of the entity")},
          {"metadata", Kv("Metadata to be associated with the entity (key=value pairs).")},
          {"policies", Slice("Policies to be tied to the entity.")},
          {"disabled", Bool("If set true, tokens tied to this identity will not be able to be used "
                            "(but will not be revoked).")}};
}

identity::EntityUpdate EntityUpdateFrom(fw::FieldData& d) {
  identity::EntityUpdate u;
  u.id = d.GetString("id");
  u.name = d.GetString("name");
  if (d.Has("metadata")) u.metadata = d.GetKvPairs("metadata");
  if (d.Has("policies")) u.policies = d.GetStringSlice("policies");
  if (d.Has("disabled")) u.disabled = d.GetBool("disabled");
  return u;
}

// Vault: the id and name of a new entity (and its alias ids); 204 for an update.
Response EntityWritten(const std::pair<Entity, bool>& r) {
  if (!r.second) return Response{};
  json::object o;
  o["id"] = r.first.id;
  o["name"] = r.first.name;
  std::vector<std::string> ids;
  for (const auto& a : r.first.aliases) ids.push_back(a.id);
  o["aliases"] = ListOrNull(ids);
  return Response::WithData(std::move(o));
}

Response EntityList(IdentityStore& store, bool by_id) {
  std::vector<std::string> keys;
  json::object info;
  for (const auto& e : store.Entities()) {
    keys.push_back(by_id ? e.id : e.name);
    json::object entry;
    entry["name"] = e.name;
    if (!e.aliases.empty()) {
      json::array aliases;
      for (const auto& a : e.aliases) {
        json::object ao;
        ao["id"] = a.id;
        ao["name"] = a.name;
        ao["mount_accessor"] = a.mount_accessor;
        if (!a.mount_type.empty()) {
          ao["mount_type"] = a.mount_type;
          ao["mount_path"] = a.mount_path;
        }
        aliases.push_back(std::move(ao));
      }
      entry["aliases"] = std::move(aliases);
    }
    // Vault keys the info by entity id in both listings.
    info[e.id] = std::move(entry);
  }
  if (!by_id) std::sort(keys.begin(), keys.end());
  Response r = Response::ListResponse(keys);
  if (!keys.empty()) r.data["key_info"] = std::move(info);
  return r;
}

std::vector<fw::Path> EntityPaths(IdentityStore& store) {
  std::vector<fw::Path> paths;
  {
    fw::Path p;
    p.pattern = "entity/?";
    p.fields = EntityFields();
    p.operations[Operation::kUpdate] = {[&store](Request&, fw::FieldData& d) -> Result<Response> {
      ARCA_ASSIGN_OR_RETURN(auto r, store.UpsertEntity(EntityUpdateFrom(d)));
      return EntityWritten(r);
    }, "Create a new entity, or update an existing one."};
    p.help_synopsis = "Create a new entity";
    paths.push_back(std::move(p));
  }
  {
    fw::Path p;
    p.pattern = "entity/id/" + fw::GenericNameRegex("id");
    p.fields = EntityFields();
    p.operations[Operation::kRead] = {[&store](Request&, fw::FieldData& d) -> Result<Response> {
      auto e = store.EntityById(d.GetString("id"));
      if (!e) return NotFoundEmpty();
      return Response::WithData(EntityData(store, *e));
    }, "Read an entity by id."};
    p.operations[Operation::kUpdate] = {[&store](Request&, fw::FieldData& d) -> Result<Response> {
      ARCA_ASSIGN_OR_RETURN(auto r, store.UpsertEntity(EntityUpdateFrom(d)));
      return EntityWritten(r);
    }, "Update an entity by id."};
    p.operations[Operation::kDelete] = {[&store](Request&, fw::FieldData& d) -> Result<Response> {
      ARCA_ASSIGN_OR_RETURN(bool gone, store.DeleteEntity(d.GetString("id")));
      (void)gone;
      return Response{};
    }, "Delete an entity by id."};
    p.help_synopsis = "Update, read or delete an entity using entity ID";
    paths.push_back(std::move(p));
  }
  {
    fw::Path p;
    p.pattern = "entity/id/?";
    p.operations[Operation::kList] = {[&store](Request&, fw::FieldData&) -> Result<Response> {
      return EntityList(store, true);
    }, "List all the entity IDs."};
    p.help_synopsis = "List all the entity IDs";
    paths.push_back(std::move(p));
  }
  {
    fw::Path p;
    p.pattern = "entity/name/" + fw::GenericNameRegex("name");
    p.fields = EntityFields();
    p.fields.erase("id");
    p.operations[Operation::kRead] = {[&store](Request&, fw::FieldData& d) -> Result<Response> {
      auto e = store.EntityByName(d.GetString("name"));
      if (!e) return NotFoundEmpty();
      return Response::WithData(EntityData(store, *e));
    }, "Read an entity by name."};
    p.operations[Operation::kUpdate] = {[&store](Request&, fw::FieldData& d) -> Result<Response> {
      identity::EntityUpdate u = EntityUpdateFrom(d);
      ARCA_ASSIGN_OR_RETURN(auto r, store.UpsertEntityByName(d.GetString("name"), u));
      return EntityWritten(r);
    }, "Create or update an entity by name."};
    p.operations[Operation::kDelete] = {[&store](Request&, fw::FieldData& d) -> Result<Response> {
      auto e = store.EntityByName(d.GetString("name"));
      if (e) ARCA_RETURN_IF_ERROR(store.DeleteEntity(e->id));
      return Response{};
    }, "Delete an entity by name."};
    p.help_synopsis = "Update, read or delete an entity using entity name";
    paths.push_back(std::move(p));
  }
  {
    fw::Path p;
    p.pattern = "entity/name/?";
    p.operations[Operation::kList] = {[&store](Request&, fw::FieldData&) -> Result<Response> {
      return EntityList(store, false);
    }, "List all the entity names."};
    p.help_synopsis = "List all the entity names";
    paths.push_back(std::move(p));
  }
  {
    fw::Path p;
    p.pattern = "entity/batch-delete";
    p.fields = {{"entity_ids", Slice("Entity IDs to delete")}};
    p.operations[Operation::kUpdate] = {[&store](Request&, fw::FieldData& d) -> Result<Response> {
      ARCA_RETURN_IF_ERROR(store.BatchDeleteEntities(d.GetStringSlice("entity_ids")));
      return Response{};
    }, "Delete all of the entities provided."};
    p.help_synopsis = "Delete all of the entities provided";
    paths.push_back(std::move(p));
  }
  {
    fw::Path p;
    p.pattern = "entity/merge/?";
    p.fields = {{"from_entity_ids", Slice("Entity IDs which need to get merged")},
                {"to_entity_id", Str("Entity ID into which all the other entities need to get merged")},
                {"force", Bool("Setting this will follow the 'mine' strategy for merging MFA secrets.")},
                {"conflicting_alias_ids_to_keep",
                 Slice("Alias IDs to keep in case of conflicting aliases.")}};
    p.operations[Operation::kUpdate] = {[&store](Request&, fw::FieldData& d) -> Result<Response> {
      identity::MergeRequest m;
      m.to_entity_id = d.GetString("to_entity_id");
      m.from_entity_ids = d.GetStringSlice("from_entity_ids");
      m.force = d.GetBool("force");
      m.conflicting_alias_ids_to_keep = d.GetStringSlice("conflicting_alias_ids_to_keep");
      ARCA_RETURN_IF_ERROR(store.Merge(m));
      return Response{};
    }, "Merge two or more entities together."};
    p.help_synopsis = "Merge two or more entities together";
    paths.push_back(std::move(p));
  }
  return paths;
}

// --- entity aliases ---

fw::FieldMap AliasFields() {
  return {{"id", Str("ID of the entity alias. If set, updates the corresponding entity alias.")},
          {"entity_id", Str("Entity ID to which this alias belongs. This field is deprecated, "
                            "use canonical_id.")},
          {"canonical_id", Str("Entity ID to which this alias belongs")},
          {"mount_accessor", Str("Mount accessor to which this alias belongs to; unused for a "
                                 "modify")},
          {"name", Str("Name of the alias; unused for a modify")},
          {"custom_metadata", Kv("User provided key-value pairs")}};
}

Result<Response> WriteAlias(IdentityStore& store, fw::FieldData& d) {
  IdentityStore::AliasWrite w;
  w.id = d.GetString("id");
  w.name = d.GetString("name");
  w.mount_accessor = d.GetString("mount_accessor");
  w.canonical_id = d.GetString("canonical_id");
  if (w.canonical_id.empty()) w.canonical_id = d.GetString("entity_id");
  if (d.Has("custom_metadata")) w.custom_metadata = d.GetKvPairs("custom_metadata");
  ARCA_ASSIGN_OR_RETURN(auto r, store.WriteAlias(w));
  if (!r.first) return Response{};
  json::object o;
  o["id"] = r.first->id;
  o["canonical_id"] = r.first->canonical_id;
  return Response::WithData(std::move(o));
}

std::vector<fw::Path> AliasPaths(IdentityStore& store) {
  std::vector<fw::Path> paths;
  {
    fw::Path p;
    p.pattern = "entity-alias/?";
    p.fields = AliasFields();
    p.operations[Operation::kUpdate] = {[&store](Request&, fw::FieldData& d) {
      return WriteAlias(store, d);
    }, "Create a new alias."};
    p.help_synopsis = "Create a new alias.";
    paths.push_back(std::move(p));
  }
  {
    fw::Path p;
    p.pattern = "entity-alias/id/" + fw::GenericNameRegex("id");
    p.fields = AliasFields();
    p.operations[Operation::kRead] = {[&store](Request&, fw::FieldData& d) -> Result<Response> {
      auto a = store.AliasById(d.GetString("id"));
      if (!a) return NotFoundEmpty();
      return Response::WithData(AliasData(*a));
    }, "Read an alias by id."};
    p.operations[Operation::kUpdate] = {[&store](Request&, fw::FieldData& d) {
      return WriteAlias(store, d);
    }, "Update an alias by id."};
    p.operations[Operation::kDelete] = {[&store](Request&, fw::FieldData& d) -> Result<Response> {
      ARCA_ASSIGN_OR_RETURN(bool gone, store.DeleteAlias(d.GetString("id")));
      (void)gone;
      return Response{};
    }, "Delete an alias by id."};
    p.help_synopsis = "Update, read or delete an alias ID.";
    paths.push_back(std::move(p));
  }
  {
    fw::Path p;
    p.pattern = "entity-alias/id/?";
    p.operations[Operation::kList] = {[&store](Request&, fw::FieldData&) -> Result<Response> {
      std::vector<std::string> keys;
      json::object info;
      for (const auto& a : store.Aliases()) {
        keys.push_back(a.id);
        json::object o;
        o["mount_accessor"] = a.mount_accessor;
        o["mount_path"] = a.mount_path;
        o["mount_type"] = a.mount_type;
        o["name"] = a.name;
        o["canonical_id"] = a.canonical_id;
        o["custom_metadata"] = MapOrNull(a.custom_metadata);
        info[a.id] = std::move(o);
      }
      Response r = Response::ListResponse(keys);
      if (!keys.empty()) r.data["key_info"] = std::move(info);
      return r;
    }, "List all the alias IDs."};
    p.help_synopsis = "List all the alias IDs.";
    paths.push_back(std::move(p));
  }
  return paths;
}

// --- groups ---

fw::FieldMap GroupFields() {
  return {{"id", Str("ID of the group. If set, updates the corresponding existing group.")},
          {"type", Str("Type of the group, 'internal' or 'external'. Defaults to 'internal'")},
          {"name", Str("Name of the group.")},
          {"metadata", Kv("Metadata to be associated with the group (key=value pairs).")},
          {"policies", Slice("Policies to be tied to the group.")},
          {"member_group_ids", Slice("Group IDs to be assigned as group members.")},
          {"member_entity_ids", Slice("Entity IDs to be assigned as group members.")}};
}

identity::GroupUpdate GroupUpdateFrom(fw::FieldData& d) {
  identity::GroupUpdate u;
  if (d.Has("type")) u.type = d.GetString("type");
  u.name = d.GetString("name");
  if (d.Has("metadata")) u.metadata = d.GetKvPairs("metadata");
  if (d.Has("policies")) u.policies = d.GetStringSlice("policies");
  if (d.Has("member_entity_ids")) u.member_entity_ids = d.GetStringSlice("member_entity_ids");
  if (d.Has("member_group_ids")) u.member_group_ids = d.GetStringSlice("member_group_ids");
  return u;
}

Response GroupWritten(const std::pair<Group, bool>& r) {
  if (!r.second) return Response{};
  json::object o;
  o["id"] = r.first.id;
  o["name"] = r.first.name;
  return Response::WithData(std::move(o));
}

Response GroupList(IdentityStore& store, bool by_id) {
  std::vector<std::string> keys;
  json::object info;
  for (const auto& g : store.Groups()) {
    keys.push_back(by_id ? g.id : g.name);
    json::object entry;
    entry["name"] = g.name;
    entry["num_member_entities"] = static_cast<int64_t>(g.member_entity_ids.size());
    entry["num_parent_groups"] = static_cast<int64_t>(g.parent_group_ids.size());
    if (g.alias) {
      json::object ao;
      ao["id"] = g.alias->id;
      ao["name"] = g.alias->name;
      ao["mount_accessor"] = g.alias->mount_accessor;
      if (!g.alias->mount_type.empty()) {
        ao["mount_type"] = g.alias->mount_type;
        ao["mount_path"] = g.alias->mount_path;
      }
      entry["alias"] = std::move(ao);
    }
    info[g.id] = std::move(entry);
  }
  if (!by_id) std::sort(keys.begin(), keys.end());
  Response r = Response::ListResponse(keys);
  if (!keys.empty()) r.data["key_info"] = std::move(info);
  return r;
}

std::vector<fw::Path> GroupPaths(IdentityStore& store) {
  std::vector<fw::Path> paths;
  {
    fw::Path p;
    p.pattern = "group/?";
    p.fields = GroupFields();
    p.operations[Operation::kUpdate] = {[&store](Request&, fw::FieldData& d) -> Result<Response> {
      std::optional<std::string> id;
      if (std::string s = d.GetString("id"); !s.empty()) id = s;
      ARCA_ASSIGN_OR_RETURN(auto r, store.UpsertGroup(id, GroupUpdateFrom(d)));
      return GroupWritten(r);
    }, "Create a new group, or update an existing one."};
    p.help_synopsis = "Create a new group.";
    paths.push_back(std::move(p));
  }
  {
    fw::Path p;
    p.pattern = "group/id/" + fw::GenericNameRegex("id");
    p.fields = GroupFields();
    p.operations[Operation::kRead] = {[&store](Request&, fw::FieldData& d) -> Result<Response> {
      auto g = store.GroupById(d.GetString("id"));
      if (!g) return NotFoundEmpty();
      return Response::WithData(GroupData(*g));
    }, "Read a group by id."};
    p.operations[Operation::kUpdate] = {[&store](Request&, fw::FieldData& d) -> Result<Response> {
      ARCA_ASSIGN_OR_RETURN(auto r, store.UpsertGroup(d.GetString("id"), GroupUpdateFrom(d)));
      return GroupWritten(r);
    }, "Update a group by id."};
    p.operations[Operation::kDelete] = {[&store](Request&, fw::FieldData& d) -> Result<Response> {
      ARCA_ASSIGN_OR_RETURN(bool gone, store.DeleteGroup(d.GetString("id")));
      (void)gone;
      return Response{};
    }, "Delete a group by id."};
    p.help_synopsis = "Update or delete an existing group using its ID.";
    paths.push_back(std::move(p));
  }
  {
    fw::Path p;
    p.pattern = "group/id/?";
    p.operations[Operation::kList] = {[&store](Request&, fw::FieldData&) -> Result<Response> {
      return GroupList(store, true);
    }, "List all the group IDs."};
    p.help_synopsis = "List all the group IDs.";
    paths.push_back(std::move(p));
  }
  {
    fw::Path p;
    p.pattern = "group/name/" + fw::GenericNameRegex("name");
    p.fields = GroupFields();
    p.fields.erase("id");
    p.operations[Operation::kRead] = {[&store](Request&, fw::FieldData& d) -> Result<Response> {
      auto g = store.GroupByName(d.GetString("name"));
      if (!g) return NotFoundEmpty();
      return Response::WithData(GroupData(*g));
    }, "Read a group by name."};
    p.operations[Operation::kUpdate] = {[&store](Request&, fw::FieldData& d) -> Result<Response> {
      ARCA_ASSIGN_OR_RETURN(auto r, store.UpsertGroupByName(d.GetString("name"), GroupUpdateFrom(d)));
      return GroupWritten(r);
    }, "Create or update a group by name."};
    p.operations[Operation::kDelete] = {[&store](Request&, fw::FieldData& d) -> Result<Response> {
      auto g = store.GroupByName(d.GetString("name"));
      if (g) ARCA_RETURN_IF_ERROR(store.DeleteGroup(g->id));
      return Response{};
    }, "Delete a group by name."};
    p.help_synopsis = "Update or delete an existing group using its name.";
    paths.push_back(std::move(p));
  }
  {
    fw::Path p;
    p.pattern = "group/name/?";
    p.operations[Operation::kList] = {[&store](Request&, fw::FieldData&) -> Result<Response> {
      return GroupList(store, false);
    }, "List all the group names."};
    p.help_synopsis = "List all the group names.";
    paths.push_back(std::move(p));
  }
  return paths;
}

// --- group aliases ---

fw::FieldMap GroupAliasFields() {
  return {{"id", Str("ID of the group alias.")},
          {"name", Str("Alias of the group.")},
          {"mount_accessor", Str("Mount accessor to which this alias belongs to.")},
          {"canonical_id", Str("ID of the group to which this is an alias.")}};
}

Result<Response> WriteGroupAlias(IdentityStore& store, fw::FieldData& d) {
  IdentityStore::GroupAliasWrite w;
  w.id = d.GetString("id");
  w.name = d.GetString("name");
  w.mount_accessor = d.GetString("mount_accessor");
  w.canonical_id = d.GetString("canonical_id");
  ARCA_ASSIGN_OR_RETURN(GroupAlias a, store.WriteGroupAlias(w));
  json::object o;
  o["id"] = a.id;
  o["canonical_id"] = a.canonical_id;
  return Response::WithData(std::move(o));
}

std::vector<fw::Path> GroupAliasPaths(IdentityStore& store) {
  std::vector<fw::Path> paths;
  {
    fw::Path p;
    p.pattern = "group-alias/?";
    p.fields = GroupAliasFields();
    p.operations[Operation::kUpdate] = {[&store](Request&, fw::FieldData& d) {
      return WriteGroupAlias(store, d);
    }, "Creates a new group alias, or updates an existing one."};
    p.help_synopsis = "Creates a new group alias, or updates an existing one.";
    paths.push_back(std::move(p));
  }
  {
    fw::Path p;
    p.pattern = "group-alias/id/" + fw::GenericNameRegex("id");
    p.fields = GroupAliasFields();
    p.operations[Operation::kRead] = {[&store](Request&, fw::FieldData& d) -> Result<Response> {
      auto a = store.GroupAliasById(d.GetString("id"));
      if (!a) return NotFoundEmpty();
      return Response::WithData(GroupAliasData(*a));
    }, "Read a group alias."};
    p.operations[Operation::kUpdate] = {[&store](Request&, fw::FieldData& d) {
      return WriteGroupAlias(store, d);
    }, "Update a group alias."};
    p.operations[Operation::kDelete] = {[&store](Request&, fw::FieldData& d) -> Result<Response> {
      ARCA_ASSIGN_OR_RETURN(bool gone, store.DeleteGroupAlias(d.GetString("id")));
      (void)gone;
      return Response{};
    }, "Delete a group alias."};
    p.help_synopsis = "Update, read or delete a group alias.";
    paths.push_back(std::move(p));
  }
  {
    fw::Path p;
    p.pattern = "group-alias/id/?";
    p.operations[Operation::kList] = {[&store](Request&, fw::FieldData&) -> Result<Response> {
      std::vector<std::string> keys;
      json::object info;
      for (const auto& a : store.GroupAliases()) {
        keys.push_back(a.id);
        json::object o;
        o["mount_accessor"] = a.mount_accessor;
        o["mount_path"] = a.mount_path;
        o["mount_type"] = a.mount_type;
        o["name"] = a.name;
        o["canonical_id"] = a.canonical_id;
        info[a.id] = std::move(o);
      }
      Response r = Response::ListResponse(keys);
      if (!keys.empty()) r.data["key_info"] = std::move(info);
      return r;
    }, "List all the group alias IDs."};
    p.help_synopsis = "List all the group alias IDs.";
    paths.push_back(std::move(p));
  }
  return paths;
}

// --- lookups ---

// Exactly one selector: id, name, alias_id, or alias_name with alias_mount_accessor.
Status CheckLookupInput(fw::FieldData& d) {
  int given = 0;
  for (const char* f : {"id", "name", "alias_id"}) given += d.Has(f) ? 1 : 0;
  bool alias_name = d.Has("alias_name"), alias_acc = d.Has("alias_mount_accessor");
  if (alias_name || alias_acc) ++given;
  if (given == 0) return InvalidRequest("query parameter not supplied");
  if (given > 1) {
    return InvalidRequest(
        "query parameter conflict; please supply distinct set of query parameters");
  }
  if (alias_name != alias_acc) {
    return InvalidRequest("both 'alias_name' and 'alias_mount_accessor' needs to be set");
  }
  return OkStatus();
}

fw::FieldMap LookupFields(std::string_view what) {
  return {{"type", Str("Type of lookup. Current supported values are 'id' and 'name'")},
          {"id", Str("ID of the " + std::string(what) + ".")},
          {"name", Str("Name of the " + std::string(what) + ".")},
          {"alias_id", Str("ID of the alias.")},
          {"alias_name", Str("Name of the alias. This should be supplied in conjunction with "
                             "'alias_mount_accessor'.")},
          {"alias_mount_accessor", Str("Accessor of the mount to which the alias belongs to. "
                                       "This should be supplied in conjunction with 'alias_name'.")}};
}

std::vector<fw::Path> LookupPaths(IdentityStore& store) {
  std::vector<fw::Path> paths;
  {
    fw::Path p;
    p.pattern = "lookup/entity";
    p.fields = LookupFields("entity");
    p.operations[Operation::kUpdate] = {[&store](Request&, fw::FieldData& d) -> Result<Response> {
      ARCA_RETURN_IF_ERROR(CheckLookupInput(d));
      std::optional<Entity> e;
      if (d.Has("id")) {
        e = store.EntityById(d.GetString("id"));
      } else if (d.Has("name")) {
        e = store.EntityByName(d.GetString("name"));
      } else if (d.Has("alias_id")) {
        e = store.EntityByAliasId(d.GetString("alias_id"));
      } else {
        e = store.EntityByAliasFactors(d.GetString("alias_mount_accessor"), d.GetString("alias_name"));
      }
      if (!e) return Response{};  // Vault: 204
      return Response::WithData(EntityData(store, *e));
    }, "Query entities based on various properties."};
    p.help_synopsis = "Query entities based on various properties.";
    paths.push_back(std::move(p));
  }
  {
    fw::Path p;
    p.pattern = "lookup/group";
    p.fields = LookupFields("group");
    p.operations[Operation::kUpdate] = {[&store](Request&, fw::FieldData& d) -> Result<Response> {
      ARCA_RETURN_IF_ERROR(CheckLookupInput(d));
      std::optional<Group> g;
      if (d.Has("id")) {
        g = store.GroupById(d.GetString("id"));
      } else if (d.Has("name")) {
        g = store.GroupByName(d.GetString("name"));
      } else if (d.Has("alias_id")) {
        g = store.GroupByAliasId(d.GetString("alias_id"));
      } else {
        g = store.GroupByAliasFactors(d.GetString("alias_mount_accessor"), d.GetString("alias_name"));
      }
      if (!g) return Response{};
      return Response::WithData(GroupData(*g));
    }, "Query groups based on various properties."};
    p.help_synopsis = "Query groups based on various properties.";
    paths.push_back(std::move(p));
  }
  return paths;
}

}  // namespace

std::shared_ptr<logical::Backend> NewIdentityBackend(Core& core,
                                                     std::vector<fw::Path> extra) {
  fw::FrameworkBackend::Options opts;
  opts.type = "identity";
  opts.help = "The identity store maps the clients of every auth method to entities and "
              "groups, which carry policies and metadata.";
  IdentityStore& store = core.identity();
  for (auto* family : {&EntityPaths, &AliasPaths, &GroupPaths, &GroupAliasPaths, &LookupPaths}) {
    for (auto& p : (*family)(store)) opts.paths.push_back(std::move(p));
  }
  for (auto& p : extra) opts.paths.push_back(std::move(p));
  return std::make_shared<fw::FrameworkBackend>(std::move(opts));
}

}  // namespace arca::core
