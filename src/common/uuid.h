// Random (version 4) UUIDs in canonical 8-4-4-4-12 lower-case form, from OpenSSL's CSPRNG.
#pragma once

#include <string>
#include <string_view>

namespace arca {

std::string GenerateUuid();
// A version 4 UUID from a per-thread PRNG seeded from the CSPRNG: unique, cheap, not secret.
// For request IDs on the hot path; never for anything that must be unguessable.
std::string GenerateRequestId();
bool IsUuid(std::string_view s);

}  // namespace arca
