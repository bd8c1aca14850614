// The identity data templates see (ACL policy paths, identity token claims), read from the
// identity store: the entity, its aliases and every group it is in (direct and inherited).
#pragma once

#include <memory>
#include <string_view>

#include "core/policy/template.h"

namespace arca::core::identity {

class IdentityStore;

// Null when the entity does not exist (or `entity_id` is empty). Thread-safe.
std::shared_ptr<const policy::IdentityData> IdentityDataFor(const IdentityStore& store,
                                                            std::string_view entity_id);

}  // namespace arca::core::identity
