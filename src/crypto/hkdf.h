// HKDF (RFC 5869) with SHA-256, extract-then-expand, through OpenSSL 3's EVP_KDF.
//
// Thread-safety: thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "common/secure_bytes.h"
#include "common/status.h"

namespace arca::crypto {

// Maximum output of HKDF-SHA256: 255 blocks of 32 bytes.
inline constexpr size_t kHkdfSha256MaxOutput = 255 * 32;

// Derives `out_len` bytes from input key material `key`. An empty `salt` means RFC 5869's
// default (32 zero bytes); `info` may be empty. Errors: InvalidRequest if `key` is empty or
// `out_len` is 0 or above kHkdfSha256MaxOutput; Internal if OpenSSL fails.
Result<SecureBytes> HkdfSha256(std::span<const uint8_t> key, std::string_view salt,
                               std::string_view info, size_t out_len);

}  // namespace arca::crypto
