#include "common/encoding.h"

#include <array>

namespace arca {
namespace {

constexpr char kStd[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr char kUrl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

// Byte -> sextet value, or -1 for a byte outside the alphabet.
using DecodeTable = std::array<int8_t, 256>;
constexpr DecodeTable MakeDecodeTable(const char* alphabet) {
  DecodeTable t{};
  for (auto& v : t) v = -1;
  for (int i = 0; i < 64; ++i) t[static_cast<uint8_t>(alphabet[i])] = static_cast<int8_t>(i);
  return t;
}
constexpr DecodeTable kStdDecode = MakeDecodeTable(kStd);
constexpr DecodeTable kUrlDecode = MakeDecodeTable(kUrl);

std::string Encode(std::string_view in, const char* alphabet, bool pad) {
  const size_t full = in.size() / 3, rest = in.size() % 3;
  std::string out(full * 4 + (rest == 0 ? 0 : pad ? 4 : rest + 1), '\0');
  const auto* p = reinterpret_cast<const uint8_t*>(in.data());
  char* o = out.data();
  for (size_t n = 0; n < full; ++n, p += 3, o += 4) {
    const uint32_t v = (uint32_t{p[0]} << 16) | (uint32_t{p[1]} << 8) | p[2];
    o[0] = alphabet[(v >> 18) & 63];
    o[1] = alphabet[(v >> 12) & 63];
    o[2] = alphabet[(v >> 6) & 63];
    o[3] = alphabet[v & 63];
  }
  if (rest != 0) {
    const uint32_t v = (uint32_t{p[0]} << 16) | (rest == 2 ? uint32_t{p[1]} << 8 : 0);
    o[0] = alphabet[(v >> 18) & 63];
    o[1] = alphabet[(v >> 12) & 63];
    if (rest == 2) o[2] = alphabet[(v >> 6) & 63];
    if (pad) {
      o[3] = '=';
      if (rest == 1) o[2] = '=';
    }
  }
  return out;
}

Result<std::string> Decode(std::string_view in, const DecodeTable& table) {
  // Strip padding (at most two '=').
  size_t len = in.size();
  size_t pads = 0;
  while (len > 0 && in[len - 1] == '=' && pads < 2) {
    --len;
    ++pads;
  }
  if (pads > 0 && (len + pads) % 4 != 0) return InvalidRequest("invalid base64: bad padding");
  if (len % 4 == 1) return InvalidRequest("invalid base64: bad length");
  std::string out(len / 4 * 3 + (len % 4 == 0 ? 0 : len % 4 - 1), '\0');
  char* o = out.data();
  const auto* p = reinterpret_cast<const uint8_t*>(in.data());
  uint32_t acc = 0;
  int bits = 0;
  for (size_t i = 0; i < len; ++i) {
    const int8_t v = table[p[i]];
    if (v < 0) return InvalidRequest("invalid base64: illegal character");
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      *o++ = static_cast<char>((acc >> bits) & 0xff);
    }
  }
  // Leftover bits must be zero for a canonical encoding.
  if (bits > 0 && (acc & ((1u << bits) - 1)) != 0) {
    return InvalidRequest("invalid base64: non-zero trailing bits");
  }
  return out;
}

}  // namespace

std::string Base64Encode(std::string_view bytes) { return Encode(bytes, kStd, true); }
Result<std::string> Base64Decode(std::string_view text) { return Decode(text, kStdDecode); }
std::string Base64UrlEncode(std::string_view bytes, bool pad) { return Encode(bytes, kUrl, pad); }
Result<std::string> Base64UrlDecode(std::string_view text) { return Decode(text, kUrlDecode); }

std::string HexEncode(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(bytes.size() * 2, '\0');
  char* o = out.data();
  for (unsigned char c : bytes) {
    *o++ = kDigits[c >> 4];
    *o++ = kDigits[c & 15];
  }
  return out;
}

Result<std::string> HexDecode(std::string_view text) {
  if (text.size() % 2 != 0) return InvalidRequest("invalid hex: odd length");
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out;
  out.reserve(text.size() / 2);
  for (size_t i = 0; i < text.size(); i += 2) {
    int hi = nibble(text[i]), lo = nibble(text[i + 1]);
    if (hi < 0 || lo < 0) return InvalidRequest("invalid hex: illegal character");
    out.push_back(static_cast<char>((hi << 4) | lo));
  }
  return out;
}

}  // namespace arca
