// Text encodings of bytes: base64 (standard and URL-safe alphabets) and hex.
// Decoders reject malformed input with an InvalidRequest error and never return partial output.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "common/status.h"

namespace arca {

std::string Base64Encode(std::string_view bytes);
// Accepts padded or unpadded standard base64.
Result<std::string> Base64Decode(std::string_view text);
std::string Base64UrlEncode(std::string_view bytes, bool pad = false);
Result<std::string> Base64UrlDecode(std::string_view text);

std::string HexEncode(std::string_view bytes);
// Accepts upper or lower case; odd length or non-hex characters are errors.
Result<std::string> HexDecode(std::string_view text);

inline std::string_view AsChars(std::span<const uint8_t> b) {
  return {reinterpret_cast<const char*>(b.data()), b.size()};
}

}  // namespace arca
