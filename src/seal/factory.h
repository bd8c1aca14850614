// Builds the auto-unseal seal named by a `seal "<type>" { ... }` stanza.
//
// The types are listed in one table (factory.cc, SealFactories()); a seal type is added there
// with one line. "shamir" is not in it: the Shamir seal needs no SealAccess (NewSeal answers
// null for it).
#pragma once

#include <map>
#include <memory>
#include <string>

#include "common/status.h"
#include "config/config.h"
#include "core/seal/seal_access.h"

namespace arca::seal {

// type -> factory, for every auto-unseal seal this build knows.
const std::map<std::string, core::SealAccessFactory>& SealFactories();

// The seal of a stanza: null for "shamir"; InvalidRequest for an unknown type or bad options
// (the message names the stanza and the option). Does not contact the key service.
Result<std::unique_ptr<core::SealAccess>> NewSeal(const config::SealConfig& config);

}  // namespace arca::seal
