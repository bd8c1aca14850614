#include "storage/postgresql/pg_keys.h"

namespace arca::storage::postgresql {

std::string EncodeKey(std::string_view raw) {
  std::string out;
  out.reserve(raw.size());
  for (char c : raw) {
    const auto b = static_cast<unsigned char>(c);
    if (b >= 0x02 && b <= 0x7e) {
      out.push_back(c);
    } else if (b <= 0x01) {
      out.push_back('\x01');
      out.push_back(static_cast<char>(b + 1));
    } else {
      const unsigned v = b - 0x7f;  // 0..128
      out.push_back('\x7f');
      out.push_back(static_cast<char>('0' + v / 16));
      out.push_back(static_cast<char>('0' + v % 16));
    }
  }
  return out;
}

std::string DecodeKey(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    const auto b = static_cast<unsigned char>(s[i]);
    if (b == 0x01 && i + 1 < s.size() && (s[i + 1] == '\x01' || s[i + 1] == '\x02')) {
      out.push_back(static_cast<char>(s[i + 1] - 1));
      ++i;
    } else if (b == 0x7f && i + 2 < s.size() && s[i + 1] >= '0' && s[i + 1] <= '8' &&
               s[i + 2] >= '0' && s[i + 2] <= '0' + 15) {
      const unsigned v = (s[i + 1] - '0') * 16 + (s[i + 2] - '0');
      if (v <= 128) {
        out.push_back(static_cast<char>(0x7f + v));
        i += 2;
        continue;
      }
      out.push_back(s[i]);
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

SplitKey Split(std::string_view encoded) {
  SplitKey out;
  const size_t last = encoded.rfind('/');
  if (last == std::string_view::npos) {
    out.path = "/";
    out.key = std::string(encoded);
    return out;
  }
  out.key = std::string(encoded.substr(last + 1));
  out.path = "/" + std::string(encoded.substr(0, last + 1));
  const size_t before = last == 0 ? std::string_view::npos : encoded.rfind('/', last - 1);
  out.parent_path =
      before == std::string_view::npos ? "/" : "/" + std::string(encoded.substr(0, before + 1));
  return out;
}

std::string Join(std::string_view path, std::string_view key) {
  std::string out;
  if (!path.empty()) path.remove_prefix(1);
  out.reserve(path.size() + key.size());
  out.append(path);
  out.append(key);
  return out;
}

std::string PrefixEnd(std::string_view prefix) {
  std::string out(prefix);
  out.back() = static_cast<char>(out.back() + 1);
  return out;
}

}  // namespace arca::storage::postgresql
