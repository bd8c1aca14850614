// Glob matching as Vault's allowed-name lists use it: '*' matches any run of characters
// (including none); every other character matches itself.
#pragma once

#include <string_view>

namespace arca {

bool GlobMatch(std::string_view pattern, std::string_view value);

}  // namespace arca
