// HMAC (RFC 2104) over the digests of hash.h, through OpenSSL 3's EVP_MAC.
//
// Keys may have any length, including zero. Thread-safety: all functions are thread-safe.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "common/status.h"
#include "crypto/hash.h"

namespace arca::crypto {

// The raw 32-byte HMAC-SHA256 of `data` under `key`. Aborts the process if OpenSSL fails (it
// cannot, short of a broken installation).
std::string HmacSha256(std::span<const uint8_t> key, std::string_view data);

// The raw HMAC of `data` under `key` with digest `alg` (DigestSize(alg) bytes). Internal error
// only if OpenSSL cannot provide the algorithm.
Result<std::string> Hmac(HashAlgorithm alg, std::span<const uint8_t> key, std::string_view data);

}  // namespace arca::crypto
