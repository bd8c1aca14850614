#include "common/secure_bytes.h"

#include <openssl/crypto.h>

namespace arca {

void SecureBytes::Wipe() {
  if (!data_.empty()) OPENSSL_cleanse(data_.data(), data_.size());
}

void SecureBytes::resize(size_t n) {
  if (n <= data_.capacity()) {
    if (n < data_.size()) OPENSSL_cleanse(data_.data() + n, data_.size() - n);
    data_.resize(n);
    return;
  }
  std::vector<uint8_t> fresh(n, 0);
  std::copy(data_.begin(), data_.end(), fresh.begin());
  Wipe();
  data_.swap(fresh);
}

void SecureWipe(std::string& s) {
  if (!s.empty()) OPENSSL_cleanse(s.data(), s.size());
  s.clear();
}

}  // namespace arca
