// Constant-time comparison of secrets (tokens, MACs, password hashes).
//
// Thread-safety: pure function.
#pragma once

#include <string_view>

namespace arca::crypto {

// True iff `a` and `b` hold the same bytes. The time taken depends only on the lengths, never on
// the contents (CRYPTO_memcmp). Different lengths return false after a comparison of the same
// cost as an equal-length one, so the contents still do not affect the timing; the lengths
// themselves are not hidden.
bool ConstantTimeEquals(std::string_view a, std::string_view b);

}  // namespace arca::crypto
