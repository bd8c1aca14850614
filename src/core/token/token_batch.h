// Batch tokens: the token entry travels inside the token. A batch token is "hvb." followed by
// the unpadded base64url encoding of AES-256-GCM(key, serialized TokenEntry, aad = kBatchAad).
// Nothing is stored for it; it cannot be revoked by itself and dies with its expiry or (unless
// an orphan) with its parent.
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "common/status.h"
#include "core/token/token_entry.h"

namespace arca::core {

inline constexpr std::string_view kBatchTokenPrefix = "hvb.";

bool IsBatchToken(std::string_view token);

// Seals `entry` (id_hash and accessor are dropped) under the 32-byte `key`.
Result<std::string> SealBatchToken(std::span<const uint8_t> key, const TokenEntry& entry);

// Opens a batch token. Anything that is not a well-formed token sealed under `key` (wrong
// prefix, bad encoding, tampering, another key) is InvalidRequest("invalid batch token").
// Expiry is not checked here.
Result<TokenEntry> OpenBatchToken(std::span<const uint8_t> key, std::string_view token);

}  // namespace arca::core
