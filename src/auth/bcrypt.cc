#include "auth/bcrypt.h"

#include <crypt.h>

#include <memory>

#include "crypto/compare.h"
#include "crypto/random.h"

namespace arca::auth {
namespace {

constexpr std::string_view kAlphabet =
    "./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

// crypt_r on a heap crypt_data (it is ~32 KiB). Empty on failure (libcrypt returns "*0"/"*1"
// or null).
std::string CryptR(std::string_view password, const std::string& setting) {
  auto data = std::make_unique<crypt_data>();
  std::string pw(password);
  const char* out = crypt_r(pw.c_str(), setting.c_str(), data.get());
  if (out == nullptr || out[0] == '*') return "";
  return out;
}

}  // namespace

bool IsBcryptHash(std::string_view h) {
  if (h.size() != 60 || h[0] != '$' || h[3] != '$' || h[6] != '$') return false;
  std::string_view id = h.substr(1, 2);
  if (id != "2a" && id != "2b" && id != "2y") return false;
  if (BcryptCost(h) == 0) return false;
  for (char c : h.substr(7)) {
    if (kAlphabet.find(c) == std::string_view::npos) return false;
  }
  return true;
}

int BcryptCost(std::string_view h) {
  if (h.size() < 7) return 0;
  char a = h[4], b = h[5];
  if (a < '0' || a > '9' || b < '0' || b > '9') return 0;
  int cost = (a - '0') * 10 + (b - '0');
  return cost >= kMinBcryptCost && cost <= kMaxBcryptCost ? cost : 0;
}

Result<std::string> BcryptHash(std::string_view password, int cost) {
  if (password.empty()) return InvalidRequest("password cannot be empty");
  if (password.size() > kMaxBcryptPasswordBytes) {
    return InvalidRequest("password is longer than 72 bytes");
  }
  if (cost < kMinBcryptCost || cost > kMaxBcryptCost) {
    return InvalidRequest("bcrypt cost must be between 4 and 31");
  }
  std::string rnd = crypto::RandomBytesString(16);
  char setting[CRYPT_GENSALT_OUTPUT_SIZE];
  if (crypt_gensalt_rn("$2b$", static_cast<unsigned long>(cost), rnd.data(),
                       static_cast<int>(rnd.size()), setting, sizeof(setting)) == nullptr) {
    return Internal("bcrypt: crypt_gensalt_rn failed");
  }
  std::string out = CryptR(password, setting);
  if (!IsBcryptHash(out)) return Internal("bcrypt: crypt_r failed");
  return out;
}

bool BcryptVerify(std::string_view password, std::string_view hash) {
  if (!IsBcryptHash(hash)) return false;
  std::string out = CryptR(password, std::string(hash));
  if (out.empty()) return false;
  return crypto::ConstantTimeEquals(out, hash);
}

}  // namespace arca::auth
