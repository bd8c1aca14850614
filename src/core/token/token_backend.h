// The token auth method mounted at auth/token/. This issue provides the lookup paths
// (lookup-self, lookup, lookup-accessor); token creation, renewal and revocation follow with
// the tokens and policies issue.
#pragma once

#include <memory>

#include "logical/backend.h"

namespace arca::core {

class TokenStore;

// `store` must outlive the backend.
std::shared_ptr<logical::Backend> NewTokenBackend(TokenStore& store);

}  // namespace arca::core
