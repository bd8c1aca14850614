// Shamir's secret sharing over GF(2^8) (AES polynomial 0x11b), one polynomial per secret byte.
// Used to split the root/unseal key into unseal key shares.
//
// Share format (same shape as Vault's): the y-bytes, exactly as long as the secret, followed by
// one byte holding the share's x coordinate (non-zero, distinct within a split, chosen at
// random). A share is thus secret.size() + 1 bytes.
//
// Errors are InvalidRequest with a message fit for an API user. Shares and coefficients are held
// in SecureBytes and wiped when released. Thread-safety: thread-safe (no shared state).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "common/secure_bytes.h"
#include "common/status.h"

namespace arca::crypto {

// Splits `secret` (non-empty) into `parts` shares (1..255), any `threshold` (1..parts) of which
// recombine it. With threshold 1 every share's y-bytes equal the secret. Internal error if the
// CSPRNG fails.
Result<std::vector<SecureBytes>> ShamirSplit(std::span<const uint8_t> secret, int parts,
                                             int threshold);

// Recombines shares produced by ShamirSplit, in any order. Requires at least one share, all of
// the same length (at least 2 bytes), no x coordinate of 0 and no duplicate x coordinate.
// Fewer shares than the threshold yield a wrong secret without an error (that is inherent to
// the scheme); the caller verifies the result, e.g. by decrypting the keyring with it.
Result<SecureBytes> ShamirCombine(std::span<const SecureBytes> shares);

}  // namespace arca::crypto
