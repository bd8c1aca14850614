#include "core/identity/identity_store.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <mutex>
#include <set>

#include "common/json.h"
#include "common/uuid.h"

namespace arca::core::identity {
namespace {

constexpr std::string_view kEntityPrefix = "entity/";
constexpr std::string_view kGroupPrefix = "group/";

std::string FactorsKey(std::string_view accessor, std::string_view name) {
  std::string k(accessor);
  k.push_back('\0');
  k.append(name);
  return k;
}

// Entity and group names are matched without regard to case (Vault's default).
std::string NameKey(std::string_view name) {
  std::string k(name);
  for (auto& c : k) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return k;
}

std::vector<std::string> NormalizePolicies(const std::vector<std::string>& in) {
  std::vector<std::string> out;
  for (const auto& p : in) {
    std::string l;
    for (char c : p) l.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    // Vault drops empty entries and keeps the first occurrence.
    if (l.empty() || std::find(out.begin(), out.end(), l) != out.end()) continue;
    out.push_back(std::move(l));
  }
  return out;
}

json::object MapJson(const StringMap& m) {
  json::object o;
  for (const auto& [k, v] : m) o[k] = v;
  return o;
}

StringMap JsonMap(const json::object& o, std::string_view key) {
  StringMap m;
  auto it = o.find(key);
  if (it == o.end() || !it->value().is_object()) return m;
  for (const auto& kv : it->value().as_object()) {
    if (kv.value().is_string()) m[std::string(kv.key())] = std::string(kv.value().as_string());
  }
  return m;
}

json::object AliasJson(const Alias& a) {
  json::object o;
  o["id"] = a.id;
  o["canonical_id"] = a.canonical_id;
  o["mount_accessor"] = a.mount_accessor;
  o["name"] = a.name;
  o["metadata"] = MapJson(a.metadata);
  o["custom_metadata"] = MapJson(a.custom_metadata);
  o["merged_from_canonical_ids"] = ToJsonArray(a.merged_from_canonical_ids);
  o["local"] = a.local;
  o["creation_time"] = a.creation_ns;
  o["last_update_time"] = a.last_update_ns;
  return o;
}

Alias AliasFrom(const json::object& o) {
  Alias a;
  a.id = StringOr(o, "id");
  a.canonical_id = StringOr(o, "canonical_id");
  a.mount_accessor = StringOr(o, "mount_accessor");
  a.name = StringOr(o, "name");
  a.metadata = JsonMap(o, "metadata");
  a.custom_metadata = JsonMap(o, "custom_metadata");
  a.merged_from_canonical_ids = StringsOf(o, "merged_from_canonical_ids");
  a.local = BoolOr(o, "local");
  a.creation_ns = IntOr(o, "creation_time");
  a.last_update_ns = IntOr(o, "last_update_time");
  return a;
}

std::string EntityJson(const Entity& e) {
  json::object o;
  o["version"] = 1;
  o["id"] = e.id;
  o["name"] = e.name;
  o["metadata"] = MapJson(e.metadata);
  o["policies"] = ToJsonArray(e.policies);
  o["disabled"] = e.disabled;
  json::array aliases;
  for (const auto& a : e.aliases) aliases.push_back(AliasJson(a));
  o["aliases"] = std::move(aliases);
  o["merged_entity_ids"] = ToJsonArray(e.merged_entity_ids);
  o["creation_time"] = e.creation_ns;
  o["last_update_time"] = e.last_update_ns;
  return ToJson(o);
}

Result<Entity> EntityFrom(std::string_view text) {
  ARCA_ASSIGN_OR_RETURN(json::object o, ParseJsonObject(text));
  Entity e;
  e.id = StringOr(o, "id");
  e.name = StringOr(o, "name");
  e.metadata = JsonMap(o, "metadata");
  e.policies = StringsOf(o, "policies");
  e.disabled = BoolOr(o, "disabled");
  if (auto it = o.find("aliases"); it != o.end() && it->value().is_array()) {
    for (const auto& a : it->value().as_array()) {
      if (a.is_object()) e.aliases.push_back(AliasFrom(a.as_object()));
    }
  }
  e.merged_entity_ids = StringsOf(o, "merged_entity_ids");
  e.creation_ns = IntOr(o, "creation_time");
  e.last_update_ns = IntOr(o, "last_update_time");
  if (e.id.empty()) return Internal("identity: stored entity without an id");
  return e;
}

std::string GroupJson(const Group& g) {
  json::object o;
  o["version"] = 1;
  o["id"] = g.id;
  o["name"] = g.name;
  o["type"] = g.type;
  o["policies"] = ToJsonArray(g.policies);
  o["metadata"] = MapJson(g.metadata);
  o["member_entity_ids"] = ToJsonArray(g.member_entity_ids);
  o["member_group_ids"] = ToJsonArray(g.member_group_ids);
  o["modify_index"] = g.modify_index;
  o["creation_time"] = g.creation_ns;
  o["last_update_time"] = g.last_update_ns;
  if (g.alias) {
    json::object a;
    a["id"] = g.alias->id;
    a["canonical_id"] = g.alias->canonical_id;
    a["mount_accessor"] = g.alias->mount_accessor;
    a["name"] = g.alias->name;
    a["metadata"] = MapJson(g.alias->metadata);
    a["merged_from_canonical_ids"] = ToJsonArray(g.alias->merged_from_canonical_ids);
    a["creation_time"] = g.alias->creation_ns;
    a["last_update_time"] = g.alias->last_update_ns;
    o["alias"] = std::move(a);
  }
  return ToJson(o);
}

Result<Group> GroupFrom(std::string_view text) {
  ARCA_ASSIGN_OR_RETURN(json::object o, ParseJsonObject(text));
  Group g;
  g.id = StringOr(o, "id");
  g.name = StringOr(o, "name");
  g.type = StringOr(o, "type", "internal");
  g.policies = StringsOf(o, "policies");
  g.metadata = JsonMap(o, "metadata");
  g.member_entity_ids = StringsOf(o, "member_entity_ids");
  g.member_group_ids = StringsOf(o, "member_group_ids");
  g.modify_index = IntOr(o, "modify_index");
  g.creation_ns = IntOr(o, "creation_time");
  g.last_update_ns = IntOr(o, "last_update_time");
  if (auto it = o.find("alias"); it != o.end() && it->value().is_object()) {
    const auto& a = it->value().as_object();
    GroupAlias ga;
    ga.id = StringOr(a, "id");
    ga.canonical_id = StringOr(a, "canonical_id");
    ga.mount_accessor = StringOr(a, "mount_accessor");
    ga.name = StringOr(a, "name");
    ga.metadata = JsonMap(a, "metadata");
    ga.merged_from_canonical_ids = StringsOf(a, "merged_from_canonical_ids");
    ga.creation_ns = IntOr(a, "creation_time");
    ga.last_update_ns = IntOr(a, "last_update_time");
    g.alias = std::move(ga);
  }
  if (g.id.empty()) return Internal("identity: stored group without an id");
  return g;
}

void Erase(std::vector<std::string>& v, std::string_view s) {
  std::erase_if(v, [&](const std::string& x) { return x == s; });
}

void AddUnique(std::vector<std::string>& v, const std::string& s) {
  if (std::find(v.begin(), v.end(), s) == v.end()) v.push_back(s);
}

}  // namespace

struct IdentityStore::State {
  std::map<std::string, Entity> entities;
  std::map<std::string, std::string> entity_by_name;
  std::map<std::string, std::string> merged_into;  // merged entity id -> entity id
  std::map<std::string, std::string> alias_entity;      // alias id -> entity id
  std::map<std::string, std::string> alias_by_factors;  // FactorsKey -> alias id
  std::map<std::string, Group> groups;
  std::map<std::string, std::string> group_by_name;
  std::map<std::string, std::string> galias_group;       // group alias id -> group id
  std::map<std::string, std::string> galias_by_factors;  // FactorsKey -> group alias id

