#include "crypto/random.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <algorithm>
#include <climits>

#include "crypto/openssl_util.h"

namespace arca::crypto {

Status RandomBytes(std::span<uint8_t> out) {
  size_t done = 0;
  while (done < out.size()) {
    const size_t chunk = std::min<size_t>(out.size() - done, INT_MAX);
    if (RAND_bytes(out.data() + done, static_cast<int>(chunk)) != 1) {
      OPENSSL_cleanse(out.data(), out.size());
      return Internal("random number generator failed: " + internal::DrainOpenSslErrors());
    }
    done += chunk;
  }
  return OkStatus();
}

SecureBytes RandomKey(size_t n) {
  SecureBytes key(n);
  if (!RandomBytes({key.data(), key.size()})) {
    internal::FatalCryptoError("random number generator failed");
  }
  return key;
}

std::string RandomBytesString(size_t n) {
  std::string out(n, '\0');
  if (!RandomBytes({reinterpret_cast<uint8_t*>(out.data()), out.size()})) {
    internal::FatalCryptoError("random number generator failed");
  }
  return out;
}

}  // namespace arca::crypto
