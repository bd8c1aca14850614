#include "core/identity/oidc_identity.h"

#include "core/identity/identity_store.h"

namespace arca::core::identity {

std::shared_ptr<const policy::IdentityData> IdentityDataFor(const IdentityStore& store,
                                                            std::string_view entity_id) {
  if (entity_id.empty()) return nullptr;
  std::optional<Entity> e = store.EntityById(entity_id);
  if (!e) return nullptr;
  auto d = std::make_shared<policy::IdentityData>();
  d->entity_id = e->id;
  d->entity_name = e->name;
  d->disabled = e->disabled;
  d->metadata = e->metadata;
  for (const Alias& a : e->aliases) {
    d->aliases.push_back({.id = a.id,
                          .name = a.name,
                          .mount_accessor = a.mount_accessor,
                          .metadata = a.metadata,
                          .custom_metadata = a.custom_metadata});
  }
  EntityGroups groups = store.GroupsOfEntity(e->id);
  for (const auto* list : {&groups.direct, &groups.inherited}) {
    for (const Group& g : *list) d->groups.push_back({.id = g.id, .name = g.name, .metadata = g.metadata});
  }
  return d;
}

}  // namespace arca::core::identity
