// audit::Hasher: the salted HMAC that hides secrets in audit entries, in Vault's identified
// form "hmac-sha256:<64 hex digits>". The salt is a per-device random key (kSaltSize bytes),
// persisted by the broker so hashes stay stable across restarts.
//
// Thread-safety: immutable after construction; all methods may be called concurrently.
#pragma once

#include <string>
#include <string_view>

#include "common/json.h"
#include "crypto/hmac.h"

namespace arca::audit {

inline constexpr size_t kSaltSize = 32;
inline constexpr std::string_view kHashPrefix = "hmac-sha256:";

class Hasher {
 public:
  explicit Hasher(std::string_view salt);
  Hasher(const Hasher&) = delete;
  Hasher& operator=(const Hasher&) = delete;

  // "hmac-sha256:" + hex(HMAC-SHA256(salt, in)).
  std::string Hash(std::string_view in) const;

  // Replaces every string leaf of `v` (recursively through objects and arrays) by its hash.
  // Numbers, bools and null are left as they are.
  void HashStrings(json::value& v) const;
  // The same for the members of an object, except the top-level keys listed in `skip`.
  template <typename Keys>
  void HashObject(json::object& o, const Keys& skip) const {
    for (auto& [k, v] : o) {
      bool exempt = false;
      for (const auto& s : skip) {
        if (std::string_view(s) == std::string_view(k)) exempt = true;
      }
      if (!exempt) HashStrings(v);
    }
  }

 private:
  crypto::HmacSha256Keyed mac_;  // keyed with the salt
};

}  // namespace arca::audit