  void IndexEntity(const Entity& e) {
    entity_by_name[NameKey(e.name)] = e.id;
    for (const auto& m : e.merged_entity_ids) merged_into[m] = e.id;
    for (const auto& a : e.aliases) {
      alias_entity[a.id] = e.id;
      alias_by_factors[FactorsKey(a.mount_accessor, a.name)] = a.id;
    }
  }
  void UnindexEntity(const Entity& e) {
    if (auto it = entity_by_name.find(NameKey(e.name)); it != entity_by_name.end() && it->second == e.id) {
      entity_by_name.erase(it);
    }
    for (const auto& m : e.merged_entity_ids) {
      if (auto it = merged_into.find(m); it != merged_into.end() && it->second == e.id) {
        merged_into.erase(it);
      }
    }
    for (const auto& a : e.aliases) {
      alias_entity.erase(a.id);
      auto f = alias_by_factors.find(FactorsKey(a.mount_accessor, a.name));
      if (f != alias_by_factors.end() && f->second == a.id) alias_by_factors.erase(f);
    }
  }
  // Replaces (or adds) an entity in memory with its indexes.
  void PutEntity(Entity e) {
    if (auto it = entities.find(e.id); it != entities.end()) UnindexEntity(it->second);
    IndexEntity(e);
    std::string id = e.id;
    entities[id] = std::move(e);
  }
  void DropEntity(const std::string& id) {
    auto it = entities.find(id);
    if (it == entities.end()) return;
    UnindexEntity(it->second);
    entities.erase(it);
  }
  void IndexGroup(const Group& g) {
    group_by_name[NameKey(g.name)] = g.id;
    if (g.alias) {
      galias_group[g.alias->id] = g.id;
      galias_by_factors[FactorsKey(g.alias->mount_accessor, g.alias->name)] = g.alias->id;
    }
  }
  void UnindexGroup(const Group& g) {
    if (auto it = group_by_name.find(NameKey(g.name)); it != group_by_name.end() && it->second == g.id) {
      group_by_name.erase(it);
    }
    if (g.alias) {
      galias_group.erase(g.alias->id);
      auto f = galias_by_factors.find(FactorsKey(g.alias->mount_accessor, g.alias->name));
      if (f != galias_by_factors.end() && f->second == g.alias->id) galias_by_factors.erase(f);
    }
  }
  void PutGroup(Group g) {
    if (auto it = groups.find(g.id); it != groups.end()) UnindexGroup(it->second);
    IndexGroup(g);
    std::string id = g.id;
    groups[id] = std::move(g);
  }
  void DropGroup(const std::string& id) {
    auto it = groups.find(id);
    if (it == groups.end()) return;
    UnindexGroup(it->second);
    groups.erase(it);
  }
  const Entity* FindEntity(std::string_view id) const {
    auto it = entities.find(std::string(id));
    return it == entities.end() ? nullptr : &it->second;
  }
  // The entity with this id, or the one it was merged into (tokens keep the old id).
  const Entity* FindEntityOrMerged(std::string_view id) const {
    if (const Entity* e = FindEntity(id)) return e;
    auto it = merged_into.find(std::string(id));
    return it == merged_into.end() ? nullptr : FindEntity(it->second);
  }
  const Group* FindGroup(std::string_view id) const {
    auto it = groups.find(std::string(id));
    return it == groups.end() ? nullptr : &it->second;
  }
  std::vector<std::string> ParentsOf(const std::string& group_id) const {
    std::vector<std::string> out;
    for (const auto& [id, g] : groups) {
      if (std::find(g.member_group_ids.begin(), g.member_group_ids.end(), group_id) !=
          g.member_group_ids.end()) {
        out.push_back(id);
      }
    }
    return out;
  }
  // True when `from` reaches `target` through member_group_ids (or is it).
  bool Reaches(const std::string& from, const std::string& target,
               std::set<std::string>& seen) const {
    if (from == target) return true;
    if (!seen.insert(from).second) return false;
    const Group* g = FindGroup(from);
    if (!g) return false;
    for (const auto& m : g->member_group_ids) {
      if (Reaches(m, target, seen)) return true;
    }
    return false;
  }
};

// A pending set of writes applied to storage in one batch, then to memory.
namespace {
struct Batch {
  std::vector<logical::WriteOp> ops;
  void PutEntity(const Entity& e) {
    ops.push_back({logical::WriteOp::Kind::kPut, std::string(kEntityPrefix) + e.id, EntityJson(e)});
  }
  void DeleteEntity(const std::string& id) {
    ops.push_back({logical::WriteOp::Kind::kDelete, std::string(kEntityPrefix) + id, ""});
  }
  void PutGroup(const Group& g) {
    ops.push_back({logical::WriteOp::Kind::kPut, std::string(kGroupPrefix) + g.id, GroupJson(g)});
  }
  void DeleteGroup(const std::string& id) {
    ops.push_back({logical::WriteOp::Kind::kDelete, std::string(kGroupPrefix) + id, ""});
  }
};
}  // namespace

IdentityStore::IdentityStore(logical::Storage& view, MountLookup mounts, Clock clock)
    : view_(view), mounts_(std::move(mounts)), clock_(std::move(clock)),
      state_(std::make_unique<State>()) {}

IdentityStore::~IdentityStore() = default;

int64_t IdentityStore::Now() const {
  if (clock_) return clock_();
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Status IdentityStore::Setup() {
  auto fresh = std::make_unique<State>();
  ARCA_ASSIGN_OR_RETURN(auto ekeys, view_.List(kEntityPrefix));
  for (const auto& k : ekeys) {
    if (k.empty() || k.back() == '/') continue;
    ARCA_ASSIGN_OR_RETURN(auto raw, view_.Get(std::string(kEntityPrefix) + k));
    if (!raw) continue;
    ARCA_ASSIGN_OR_RETURN(Entity e, EntityFrom(*raw));
    fresh->PutEntity(std::move(e));
  }
  ARCA_ASSIGN_OR_RETURN(auto gkeys, view_.List(kGroupPrefix));
  for (const auto& k : gkeys) {
    if (k.empty() || k.back() == '/') continue;
    ARCA_ASSIGN_OR_RETURN(auto raw, view_.Get(std::string(kGroupPrefix) + k));
    if (!raw) continue;
    ARCA_ASSIGN_OR_RETURN(Group g, GroupFrom(*raw));
    fresh->PutGroup(std::move(g));
  }
  std::unique_lock lock(mu_);
  state_ = std::move(fresh);
  return OkStatus();
}

void IdentityStore::Reset() {
  std::unique_lock lock(mu_);
  state_ = std::make_unique<State>();
}

// --- reads ---

namespace {
// Fills in the mount type/path of aliases (not stored: mounts may move).
void Resolve(const IdentityStore::MountLookup& mounts, Alias& a) {
  if (!mounts) return;
  if (auto m = mounts(a.mount_accessor)) {
    a.mount_type = m->type;
    a.mount_path = m->path;
  }
}
void Resolve(const IdentityStore::MountLookup& mounts, Entity& e) {
  for (auto& a : e.aliases) Resolve(mounts, a);
}
void ResolveGroupAlias(const IdentityStore::MountLookup& mounts, GroupAlias& a) {
  if (!mounts) return;
  if (auto m = mounts(a.mount_accessor)) {
    a.mount_type = m->type;
    a.mount_path = m->path;
  }
}
}  // namespace

#define ARCA_ID_COPY_ENTITY(ptr)           \
  std::optional<Entity> out;               \
  if (ptr) {                               \
    out = *(ptr);                          \
  }                                        \
  lock.unlock();                           \
  if (out) Resolve(mounts_, *out);         \
  return out

std::optional<Entity> IdentityStore::EntityById(std::string_view id) const {
  std::shared_lock lock(mu_);
  const Entity* e = state_->FindEntity(id);
  ARCA_ID_COPY_ENTITY(e);
}

std::optional<Entity> IdentityStore::EntityByName(std::string_view name) const {
  std::shared_lock lock(mu_);
  const Entity* e = nullptr;
  if (auto it = state_->entity_by_name.find(NameKey(name)); it != state_->entity_by_name.end()) {
    e = state_->FindEntity(it->second);
  }
  ARCA_ID_COPY_ENTITY(e);
}

std::optional<Entity> IdentityStore::EntityByAliasId(std::string_view alias_id) const {
  std::shared_lock lock(mu_);
  const Entity* e = nullptr;
  if (auto it = state_->alias_entity.find(std::string(alias_id)); it != state_->alias_entity.end()) {
    e = state_->FindEntity(it->second);
  }
  ARCA_ID_COPY_ENTITY(e);
}

std::optional<Entity> IdentityStore::EntityByAliasFactors(std::string_view mount_accessor,
                                                          std::string_view alias_name) const {
  std::shared_lock lock(mu_);
  const Entity* e = nullptr;
  if (auto it = state_->alias_by_factors.find(FactorsKey(mount_accessor, alias_name));
      it != state_->alias_by_factors.end()) {
    if (auto a = state_->alias_entity.find(it->second); a != state_->alias_entity.end()) {
      e = state_->FindEntity(a->second);
    }
  }
  ARCA_ID_COPY_ENTITY(e);
}

#undef ARCA_ID_COPY_ENTITY

std::optional<Alias> IdentityStore::AliasById(std::string_view alias_id) const {
  auto e = EntityByAliasId(alias_id);
  if (!e) return std::nullopt;
  for (auto& a : e->aliases) {
    if (a.id == alias_id) return a;
  }
  return std::nullopt;
}

std::vector<Entity> IdentityStore::Entities() const {
  std::vector<Entity> out;
  {
    std::shared_lock lock(mu_);
    out.reserve(state_->entities.size());
    for (const auto& [id, e] : state_->entities) out.push_back(e);
  }
  for (auto& e : out) Resolve(mounts_, e);
  return out;
}

size_t IdentityStore::EntityCount() const {
  std::shared_lock lock(mu_);
  return state_->entities.size();
}

std::vector<Alias> IdentityStore::Aliases() const {
  std::vector<Alias> out;
  for (auto& e : Entities()) {
    for (auto& a : e.aliases) out.push_back(std::move(a));
  }
  std::sort(out.begin(), out.end(), [](const Alias& a, const Alias& b) { return a.id < b.id; });
  return out;
}

namespace {
Group FinishGroup(const Group& g, const std::vector<std::string>& parents,
                  const IdentityStore::MountLookup& mounts) {
  Group out = g;
  out.parent_group_ids = parents;
  if (out.alias) ResolveGroupAlias(mounts, *out.alias);
  return out;
}
}  // namespace

std::optional<Group> IdentityStore::GroupById(std::string_view id) const {
  std::shared_lock lock(mu_);
  const Group* g = state_->FindGroup(id);
  if (!g) return std::nullopt;
  return FinishGroup(*g, state_->ParentsOf(g->id), mounts_);
}

std::optional<Group> IdentityStore::GroupByName(std::string_view name) const {
  std::string id;
  {
    std::shared_lock lock(mu_);
    auto it = state_->group_by_name.find(NameKey(name));
    if (it == state_->group_by_name.end()) return std::nullopt;
    id = it->second;
  }
  return GroupById(id);
}

std::optional<Group> IdentityStore::GroupByAliasId(std::string_view alias_id) const {
  std::string id;
  {
    std::shared_lock lock(mu_);
    auto it = state_->galias_group.find(std::string(alias_id));
    if (it == state_->galias_group.end()) return std::nullopt;
    id = it->second;
  }
  return GroupById(id);
}

std::optional<Group> IdentityStore::GroupByAliasFactors(std::string_view mount_accessor,
                                                        std::string_view alias_name) const {
  std::string alias_id;
  {
    std::shared_lock lock(mu_);
    auto it = state_->galias_by_factors.find(FactorsKey(mount_accessor, alias_name));
    if (it == state_->galias_by_factors.end()) return std::nullopt;
    alias_id = it->second;
  }
  return GroupByAliasId(alias_id);
}

std::optional<GroupAlias> IdentityStore::GroupAliasById(std::string_view alias_id) const {
  auto g = GroupByAliasId(alias_id);
  if (!g || !g->alias) return std::nullopt;
  return g->alias;
}

std::vector<Group> IdentityStore::Groups() const {
  std::vector<Group> out;
  std::shared_lock lock(mu_);
  for (const auto& [id, g] : state_->groups) out.push_back(FinishGroup(g, state_->ParentsOf(id), mounts_));
  return out;
}

std::vector<GroupAlias> IdentityStore::GroupAliases() const {
  std::vector<GroupAlias> out;
  for (auto& g : Groups()) {
    if (g.alias) out.push_back(*g.alias);
  }
  std::sort(out.begin(), out.end(),
            [](const GroupAlias& a, const GroupAlias& b) { return a.id < b.id; });
  return out;
}

EntityGroups IdentityStore::GroupsOfEntity(std::string_view entity_id) const {
  EntityGroups out;
  std::shared_lock lock(mu_);
  const State& s = *state_;
  std::set<std::string> direct, all;
  for (const auto& [id, g] : s.groups) {
    if (std::find(g.member_entity_ids.begin(), g.member_entity_ids.end(), entity_id) !=
        g.member_entity_ids.end()) {
      direct.insert(id);
    }
  }
  // Walk up: a group that lists a group we are in as a member contains us too.
  std::vector<std::string> todo(direct.begin(), direct.end());
  all = direct;
  while (!todo.empty()) {
    std::string cur = todo.back();
    todo.pop_back();
    for (const auto& p : s.ParentsOf(cur)) {
      if (all.insert(p).second) todo.push_back(p);
    }
  }
  for (const auto& id : all) {
    const Group* g = s.FindGroup(id);
    if (!g) continue;
    Group fin = FinishGroup(*g, s.ParentsOf(id), mounts_);
    (direct.count(id) ? out.direct : out.inherited).push_back(std::move(fin));
  }
  return out;
}

std::vector<std::string> IdentityStore::IdentityPolicies(std::string_view entity_id) const {
  // The request path: one shared lock, no copies of groups, no mount lookups.
  std::vector<std::string> out;
  if (entity_id.empty()) return out;
  std::shared_lock lock(mu_);
  const State& s = *state_;
  const Entity* e = s.FindEntityOrMerged(entity_id);
  if (!e) return out;
  out = e->policies;
  const std::string member_id = e->id;
  if (!s.groups.empty()) {
    std::set<std::string> seen;
    std::vector<std::string> todo;
    for (const auto& [id, g] : s.groups) {
      if (std::find(g.member_entity_ids.begin(), g.member_entity_ids.end(), member_id) !=
              g.member_entity_ids.end() &&
          seen.insert(id).second) {
        todo.push_back(id);
      }
    }
    while (!todo.empty()) {
      std::string cur = std::move(todo.back());
      todo.pop_back();
      if (const Group* g = s.FindGroup(cur)) {
        out.insert(out.end(), g->policies.begin(), g->policies.end());
      }
      for (auto& p : s.ParentsOf(cur)) {
        if (seen.insert(p).second) todo.push_back(std::move(p));
      }
    }
  }
  lock.unlock();
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

bool IdentityStore::EntityDisabled(std::string_view entity_id) const {
  std::shared_lock lock(mu_);
  const Entity* e = state_->FindEntityOrMerged(entity_id);
  return e != nullptr && e->disabled;
}

// --- logins ---

Result<Entity> IdentityStore::EntityForLogin(std::string_view mount_accessor,
                                             std::string_view mount_type,
                                             std::string_view alias_name,
                                             const StringMap& alias_metadata) {
  if (mount_accessor.empty() || alias_name.empty()) {
    return InvalidRequest("identity: a login alias needs a mount accessor and a name");
  }
  std::unique_lock lock(mu_);
  State& s = *state_;
  const int64_t now = Now();
  if (auto f = s.alias_by_factors.find(FactorsKey(mount_accessor, alias_name));
      f != s.alias_by_factors.end()) {
    auto owner = s.alias_entity.find(f->second);
    if (owner != s.alias_entity.end()) {
      if (const Entity* cur = s.FindEntity(owner->second)) {
        Entity e = *cur;
        bool changed = false;
        for (auto& a : e.aliases) {
          if (a.id == f->second && a.metadata != alias_metadata) {
            a.metadata = alias_metadata;
            a.last_update_ns = now;
            changed = true;
          }
        }
        if (changed) {
          ARCA_RETURN_IF_ERROR(view_.Put(std::string(kEntityPrefix) + e.id, EntityJson(e)));
          s.PutEntity(e);
        }
        lock.unlock();
        Resolve(mounts_, e);
        return e;
      }
    }
  }
  Entity e;
  e.id = GenerateUuid();
  e.name = "entity-" + GenerateUuid();
  e.creation_ns = e.last_update_ns = now;
  Alias a;
  a.id = GenerateUuid();
  a.canonical_id = e.id;
  a.mount_accessor = std::string(mount_accessor);
  a.name = std::string(alias_name);
  a.metadata = alias_metadata;
  a.creation_ns = a.last_update_ns = now;
  e.aliases.push_back(std::move(a));
  ARCA_RETURN_IF_ERROR(view_.Put(std::string(kEntityPrefix) + e.id, EntityJson(e)));
  s.PutEntity(e);
  lock.unlock();
  (void)mount_type;
  Resolve(mounts_, e);
  return e;
}

Status IdentityStore::RefreshExternalGroups(std::string_view entity_id,
                                            std::string_view mount_accessor,
                                            const std::vector<std::string>& group_alias_names) {
  if (entity_id.empty() || mount_accessor.empty()) return OkStatus();
  std::unique_lock lock(mu_);
  State& s = *state_;
  if (!s.FindEntity(entity_id)) return InvalidRequest("identity: unknown entity for a login");
  std::set<std::string> wanted;  // group ids
  for (const auto& name : group_alias_names) {
    auto f = s.galias_by_factors.find(FactorsKey(mount_accessor, name));
    if (f == s.galias_by_factors.end()) continue;
    if (auto g = s.galias_group.find(f->second); g != s.galias_group.end()) wanted.insert(g->second);
  }
  const std::string eid(entity_id);
  const int64_t now = Now();
  Batch b;
  std::vector<Group> changed;
  for (const auto& [id, g] : s.groups) {
    if (g.type != "external" || !g.alias || g.alias->mount_accessor != mount_accessor) continue;
    const bool member = std::find(g.member_entity_ids.begin(), g.member_entity_ids.end(), eid) !=
                        g.member_entity_ids.end();
    const bool want = wanted.count(id) > 0;
    if (member == want) continue;
    Group ng = g;
    if (want) {
      ng.member_entity_ids.push_back(eid);
    } else {
      Erase(ng.member_entity_ids, eid);
    }
    ng.last_update_ns = now;
    ++ng.modify_index;
    b.PutGroup(ng);
    changed.push_back(std::move(ng));
  }
  if (changed.empty()) return OkStatus();
  ARCA_RETURN_IF_ERROR(view_.Commit(b.ops));
  for (auto& g : changed) s.PutGroup(std::move(g));
  return OkStatus();
}

// --- entities ---

Result<std::pair<Entity, bool>> IdentityStore::UpsertEntity(const EntityUpdate& u) {
  std::unique_lock lock(mu_);
  State& s = *state_;
  Entity e;
  bool found = false;
  if (!u.id.empty()) {
    const Entity* cur = s.FindEntity(u.id);
    if (!cur) return InvalidRequest("entity not found from id");
    e = *cur;
    found = true;
  }
  if (!u.name.empty()) {
    auto it = s.entity_by_name.find(NameKey(u.name));
    if (it != s.entity_by_name.end()) {
      if (!found) {
        e = *s.FindEntity(it->second);
        found = true;
      } else if (it->second != e.id) {
        return InvalidRequest("entity name is already in use");
      }
    }
    e.name = u.name;
  }
  if (u.policies) e.policies = NormalizePolicies(*u.policies);
  if (std::find(e.policies.begin(), e.policies.end(), "root") != e.policies.end()) {
    return InvalidRequest("policies cannot contain root");
  }
  if (u.disabled) e.disabled = *u.disabled;
  if (u.metadata) e.metadata = *u.metadata;
  const int64_t now = Now();
  const bool created = !found;
  if (created) {
    e.id = GenerateUuid();
    e.creation_ns = now;
    if (e.name.empty()) e.name = "entity-" + GenerateUuid();
  }
  e.last_update_ns = now;
  ARCA_RETURN_IF_ERROR(view_.Put(std::string(kEntityPrefix) + e.id, EntityJson(e)));
  s.PutEntity(e);
  lock.unlock();
  Resolve(mounts_, e);
  return std::make_pair(std::move(e), created);
}

Result<std::pair<Entity, bool>> IdentityStore::UpsertEntityByName(std::string_view name,
                                                                  EntityUpdate u) {
  if (name.empty()) return InvalidRequest("missing entity name");
  u.id.clear();
  u.name = std::string(name);
  return UpsertEntity(u);
}

namespace {
// Drops `entity_id` from every group listing it (into `batch` and the changed groups).
void RemoveMemberships(const std::map<std::string, Group>& groups, const std::string& entity_id,
                       std::map<std::string, Group>& changed, int64_t now) {
  for (const auto& [gid, g] : groups) {
    const Group& cur = changed.count(gid) ? changed.at(gid) : g;
    if (std::find(cur.member_entity_ids.begin(), cur.member_entity_ids.end(), entity_id) ==
        cur.member_entity_ids.end()) {
      continue;
    }
    Group ng = cur;
    Erase(ng.member_entity_ids, entity_id);
    ng.last_update_ns = now;
    ++ng.modify_index;
    changed[gid] = std::move(ng);
  }
}
}  // namespace

Result<bool> IdentityStore::DeleteEntity(std::string_view id) {
  std::unique_lock lock(mu_);
  State& s = *state_;
  if (!s.FindEntity(id)) return false;
  std::string eid(id);
  std::map<std::string, Group> changed;
  RemoveMemberships(s.groups, eid, changed, Now());
  Batch b;
  for (const auto& [gid, g] : changed) b.PutGroup(g);
  b.DeleteEntity(eid);
  ARCA_RETURN_IF_ERROR(view_.Commit(b.ops));
  for (auto& [gid, g] : changed) s.PutGroup(std::move(g));
  s.DropEntity(eid);
  return true;
}

Status IdentityStore::BatchDeleteEntities(const std::vector<std::string>& ids) {
  if (ids.empty()) return InvalidRequest("missing entity ids to delete");
  std::unique_lock lock(mu_);
  State& s = *state_;
  std::map<std::string, Group> changed;
  const int64_t now = Now();
  Batch b;
  std::vector<std::string> gone;
  for (const auto& id : ids) {
    if (!s.FindEntity(id)) continue;  // Vault skips unknown ids
    RemoveMemberships(s.groups, id, changed, now);
    b.DeleteEntity(id);
    gone.push_back(id);
  }
  for (const auto& [gid, g] : changed) b.PutGroup(g);
  if (b.ops.empty()) return OkStatus();
  ARCA_RETURN_IF_ERROR(view_.Commit(b.ops));
  for (auto& [gid, g] : changed) s.PutGroup(std::move(g));
  for (const auto& id : gone) s.DropEntity(id);
  return OkStatus();
}

Status IdentityStore::Merge(const MergeRequest& m, std::vector<MergeConflict>* conflicts) {
  if (m.to_entity_id.empty()) return InvalidRequest("missing entity id to merge to");
  if (m.from_entity_ids.empty()) return InvalidRequest("missing entity ids to merge from");
  std::unique_lock lock(mu_);
  State& s = *state_;
  const Entity* to_cur = s.FindEntity(m.to_entity_id);
  if (!to_cur) return InvalidRequest("entity id to merge to is invalid");
  if (!m.conflicting_alias_ids_to_keep.empty() && m.from_entity_ids.size() > 1) {
    return InvalidRequest(
        "aliases conflicts cannot be resolved with multiple from entity ids - merge one entity "
        "at a time");
  }
  std::vector<std::string> from_ids;
  for (const auto& f : m.from_entity_ids) AddUnique(from_ids, f);
  Entity to = *to_cur;
  // Validation and conflict detection first: nothing changes on an error.
  std::map<std::string, std::string> from_accessors;  // accessor -> from entity id
  std::vector<MergeConflict> clashes;
  for (const auto& fid : from_ids) {
    if (fid == to.id) return InvalidRequest("to_entity_id should not be present in from_entity_ids");
    const Entity* from = s.FindEntity(fid);
    if (!from) return InvalidRequest("entity id to merge from is invalid");
    for (const auto& fa : from->aliases) {
      auto seen = from_accessors.find(fa.mount_accessor);
      if (seen != from_accessors.end() && seen->second != fid) {
        return InvalidRequest("mount accessor " + fa.mount_accessor +
                              " found in multiple fromEntities, merge should be done with one "
                              "fromEntity at a time");
      }
      from_accessors[fa.mount_accessor] = fid;
      for (const auto& ta : to.aliases) {
        if (ta.mount_accessor != fa.mount_accessor) continue;
        const auto& keep = m.conflicting_alias_ids_to_keep;
        if (std::find(keep.begin(), keep.end(), ta.id) != keep.end() ||
            std::find(keep.begin(), keep.end(), fa.id) != keep.end()) {
          continue;
        }
        clashes.push_back({fa.mount_accessor, to.id, fid, ta.id, fa.id});
      }
    }
  }
  if (!clashes.empty()) {
    if (conflicts) *conflicts = clashes;
    if (!m.conflicting_alias_ids_to_keep.empty()) {
      return InvalidRequest(
          "conflicting mount accessors in following alias IDs and neither were present in "
          "conflicting_alias_ids_to_keep: " +
          clashes[0].from_alias_id + ", " + clashes[0].to_alias_id);
    }
    std::string msg =
        "toEntity and at least one fromEntity have aliases with the same mount accessor, repeat "
        "the merge request specifying exactly one fromEntity, clashes: ";
    for (const auto& c : clashes) {
      msg += "mountAccessor: " + c.mount_accessor + ", toEntity ID: " + c.to_entity_id +
             ", fromEntity ID: " + c.from_entity_id + ", conflicting toEntity alias ID: " +
             c.to_alias_id + ", conflicting fromEntity alias ID: " + c.from_alias_id + "; ";
    }
    return InvalidRequest(msg);
  }
  const int64_t now = Now();
  std::map<std::string, Group> changed;
  std::vector<std::string> moved_from_groups;
  const auto& keep = m.conflicting_alias_ids_to_keep;
  for (const auto& fid : from_ids) {
    const Entity& from = *s.FindEntity(fid);
    for (Alias fa : from.aliases) {
      bool drop_from = false;
      for (auto it = to.aliases.begin(); it != to.aliases.end();) {
        if (it->mount_accessor != fa.mount_accessor) {
          ++it;
          continue;
        }
        if (std::find(keep.begin(), keep.end(), it->id) != keep.end()) {
          drop_from = true;
          ++it;
        } else {
          it = to.aliases.erase(it);  // the from alias is kept
        }
      }
      if (drop_from) continue;
      fa.canonical_id = to.id;
      fa.merged_from_canonical_ids.push_back(from.id);
      fa.last_update_ns = now;
      to.aliases.push_back(std::move(fa));
    }
    to.merged_entity_ids.insert(to.merged_entity_ids.end(), from.merged_entity_ids.begin(),
                                from.merged_entity_ids.end());
    to.merged_entity_ids.push_back(from.id);
    // Its group memberships move to the target.
    for (const auto& [gid, g] : s.groups) {
      const Group& cur = changed.count(gid) ? changed.at(gid) : g;
      if (std::find(cur.member_entity_ids.begin(), cur.member_entity_ids.end(), fid) ==
          cur.member_entity_ids.end()) {
        continue;
      }
      Group ng = cur;
      Erase(ng.member_entity_ids, fid);
      AddUnique(ng.member_entity_ids, to.id);
      ng.last_update_ns = now;
      ++ng.modify_index;
      changed[gid] = std::move(ng);
    }
  }
  to.last_update_ns = now;
  Batch b;
  b.PutEntity(to);
  for (const auto& [gid, g] : changed) b.PutGroup(g);
  for (const auto& fid : from_ids) b.DeleteEntity(fid);
  ARCA_RETURN_IF_ERROR(view_.Commit(b.ops));
  for (const auto& fid : from_ids) s.DropEntity(fid);
  s.PutEntity(std::move(to));
  for (auto& [gid, g] : changed) s.PutGroup(std::move(g));
  return OkStatus();
}

// --- entity aliases ---

Result<std::pair<std::optional<Alias>, bool>> IdentityStore::WriteAlias(const AliasWrite& w) {
  using Out = std::pair<std::optional<Alias>, bool>;
  std::unique_lock lock(mu_);
  State& s = *state_;
  const int64_t now = Now();
  std::string name = w.name;
  std::string accessor = w.mount_accessor;
  const Alias* existing = nullptr;
  const Entity* owner = nullptr;
  auto find_alias = [&](const std::string& alias_id) {
    auto it = s.alias_entity.find(alias_id);
    if (it == s.alias_entity.end()) return;
    owner = s.FindEntity(it->second);
    if (!owner) return;
    for (const auto& a : owner->aliases) {
      if (a.id == alias_id) existing = &a;
    }
  };
  if (!w.id.empty()) {
    find_alias(w.id);
    if (!existing) return InvalidRequest("invalid alias ID provided");
    if (accessor.empty() && name.empty() && w.canonical_id.empty() && !w.custom_metadata) {
      return Out{std::nullopt, false};  // nothing to do
    }
    if (accessor.empty()) accessor = existing->mount_accessor;
    if (name.empty()) name = existing->name;
  } else {
    if (accessor.empty() || name.empty()) {
      return InvalidRequest("'id' or 'mount_accessor' and 'name' must be provided");
    }
    if (!mounts_ || !mounts_(accessor)) {
      return InvalidRequest("invalid mount accessor \"" + accessor + "\"");
    }
    if (auto f = s.alias_by_factors.find(FactorsKey(accessor, name)); f != s.alias_by_factors.end()) {
      find_alias(f->second);
    }
  }

  if (!existing) {
    // Create.
    Entity e;
    bool new_entity = false;
    if (!w.canonical_id.empty()) {
      const Entity* cur = s.FindEntity(w.canonical_id);
      if (!cur) return InvalidRequest("invalid canonical ID");
      e = *cur;
    } else {
      new_entity = true;
      e.id = GenerateUuid();
      e.name = "entity-" + GenerateUuid();
      e.creation_ns = now;
    }
    for (const auto& a : e.aliases) {
      if (a.mount_accessor == accessor) {
        return InvalidRequest("Alias already exists for requested entity and mount accessor");
      }
    }
    Alias a;
    a.id = GenerateUuid();
    a.canonical_id = e.id;
    a.mount_accessor = accessor;
    a.name = name;
    if (w.custom_metadata) a.custom_metadata = *w.custom_metadata;
    a.creation_ns = a.last_update_ns = now;
    e.aliases.push_back(a);
    e.last_update_ns = now;
    (void)new_entity;
    ARCA_RETURN_IF_ERROR(view_.Put(std::string(kEntityPrefix) + e.id, EntityJson(e)));
    s.PutEntity(std::move(e));
    lock.unlock();
    Resolve(mounts_, a);
    return Out{std::move(a), true};
  }

  // Update.
  Alias a = *existing;
  Entity from = *owner;
  if (accessor != a.mount_accessor) {
    for (const auto& o : from.aliases) {
      if (o.id != a.id && o.mount_accessor == accessor) {
        return InvalidRequest(
            "Alias cannot be updated as the entity already has an alias for the given "
            "'mount_accessor' ");
      }
    }
    if (!mounts_ || !mounts_(accessor)) {
      return InvalidRequest("invalid mount accessor \"" + accessor + "\"");
    }
  }
  if (accessor != a.mount_accessor || name != a.name) {
    auto f = s.alias_by_factors.find(FactorsKey(accessor, name));
    if (f != s.alias_by_factors.end() && f->second != a.id) {
      return InvalidRequest("alias with combination of mount accessor and name already exists");
    }
  }
  a.mount_accessor = accessor;
  a.name = name;
  if (w.custom_metadata) a.custom_metadata = *w.custom_metadata;
  a.last_update_ns = now;
  Batch b;
  std::optional<Entity> to;
  if (!w.canonical_id.empty() && w.canonical_id != from.id) {
    const Entity* target = s.FindEntity(w.canonical_id);
    if (!target) return InvalidRequest("given 'canonical_id' is not associated with an entity");
    for (const auto& o : target->aliases) {
      if (o.mount_accessor == accessor) {
        return InvalidRequest(
            "Alias cannot be updated as the given entity already has an alias for this mount ");
      }
    }
    to = *target;
    a.merged_from_canonical_ids.push_back(from.id);
    a.canonical_id = to->id;
    std::erase_if(from.aliases, [&](const Alias& x) { return x.id == a.id; });
    to->aliases.push_back(a);
    to->last_update_ns = now;
    b.PutEntity(*to);
  } else {
    for (auto& x : from.aliases) {
      if (x.id == a.id) x = a;
    }
  }
  from.last_update_ns = now;
  b.PutEntity(from);
  ARCA_RETURN_IF_ERROR(view_.Commit(b.ops));
  s.PutEntity(std::move(from));
  if (to) s.PutEntity(std::move(*to));
  lock.unlock();
  Resolve(mounts_, a);
  return Out{std::move(a), false};
}

Result<bool> IdentityStore::DeleteAlias(std::string_view alias_id) {
  std::unique_lock lock(mu_);
  State& s = *state_;
  auto it = s.alias_entity.find(std::string(alias_id));
  if (it == s.alias_entity.end()) return false;
  const Entity* owner = s.FindEntity(it->second);
  if (!owner) return false;
  Entity e = *owner;
  std::erase_if(e.aliases, [&](const Alias& a) { return a.id == alias_id; });
  e.last_update_ns = Now();
  ARCA_RETURN_IF_ERROR(view_.Put(std::string(kEntityPrefix) + e.id, EntityJson(e)));
  s.PutEntity(std::move(e));
  return true;
}

// --- groups ---

Result<std::pair<Group, bool>> IdentityStore::UpsertGroup(std::optional<std::string> id,
                                                          const GroupUpdate& u) {
  std::unique_lock lock(mu_);
  State& s = *state_;
  Group g;
  bool created = true;
  if (id) {
    const Group* cur = s.FindGroup(*id);
    if (!cur) return InvalidRequest("invalid group ID");
    g = *cur;
    created = false;
  }
  if (u.policies) g.policies = NormalizePolicies(*u.policies);
  if (std::find(g.policies.begin(), g.policies.end(), "root") != g.policies.end()) {
    return InvalidRequest("policies cannot contain root");
  }
  if (u.type) {
    if (!created && *u.type != g.type && !u.type->empty()) {
      return InvalidRequest("group type cannot be changed");
    }
    if (!u.type->empty()) g.type = *u.type;
  }
  if (g.type.empty()) g.type = "internal";
  if (g.type != "internal" && g.type != "external") {
    return InvalidRequest("invalid group type \"" + g.type + "\"");
  }
  if (!u.name.empty()) {
    auto it = s.group_by_name.find(NameKey(u.name));
    if (it != s.group_by_name.end() && it->second != g.id) {
      return InvalidRequest("group name is already in use");
    }
    g.name = u.name;
  }
  if (u.metadata) g.metadata = *u.metadata;
  if (u.member_entity_ids) {
    if (g.type == "external") {
      return InvalidRequest("member entities can't be set manually for external groups");
    }
    std::vector<std::string> ids;
    for (const auto& e : *u.member_entity_ids) {
      if (e.empty()) continue;
      if (!s.FindEntity(e)) return InvalidRequest("invalid entity ID \"" + e + "\"");
      AddUnique(ids, e);
    }
    g.member_entity_ids = std::move(ids);
  }
  const int64_t now = Now();
  if (created) {
    g.id = GenerateUuid();
    g.creation_ns = now;
    if (g.name.empty()) g.name = "group-" + GenerateUuid();
  }
  if (u.member_group_ids) {
    if (g.type == "external") {
      return InvalidRequest("member groups can't be set for external groups");
    }
    std::vector<std::string> ids;
    for (const auto& m : *u.member_group_ids) {
      if (m.empty()) continue;
      if (!s.FindGroup(m)) return InvalidRequest("invalid member group ID \"" + m + "\"");
      if (m == g.id) {
        return InvalidRequest("member group ID \"" + g.id + "\" is same as the ID of the group");
      }
      // A cycle: the new member already contains this group.
      std::set<std::string> seen;
      if (!created && s.Reaches(m, g.id, seen)) {
        return InvalidRequest("cyclic relationship detected for member group ID \"" + m + "\"");
      }
      AddUnique(ids, m);
    }
    g.member_group_ids = std::move(ids);
  }
  g.last_update_ns = now;
  ++g.modify_index;
  ARCA_RETURN_IF_ERROR(view_.Put(std::string(kGroupPrefix) + g.id, GroupJson(g)));
  s.PutGroup(g);
  Group out = FinishGroup(g, s.ParentsOf(g.id), mounts_);
  return std::make_pair(std::move(out), created);
}

Result<std::pair<Group, bool>> IdentityStore::UpsertGroupByName(std::string_view name,
                                                                GroupUpdate u) {
  if (name.empty()) return InvalidRequest("empty group name");
  std::optional<std::string> id;
  {
    std::shared_lock lock(mu_);
    auto it = state_->group_by_name.find(NameKey(name));
    if (it != state_->group_by_name.end()) id = it->second;
  }
  u.name = std::string(name);
  return UpsertGroup(id, u);
}

Result<bool> IdentityStore::DeleteGroup(std::string_view id) {
  std::unique_lock lock(mu_);
  State& s = *state_;
  if (!s.FindGroup(id)) return false;
  std::string gid(id);
  // Parents drop it from their member lists.
  Batch b;
  std::vector<Group> parents;
  for (const auto& pid : s.ParentsOf(gid)) {
    Group p = *s.FindGroup(pid);
    Erase(p.member_group_ids, gid);
    p.last_update_ns = Now();
    ++p.modify_index;
    b.PutGroup(p);
    parents.push_back(std::move(p));
  }
  b.DeleteGroup(gid);
  ARCA_RETURN_IF_ERROR(view_.Commit(b.ops));
  for (auto& p : parents) s.PutGroup(std::move(p));
  s.DropGroup(gid);
  return true;
}

// --- group aliases ---

Result<GroupAlias> IdentityStore::WriteGroupAlias(const GroupAliasWrite& w) {
  std::unique_lock lock(mu_);
  State& s = *state_;
  const int64_t now = Now();
  std::optional<GroupAlias> existing;
  std::string old_group;
  if (!w.id.empty()) {
    auto it = s.galias_group.find(w.id);
    if (it == s.galias_group.end()) return InvalidRequest("invalid group alias ID");
    old_group = it->second;
    existing = s.FindGroup(old_group)->alias;
  }
  GroupAlias a = existing ? *existing : GroupAlias{};
  if (!w.name.empty()) a.name = w.name;
  if (!w.mount_accessor.empty()) a.mount_accessor = w.mount_accessor;
  if (a.name.empty()) return InvalidRequest("missing alias name");
  if (a.mount_accessor.empty()) return InvalidRequest("missing mount_accessor");
  if (!mounts_ || !mounts_(a.mount_accessor)) {
    return InvalidRequest("invalid mount accessor \"" + a.mount_accessor + "\"");
  }
  std::string target = w.canonical_id.empty() ? old_group : w.canonical_id;
  // No group given for a new alias: Vault creates an external group for it.
  Group created_group;
  const Group* g = nullptr;
  if (target.empty()) {
    created_group.id = GenerateUuid();
    created_group.name = "group-" + GenerateUuid();
    created_group.type = "external";
    created_group.creation_ns = now;
    target = created_group.id;
    g = &created_group;
  } else {
    g = s.FindGroup(target);
  }
  if (!g) return InvalidRequest("invalid group ID given in 'canonical_id'");
  if (g->type != "external") return InvalidRequest("alias can't be set on an internal group");
  if (g->alias && g->alias->id != a.id) {
    return InvalidRequest("group already has an alias");
  }
  if (auto f = s.galias_by_factors.find(FactorsKey(a.mount_accessor, a.name));
      f != s.galias_by_factors.end() && f->second != a.id) {
    return InvalidRequest("combination of mount and group alias name is already in use");
  }
  if (a.id.empty()) {
    a.id = GenerateUuid();
    a.creation_ns = now;
  }
  a.canonical_id = target;
  a.last_update_ns = now;
  Batch b;
  std::optional<Group> old;
  if (!old_group.empty() && old_group != target) {
    old = *s.FindGroup(old_group);
    old->alias.reset();
    old->last_update_ns = now;
    b.PutGroup(*old);
  }
  Group ng = *g;
  ng.alias = a;
  ng.last_update_ns = now;
  ++ng.modify_index;
  b.PutGroup(ng);
  ARCA_RETURN_IF_ERROR(view_.Commit(b.ops));
  if (old) s.PutGroup(std::move(*old));
  s.PutGroup(std::move(ng));
  lock.unlock();
  ResolveGroupAlias(mounts_, a);
  return a;
}

Result<bool> IdentityStore::DeleteGroupAlias(std::string_view alias_id) {
  std::unique_lock lock(mu_);
  State& s = *state_;
  auto it = s.galias_group.find(std::string(alias_id));
  if (it == s.galias_group.end()) return false;
  Group g = *s.FindGroup(it->second);
  g.alias.reset();
  g.last_update_ns = Now();
  ARCA_RETURN_IF_ERROR(view_.Put(std::string(kGroupPrefix) + g.id, GroupJson(g)));
  s.PutGroup(std::move(g));
  return true;
}

}  // namespace arca::core::identity
