// Cryptographically secure random bytes from OpenSSL's CSPRNG (RAND_bytes). Requests of up to
// 32 bytes are served from a per-thread buffer of RAND_bytes output (see random.cc).
//
// Thread-safety: all functions are thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "common/secure_bytes.h"
#include "common/status.h"

namespace arca::crypto {

// Fills `out` with random bytes. Internal error if the CSPRNG fails; `out` is then zeroed, never
// left partly filled. An empty span succeeds.
Status RandomBytes(std::span<uint8_t> out);

// `n` random bytes of key material. Aborts the process if the CSPRNG fails: a caller asking for
// a key has no sane way to continue without one.
SecureBytes RandomKey(size_t n);

// `n` random bytes in a std::string (nonces, salts, identifiers). Aborts if the CSPRNG fails.
std::string RandomBytesString(size_t n);

// `n` uniformly random characters of [A-Za-z0-9] (tokens, root token OTPs). Aborts if the
// CSPRNG fails.
std::string RandomBase62(size_t n);

}  // namespace arca::crypto
