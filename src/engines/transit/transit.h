// The transit secrets engine (type "transit"): encryption as a service, following Vault's
// transit API (keys, encrypt/decrypt/rewrap, datakey, sign/verify, hmac, hash, random,
// export, backup/restore, cache-config, BYOK import). See docs/transit.md for what is supported
// and how it differs from Vault.
//
// Thread-safety: the backend is safe for concurrent requests. Keys are cached in memory (see
// key_store.h); InvalidateKey("policy/<name>") and Cleanup() drop cached keys.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>

#include "common/status.h"
#include "logical/backend.h"

namespace arca::engines::transit {

// The factory registered for type "transit". Fails only on a framework setup error (Internal).
Result<std::unique_ptr<logical::Backend>> NewTransitBackend(const logical::BackendConfig& config);

// As above with a clock: `now` gives Unix seconds for key creation times and automatic rotation
// (tests inject one; empty = the system clock).
Result<std::unique_ptr<logical::Backend>> NewTransitBackendWithClock(
    const logical::BackendConfig& config, std::function<int64_t()> now);

}  // namespace arca::engines::transit
