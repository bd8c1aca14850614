// Random (version 4) UUIDs in canonical 8-4-4-4-12 lower-case form, from OpenSSL's CSPRNG.
#pragma once

#include <string>
#include <string_view>

namespace arca {

std::string GenerateUuid();
bool IsUuid(std::string_view s);

}  // namespace arca
